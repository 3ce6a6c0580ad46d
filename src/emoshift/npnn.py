"""Inference-only neural-network layers in plain numpy (float32), named and shaped as torch's.

The command line plans with the trained generator and the MiniLM text encoder; importing torch for that
took 0.8 s of a 1.4 s ``emoshift generate`` (bench/bench_cli.py). Training keeps torch; inference runs
these functions on the same tensors, exported once to numpy (:mod:`emoshift.models.numpy_infer`,
:mod:`emoshift.text.bert`). Weights are dicts ``{name: array}`` with torch's parameter names relative
to the layer (``"weight"``, ``"bias"``, ``"in_proj_weight"``...). Each function matches the torch layer
it names to float32 rounding (tests/models/test_numpy_infer.py, tests/text/test_encoder.py).
"""

from __future__ import annotations

import math

import numpy as np

# Abramowitz & Stegun 7.1.26 (numpy has no erf; scipy.special costs 60-130 ms of import)
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, in float32: within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26)
    plus float32 rounding, as torch's own float32 erf (float64 here measured no closer to torch's MiniLM
    features, 3.7e-6 vs 3.5e-6, at twice the time)."""
    x = np.asarray(x, np.float32)
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(_ERF_P) * np.abs(x))
    a1, a2, a3, a4, a5 = (np.float32(a) for a in _ERF_A)
    poly = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t
    return np.sign(x) * (np.float32(1.0) - poly * np.exp(-x * x))


def gelu(x: np.ndarray) -> np.ndarray:
    """torch's default (exact, erf) GELU: ``x · (1 + erf(x / √2)) / 2``."""
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x * np.float32(1.0 / math.sqrt(2.0))))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))).astype(np.float32)


def linear(x: np.ndarray, p: dict[str, np.ndarray], prefix: str = "") -> np.ndarray:
    """``nn.Linear``: ``x @ W.T + b`` with ``p[prefix + "weight"]`` (out, in) and ``p[prefix + "bias"]``.

    As one 2-D product: numpy's matmul of a 3-D array with a transposed matrix loops outside BLAS (30x slower)."""
    y = matmul_t(x, p[prefix + "weight"])
    b = p.get(prefix + "bias")
    return y if b is None else y + b


def matmul_t(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w.T`` for x (..., in) and w (out, in), as one 2-D BLAS product."""
    return (x.reshape(-1, x.shape[-1]) @ w.T).reshape(*x.shape[:-1], w.shape[0])


def layer_norm(x: np.ndarray, p: dict[str, np.ndarray], prefix: str = "", eps: float = 1e-5) -> np.ndarray:
    """``nn.LayerNorm`` over the last dim (biased variance, as torch)."""
    mu = x.mean(-1, keepdims=True)
    d = x - mu
    var = (d * d).mean(-1, keepdims=True)
    return d / np.sqrt(var + np.float32(eps)) * p[prefix + "weight"] + p[prefix + "bias"]


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def padding_bias(pad: np.ndarray) -> np.ndarray:
    """(B, S) True at padding -> (B, 1, 1, S) additive attention bias: 0 where attended, -inf at padding."""
    return np.where(pad, -np.inf, 0.0).astype(np.float32)[:, None, None, :]


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, heads: int, bias: np.ndarray | None) -> np.ndarray:
    """Scaled dot-product attention of already projected q (B,L,D), k, v (B,S,D) over ``heads`` heads,
    with an additive ``bias`` broadcastable to (B, heads, L, S) -> (B, L, D)."""
    b, n, d = q.shape
    s = k.shape[1]
    hd = d // heads
    qh = q.reshape(b, n, heads, hd).transpose(0, 2, 1, 3)
    kh = k.reshape(b, s, heads, hd).transpose(0, 2, 1, 3)
    vh = v.reshape(b, s, heads, hd).transpose(0, 2, 1, 3)
    scores = (qh * np.float32(1.0 / math.sqrt(hd))) @ kh.transpose(0, 1, 3, 2)
    if bias is not None:
        scores = scores + bias
    return (softmax(scores) @ vh).transpose(0, 2, 1, 3).reshape(b, n, d)


def multihead_attention(query: np.ndarray, key: np.ndarray, value: np.ndarray, p: dict[str, np.ndarray],
                        heads: int, bias: np.ndarray | None = None, prefix: str = "") -> np.ndarray:  # fmt: skip
    """``nn.MultiheadAttention(batch_first=True)`` (packed ``in_proj_weight``, ``out_proj``), eval mode."""
    w, b = p[prefix + "in_proj_weight"], p[prefix + "in_proj_bias"]
    d = w.shape[1]
    q = matmul_t(query, w[:d]) + b[:d]
    k = matmul_t(key, w[d : 2 * d]) + b[d : 2 * d]
    v = matmul_t(value, w[2 * d :]) + b[2 * d :]
    return linear(attention(q, k, v, heads, bias), p, prefix + "out_proj.")


def encoder_layer(x: np.ndarray, bias: np.ndarray, p: dict[str, np.ndarray], heads: int, prefix: str = "",
                  eps: float = 1e-5) -> np.ndarray:  # fmt: skip
    """``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True)`` in eval mode:
    ``y = x + MSA(LN1(x)); y + FFN(LN2(y))``; ``bias`` from :func:`padding_bias`."""
    h = layer_norm(x, p, prefix + "norm1.", eps)
    x = x + multihead_attention(h, h, h, p, heads, bias, prefix + "self_attn.")
    h = layer_norm(x, p, prefix + "norm2.", eps)
    return x + linear(gelu(linear(h, p, prefix + "linear1.")), p, prefix + "linear2.")


def mlp(x: np.ndarray, p: dict[str, np.ndarray], prefix: str, n_layers: int) -> np.ndarray:
    """:func:`emoshift.models.layers.mlp` (``nn.Sequential`` of Linear, GELU, ..., Linear: indices 0, 2, 4...)."""
    for i in range(n_layers):
        x = linear(x, p, f"{prefix}{2 * i}.")
        if i < n_layers - 1:
            x = gelu(x)
    return x


def sub(p: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries of ``p`` under ``prefix``, with it removed."""
    return {k[len(prefix) :]: v for k, v in p.items() if k.startswith(prefix)}
