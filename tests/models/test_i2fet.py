"""I2FET (eqs. 5-15), the MotionCLIP-style baseline and the vertex loss on small random tensors."""

import math

import pytest
import torch
from modelkit import DIM, tiny_config

from emoshift.models import I2FET, MotionCLIP, build_model
from emoshift.models.layers import kl_normal
from emoshift.models.losses import Batch, VertexLoss, gaussian_nll


def _batch(b=6, m=3, length=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    slots = torch.arange(m)[None] < torch.tensor([1, 2, 3, 3, 2, 1])[:b, None]
    return Batch(
        text_features=torch.randn(b, length, DIM, generator=g), text_mask=torch.ones(b, length, dtype=torch.bool),
        expression=torch.rand(b, m, 53, generator=g), pose=torch.randn(b, m, 3, generator=g) * 0.1,
        slot_mask=slots, identity=torch.randn(b, 50, generator=g),
        span_features=torch.randn(b, m, DIM, generator=g) * slots[..., None],
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


def test_gaussian_nll_on_a_hand_computed_example():
    target = torch.tensor([[[0.5, 0.0], [9.0, 9.0]]])  # second slot unused: ignored
    mean = torch.tensor([[[0.3, 0.1], [0.0, 0.0]]])
    mask = torch.tensor([[True, False]])
    # 0.5·(0.2/0.1)² + 0.5·(0.1/0.1)² + 2·(log 0.1 + 0.5·log 2π) = 2.5 − 2.767293
    assert float(gaussian_nll(target, mean, 0.1, mask)) == pytest.approx(-0.267293, abs=1e-5)
    # std 1/√2 without the constants is the summed squared error: 0.04 + 0.01
    c = 2 * (math.log(0.5**0.5) + 0.5 * math.log(2 * math.pi))
    assert float(gaussian_nll(target, mean, 0.5**0.5, mask)) - c == pytest.approx(0.05, abs=1e-6)


def test_loss_switches_follow_equation_15(vertex_loss):
    """Paper formulation (recon_loss="mse"): L = MSE_e + KL_e + MSE_p + KL_p + 0.01·L_v, as before the switch."""
    torch.manual_seed(0)
    b = _batch()
    for kw, expect in [
        (dict(), lambda p: p["l_e"] + p["l_p"] + 0.01 * p["l_v"]),
        (dict(vertex_weight=1.0), lambda p: p["l_e"] + p["l_p"] + p["l_v"]),
        (dict(use_vertex_loss=False), lambda p: p["l_e"] + p["l_p"]),
        (dict(use_pose_loss=False, use_vertex_loss=False), lambda p: p["l_e"]),
    ]:
        model = I2FET(tiny_config(recon_loss="mse", **kw))
        torch.manual_seed(1)
        _, parts = model.loss(b, vertex_loss, anneal=0.7)  # annealing does not touch the paper's loss
        assert parts["loss"] == pytest.approx(expect(parts), rel=1e-5)
        assert parts["l_e"] == pytest.approx(parts["mse_e"] + parts["kl_e"], rel=1e-5)
        assert parts["l_p"] == pytest.approx(parts["mse_p"] + parts["kl_p"], rel=1e-5)
        assert "nll_e" not in parts


@pytest.mark.parametrize("anneal", [0.0, 0.5, 1.0])
def test_gaussian_loss_is_the_nll_in_nats_with_annealed_kl(vertex_loss, anneal):
    torch.manual_seed(0)
    b = _batch()
    model = I2FET(tiny_config(obs_std_e=0.05, obs_std_p=0.02))
    torch.manual_seed(1)
    _, p = model.loss(b, vertex_loss, anneal=anneal)
    d_e, d_p = 53, 3
    c = lambda d, s: d * (math.log(s) + 0.5 * math.log(2 * math.pi))  # noqa: E731
    # sum over the weights of the per-weight NLL = D·(MSE/(2σ²) + log σ + log(2π)/2)
    assert p["nll_e"] == pytest.approx(d_e * p["mse_e"] / (2 * 0.05**2) + c(d_e, 0.05), rel=1e-4)
    assert p["nll_p"] == pytest.approx(d_p * p["mse_p"] / (2 * 0.02**2) + c(d_p, 0.02), rel=1e-4)
    a_e, a_p = (d_e / (2 * 0.05**2)) ** anneal, (d_p / (2 * 0.02**2)) ** anneal
    assert p["l_e"] == pytest.approx(p["nll_e"] + a_e * p["kl_e"], rel=1e-4)
    assert p["l_p"] == pytest.approx(p["nll_p"] + a_p * p["kl_p"], rel=1e-4)
    # L_v keeps its 0.01 share of the (now 53/(2σ²)-scaled) expression error
    assert p["loss"] == pytest.approx(p["l_e"] + p["l_p"] + 0.01 * d_e / (2 * 0.05**2) * p["l_v"], rel=1e-4)
    if anneal == 1.0:  # fully annealed = the paper's loss times 53/(2σ²) for the expression part
        mse_model = I2FET(tiny_config(recon_loss="mse"))
        mse_model.load_state_dict(model.state_dict())
        torch.manual_seed(1)
        _, q = mse_model.loss(b, vertex_loss)
        assert p["l_e"] - c(d_e, 0.05) == pytest.approx(q["l_e"] * d_e / (2 * 0.05**2), rel=1e-4)


def test_kl_anneal_schedule():
    from emoshift.models.train import kl_anneal

    cfg = tiny_config(kl_anneal_epochs=2.0)
    assert [kl_anneal(cfg, t) for t in (0.0, 1.0, 1.5, 2.0, 5.0)] == [1.0, 0.5, 0.25, 0.0, 0.0]
    assert kl_anneal(tiny_config(recon_loss="mse"), 0.0) == 0.0
    assert kl_anneal(tiny_config(kl_anneal_epochs=0.0), 0.0) == 0.0


def test_config_rejects_unknown_reconstruction_loss():
    from emoshift.io import UserError

    with pytest.raises(UserError, match="recon_loss"):
        tiny_config(recon_loss="l1")
    with pytest.raises(UserError, match="obs_std"):
        tiny_config(obs_std_e=0.0)


def test_padded_slots_do_not_change_the_loss(vertex_loss):
    model = I2FET(tiny_config()).eval()
    b = _batch()
    b2 = Batch(**{k: v.clone() for k, v in vars(b).items()})
    b2.expression[~b.slot_mask] = 0.9  # garbage in unused slots
    b2.pose[~b.slot_mask] = 3.0
    b2.span_features[~b.slot_mask] = 5.0
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


@pytest.mark.parametrize("recon_loss", ["gaussian", "mse"])
def test_overfits_two_instructions_through_the_text_only(vertex_loss, recon_loss):
    """Two texts that differ only in word order map to swapped targets: the model must read the text.

    With the Gaussian likelihood this needs the KL annealing (as in training): without it the latent
    carries the targets and prior samples ignore the text.
    """
    torch.manual_seed(0)
    cfg = tiny_config(latent_dim=4, kl_weight=1.0, recon_loss=recon_loss)
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
    for i in range(250):
        loss, _ = model.loss(b, vertex_loss, anneal=max(0.0, 1 - i / 150))
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


def test_generate_samples_latents_at_the_configured_temperature():
    """z ~ N(0, τ²I): same draws scaled by (τ_e, τ_p); τ = 0 decodes the latent mean for every seed."""
    from emoshift.models.i2fet import slot_mask_from_counts

    torch.manual_seed(0)
    model = I2FET(tiny_config(sample_temperature_e=0.7, sample_temperature_p=0.0)).eval()
    b = _batch()
    n = torch.tensor([1, 2, 3, 3, 2, 1])
    e, r = model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)
    z_e, z_p = torch.randn(6, 3, 4, generator=g), torch.randn(6, 3, 4, generator=g)
    mask = slot_mask_from_counts(n, 3)
    with torch.no_grad():
        ctx = model.text_context(b.text_features, b.text_mask)
        e2, r2 = model.decode(0.7 * z_e, 0.0 * z_p, mask, ctx)
        e3, _ = model.decode(z_e, z_p, mask, ctx)
    torch.testing.assert_close(e, e2 * mask[..., None])
    torch.testing.assert_close(r, r2 * mask[..., None])
    hot, _ = model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(5), temperature=(1.0, 1.0))
    torch.testing.assert_close(hot, e3 * mask[..., None])
    cold = [model.generate(b.text_features, b.text_mask, n, torch.Generator().manual_seed(s), temperature=(0.0, 0.0))
            for s in (1, 2)]
    torch.testing.assert_close(cold[0], cold[1])
    assert (e - hot).abs().max() > 1e-4
