"""CAFT's attention takes the slot/text padding as an additive ``attn_mask`` (models/ifed.padding_mask)
instead of ``key_padding_mask``: the same numbers, without the shape check that imports sympy."""

import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from emoshift.models.ifed import padding_mask


def _attention(seed=0, heads=4, d=16, b=3, lq=3, lk=9):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mha = nn.MultiheadAttention(d, heads, batch_first=True)
    q, kv = torch.randn(b, lq, d, generator=g), torch.randn(b, lk, d, generator=g)
    pad = torch.zeros(b, lk, dtype=torch.bool)
    pad[0, 6:] = True
    pad[2, 1:4] = True
    return mha, q, kv, pad


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("grad", [False, True])
def test_padding_mask_gives_the_numbers_of_key_padding_mask(seed, grad):
    mha, q, kv, pad = _attention(seed)
    with torch.set_grad_enabled(grad):
        want, _ = mha(q, kv, kv, key_padding_mask=pad, need_weights=False)
        got, _ = mha(q, kv, kv, attn_mask=padding_mask(pad, q, mha.num_heads), need_weights=False)
    assert torch.equal(got, want)
    # control: without the mask the padded keys are attended, and the output changes
    free, _ = mha(q, kv, kv, need_weights=False)
    assert (free - want).abs().max() > 1e-3


def test_padding_mask_values_and_shape():
    pad = torch.tensor([[False, True, False], [True, False, False]])
    m = padding_mask(pad, torch.zeros(2, 4, 8), n_heads=2)
    assert m.shape == (4, 4, 3) and m.dtype == torch.float32
    assert torch.isinf(m[0:2, :, 1]).all() and (m[0:2, :, [0, 2]] == 0).all()
    assert torch.isinf(m[2:4, :, 0]).all() and (m[2:4, :, 1:] == 0).all()


PROBE = """
import sys, torch
from torch import nn
mha = nn.MultiheadAttention(8, 2, batch_first=True).eval()
q = torch.randn(1, 2, 8); pad = torch.tensor([[False, True]])
{call}
print("sympy" in sys.modules)
"""


@pytest.mark.parametrize("call,imports_sympy", [
    ("mha(q, q, q, attn_mask=__import__('emoshift.models.ifed', fromlist=['x']).padding_mask(pad, q, 2))", False),
    ("mha(q, q, q, key_padding_mask=pad)", True),  # control: why padding_mask exists
])  # fmt: skip
def test_key_padding_mask_imports_sympy_and_padding_mask_does_not(call, imports_sympy):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    cmd = [sys.executable, "-c", PROBE.format(call=call)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(imports_sympy)
