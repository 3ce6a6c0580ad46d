"""I2FET (eqs. 5-15), the MotionCLIP-style baseline and the vertex loss on small random tensors."""

import pytest
import torch
from modelkit import DIM, tiny_config

from emoshift.models import I2FET, MotionCLIP, build_model
from emoshift.models.layers import kl_normal
from emoshift.models.losses import Batch, VertexLoss


def _batch(b=6, m=3, length=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    slots = torch.arange(m)[None] < torch.tensor([1, 2, 3, 3, 2, 1])[:b, None]
    return Batch(
        text_features=torch.randn(b, length, DIM, generator=g), text_mask=torch.ones(b, length, dtype=torch.bool),
        expression=torch.rand(b, m, 53, generator=g), pose=torch.randn(b, m, 3, generator=g) * 0.1,
        slot_mask=slots, identity=torch.randn(b, 50, generator=g),
    )


@pytest.fixture(scope="module")
def vertex_loss():
    return VertexLoss(stride=16)


def test_kl_matches_closed_form_of_torch_distributions():
    mu, lv = torch.randn(4, 16), torch.randn(4, 16)
    p = torch.distributions.Normal(mu, (0.5 * lv).exp())
    q = torch.distributions.Normal(torch.zeros(16), torch.ones(16))
    torch.testing.assert_close(kl_normal(mu, lv), torch.distributions.kl_divergence(p, q).sum(-1))


def test_vertex_loss_is_zero_for_ground_truth_and_matches_head_model(vertex_loss):
    b = _batch()
    assert float(vertex_loss(b, b.expression, b.pose)) == 0.0
    e2 = b.expression.clone()
    e2[..., 0] += 0.5
    got = float(vertex_loss(b, e2, b.pose))
    m = b.slot_mask
    ident = b.identity[:, None].expand(-1, 3, -1)[m]
    from emoshift.headmodel import HeadModel

    face = HeadModel.load(region="face")
    keep = torch.arange(0, face.neutral.shape[0], 16)
    v = face(ident, b.expression[m], b.pose[m]).vertices[:, keep]
    v2 = face(ident, e2[m], b.pose[m]).vertices[:, keep]
    assert got == pytest.approx(float(((v - v2) ** 2).mean()), rel=1e-4)
    assert got > 0


@pytest.mark.parametrize("kind", ["i2fet", "motionclip"])
def test_loss_backward_reaches_every_parameter(kind, vertex_loss):
    torch.manual_seed(0)
    model = build_model(tiny_config(model=kind))
    total, parts = model.loss(_batch(), vertex_loss)
    assert torch.isfinite(total) and parts["loss"] == pytest.approx(float(total.detach()))
    assert parts["l_v"] > 0
    total.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert missing == []


def test_loss_switches_follow_equation_15(vertex_loss):
    torch.manual_seed(0)
    b = _batch()
    for kw, expect in [
        (dict(), lambda p: p["l_e"] + p["l_p"] + 0.01 * p["l_v"]),
        (dict(vertex_weight=1.0), lambda p: p["l_e"] + p["l_p"] + p["l_v"]),
        (dict(use_vertex_loss=False), lambda p: p["l_e"] + p["l_p"]),
        (dict(use_pose_loss=False, use_vertex_loss=False), lambda p: p["l_e"]),
    ]:
        model = I2FET(tiny_config(**kw))
        torch.manual_seed(1)
        _, parts = model.loss(b, vertex_loss)
        assert parts["loss"] == pytest.approx(expect(parts), rel=1e-5)
        assert parts["l_e"] == pytest.approx(parts["mse_e"] + parts["kl_e"], rel=1e-5)


def test_padded_slots_do_not_change_the_loss(vertex_loss):
    model = I2FET(tiny_config()).eval()
    b = _batch()
    b2 = Batch(**{k: v.clone() for k, v in vars(b).items()})
    b2.expression[~b.slot_mask] = 0.9  # garbage in unused slots
    b2.pose[~b.slot_mask] = 3.0
    torch.manual_seed(3)
    _, p1 = model.loss(b, vertex_loss)
    torch.manual_seed(3)
    _, p2 = model.loss(b2, vertex_loss)
    assert p1 == pytest.approx(p2, rel=1e-5)


@pytest.mark.parametrize("kind", ["i2fet", "motionclip"])
def test_generate_range_masking_and_seeds(kind):
    torch.manual_seed(0)
    model = build_model(tiny_config(model=kind)).eval()
    b = _batch()
    n = torch.tensor([1, 2, 3, 3, 2, 1])
    e1, r1 = model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(5))
    e2, r2 = model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(5))
    assert e1.shape == (6, 3, 53) and r1.shape == (6, 3, 3)
    assert torch.equal(e1, e2) and torch.equal(r1, r2)
    assert (e1 >= 0).all() and (e1 <= 1).all()
    assert e1[0, 1:].abs().sum() == 0 and r1[1, 2:].abs().sum() == 0 and e1[2].abs().min(-1).values.sum() >= 0
    assert (e1[:, 0].sum(-1) > 0).all()
    # the text conditions the output
    e3, _ = model.generate(b.text_features.flip(0), b.text_mask, n, torch.Generator().manual_seed(5))
    assert (e3[2, :3] - e1[3, :3]).abs().max() < 1e-5 or kind == "i2fet"
    assert (e3[3] - e1[3]).abs().max() > 1e-4
    if kind == "i2fet":  # a CVAE: other seeds give other samples
        e4, _ = model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(6))
        assert (e4 - e1).abs().max() > 1e-4


def test_overfits_two_instructions_through_the_text_only(vertex_loss):
    """Two texts that differ only in word order map to swapped targets: the model must read the text."""
    torch.manual_seed(0)
    cfg = tiny_config(latent_dim=4, kl_weight=1.0)
    model = I2FET(cfg)
    g = torch.Generator().manual_seed(0)
    words = torch.randn(2, DIM, generator=g)
    pos = torch.randn(3, DIM, generator=g)
    text = torch.stack([torch.stack([words[0], words[1]]), torch.stack([words[1], words[0]])]) + pos[:2]
    a, c = torch.zeros(53), torch.zeros(53)
    a[:10], c[20:30] = 0.9, 0.9
    expr = torch.stack([torch.stack([a, c]), torch.stack([c, a])])
    pose = torch.tensor([[[0.1, 0, 0], [-0.1, 0, 0]], [[-0.1, 0, 0], [0.1, 0, 0]]])
    b = Batch(text.repeat(8, 1, 1), torch.ones(16, 2, dtype=torch.bool), expr.repeat(8, 1, 1), pose.repeat(8, 1, 1),
              torch.ones(16, 2, dtype=torch.bool), torch.zeros(16, 50))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(250):
        loss, _ = model.loss(b, vertex_loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    e, r = model.generate(text, torch.ones(2, 2, dtype=torch.bool), torch.tensor([2, 2]), torch.Generator())
    assert (e[:, :2] - expr).abs().max() < 0.15
    assert (r[:, :2] - pose).abs().max() < 0.05


def test_motionclip_latent_is_aligned_by_cosine(vertex_loss):
    torch.manual_seed(0)
    model = MotionCLIP(tiny_config(model="motionclip"))
    b = _batch()
    _, p0 = model.loss(b, vertex_loss)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(60):
        loss, _ = model.loss(b, vertex_loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    _, p1 = model.loss(b, vertex_loss)
    assert p1["l_clip"] < 0.2 < p0["l_clip"]
