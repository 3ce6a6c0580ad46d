"""IFED (eqs. 1-4): shapes, slot/text padding invariance, slot order, gradients, ablation variants."""

import pytest
import torch

from emoshift.models.ifed import IFED, PlainCondition, build_conditioner
from modelkit import DIM, tiny_config


def _inputs(b=3, m=3, length=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    xf = torch.randn(b, m, 56, generator=g)
    text = torch.randn(b, length, DIM, generator=g)
    tmask = torch.ones(b, length, dtype=torch.bool)
    tmask[0, 5:] = False
    slots = torch.ones(b, m, dtype=torch.bool)
    slots[1, 2:] = False
    return xf, slots, text, tmask


@pytest.mark.parametrize("n_face,n_text,caft", [(2, 1, 1), (1, 1, 2), (2, 2, 1), (0, 0, 1)])
def test_shapes_for_every_layer_setting(n_face, n_text, caft):
    cfg = tiny_config(n_face_layers=n_face, n_text_layers=n_text, caft_layers=caft)
    ifed = IFED(cfg).eval()
    assert len(ifed.face_branch) == n_face and len(ifed.text_branch) == n_text and len(ifed.caft) == caft
    for m in (1, 2, 3):
        xf, slots, text, tmask = _inputs(m=m)
        ce, cp = ifed(xf, slots, ifed.encode_text(text, tmask))
        assert ce.shape == (3, m, cfg.cond_e_dim) and cp.shape == (3, m, cfg.cond_p_dim)
        assert torch.isfinite(ce).all() and torch.isfinite(cp).all()


def test_padding_does_not_leak_into_used_slots():
    ifed = IFED(tiny_config()).eval()
    xf, slots, text, tmask = _inputs()
    ctx = ifed.encode_text(text, tmask)
    ce, cp = ifed(xf, slots, ctx)
    # change what sits in the padded slot (sample 1, slot 2) and in padded text tokens (sample 0, tokens 5+)
    xf2, text2 = xf.clone(), text.clone()
    xf2[1, 2] += 5.0
    text2[0, 5:] = 7.0
    ce2, cp2 = ifed(xf2, slots, ifed.encode_text(text2, tmask))
    torch.testing.assert_close(ce2[1, :2], ce[1, :2])
    torch.testing.assert_close(ce2[0], ce[0])
    torch.testing.assert_close(cp2[:, :2], cp[:, :2])
    # a used slot's content does influence the other used slots (cross-slot attention works)
    xf3 = xf.clone()
    xf3[2, 0] += 3.0
    ce3, _ = ifed(xf3, slots, ctx)
    assert not torch.allclose(ce3[2, 1], ce[2, 1])


def test_conditions_depend_on_text_and_on_slot_position():
    ifed = IFED(tiny_config()).eval()
    xf, slots, text, tmask = _inputs()
    ce, _ = ifed(xf, slots, ifed.encode_text(text, tmask))
    ce_t, _ = ifed(xf, slots, ifed.encode_text(text.flip(0), tmask.flip(0)))
    assert (ce_t[0] - ce[0]).abs().max() > 1e-3
    same = xf[:, :1].expand(-1, 3, -1).contiguous()  # identical slot contents: only the slot embedding differs
    ce_s, _ = ifed(same, torch.ones(3, 3, dtype=torch.bool), ifed.encode_text(text, tmask))
    assert (ce_s[:, 0] - ce_s[:, 1]).abs().max() > 1e-4


def test_every_parameter_gets_a_gradient():
    ifed = IFED(tiny_config(caft_layers=2))
    xf, slots, text, tmask = _inputs()
    spans = torch.randn(xf.shape[0], xf.shape[1], text.shape[-1]) * slots[..., None]
    ce, cp = ifed(xf, slots, ifed.encode_text(text, tmask, spans))
    (ce.square().sum() + cp.square().sum()).backward()
    missing = [n for n, p in ifed.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert missing == []


def test_plain_condition_ablation_ignores_facial_input():
    cfg = tiny_config(use_ifed=False)
    cond = build_conditioner(cfg)
    assert isinstance(cond, PlainCondition)
    xf, slots, text, tmask = _inputs()
    ctx = cond.encode_text(text, tmask)
    ce, cp = cond(xf, slots, ctx)
    ce2, _ = cond(xf * 0, slots, ctx)
    assert torch.equal(ce, ce2)  # no facial branch
    assert (ce[:, 0] - ce[:, 1]).abs().max() > 0  # but the slot index matters
    assert cp.shape == (3, 3, cfg.cond_p_dim)


def test_span_features_ground_each_slot():
    """With spans, a slot's condition follows its own span: swapping two slots' spans swaps their
    conditions (up to the slot index), and a slot's condition changes with its span alone."""
    torch.manual_seed(0)
    ifed = IFED(tiny_config(dropout=0.0)).eval()
    xf, slots, text, tmask = _inputs()
    slots = torch.ones_like(slots)
    a, b = torch.randn(text.shape[-1]) * 3, torch.randn(text.shape[-1]) * 3
    spans = torch.zeros(xf.shape[0], xf.shape[1], text.shape[-1])
    spans[:, 0], spans[:, 1] = a, b
    ce1, _ = ifed(xf, slots, ifed.encode_text(text, tmask, spans))
    spans2 = spans.clone()
    spans2[:, 1] = torch.randn(text.shape[-1]) * 3
    ce2, _ = ifed(xf, slots, ifed.encode_text(text, tmask, spans2))
    assert (ce2[:, 1] - ce1[:, 1]).abs().mean() > 10 * (ce2[:, 2] - ce1[:, 2]).abs().mean() + 1e-3
    ce0, _ = ifed(xf, slots, ifed.encode_text(text, tmask))  # control: without spans the slot ignores them
    assert not torch.allclose(ce0[:, 1], ce1[:, 1])
