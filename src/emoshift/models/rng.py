"""torch's CPU random streams in numpy: the generator's draws for a ``--seed`` without importing torch.

Plans are seeded: ``emoshift generate --seed 3`` must give the anchors it gave when generation ran in
torch (``torch.Generator().manual_seed(seed)``, then ``torch.randn`` / ``torch.randint``). This class
draws the same numbers from the same Mersenne Twister (numpy's ``MT19937`` set to the state torch's
``manual_seed`` makes) and turns them into normals and integers the way torch's CPU kernels do
(aten/src/ATen/native/cpu/DistributionTemplates.h, ATen/core/DistributionsHelper.h, torch 2.x):

- ``randn`` of 16 or more float32 values: one 24-bit uniform per value, then Box-Muller on blocks of 16
  (the first 8 as radii, the last 8 as angles; a tail block of 16 is drawn afresh over the last 16);
- ``randn`` of fewer: per value one double normal from two 53-bit uniforms (one 64-bit draw each),
  its sine twin cached for the next value;
- ``randint(high)`` below 2**32: one 64-bit draw per value, modulo ``high``.

The integers are exact; the normals equal torch's up to float32 rounding of the transcendental
functions (torch's vectorised log/sin/cos vs numpy's in float64): at most 1e-6 apart, measured over
many seeds in tests/models/test_numpy_infer.py.
"""

from __future__ import annotations

import numpy as np

_MASK24 = (1 << 24) - 1
_MASK53 = (1 << 53) - 1


def _mt_state(seed: int) -> np.ndarray:
    """The 624 words ``init_genrand(seed)`` (torch's ``mt19937(seed)``) sets."""
    key = np.empty(624, np.uint32)
    x = int(seed) & 0xFFFFFFFF
    key[0] = x
    for i in range(1, 624):
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF
        key[i] = x
    return key


class TorchRNG:
    """Draws what ``torch.Generator().manual_seed(seed)`` draws on the CPU (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _mt_state(seed), "pos": 624}}
        self._cached_normal: float | None = None

    def _u32(self, n: int) -> np.ndarray:
        return self._bits.random_raw(n).astype(np.uint64)

    def _u64(self, n: int) -> np.ndarray:
        w = self._u32(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def _box_muller16(self) -> np.ndarray:
        u = (self._u32(16) & np.uint64(_MASK24)).astype(np.float64) * 2.0**-24
        r = np.sqrt(-2.0 * np.log(1.0 - u[:8]))
        theta = 2.0 * np.pi * u[8:]
        return np.concatenate([r * np.cos(theta), r * np.sin(theta)])

    def randn(self, *shape: int) -> np.ndarray:
        """``torch.randn(*shape, generator=g)`` (float32)."""
        n = int(np.prod(shape))
        if n >= 16:
            u = (self._u32(n) & np.uint64(_MASK24)).astype(np.float64) * 2.0**-24
            out = np.empty(n)
            for i in range(0, n - 15, 16):
                r = np.sqrt(-2.0 * np.log(1.0 - u[i : i + 8]))
                theta = 2.0 * np.pi * u[i + 8 : i + 16]
                out[i : i + 8], out[i + 8 : i + 16] = r * np.cos(theta), r * np.sin(theta)
            if n % 16:
                out[n - 16 :] = self._box_muller16()
            return out.astype(np.float32).reshape(shape)
        out = np.empty(n)
        for i in range(n):
            if self._cached_normal is not None:
                out[i], self._cached_normal = self._cached_normal, None
                continue
            w = self._u64(2) & np.uint64(_MASK53)
            u1, u2 = float(w[0]) * 2.0**-53, float(w[1]) * 2.0**-53
            r = np.sqrt(-2.0 * np.log1p(-u2))
            self._cached_normal = r * np.sin(2.0 * np.pi * u1)
            out[i] = r * np.cos(2.0 * np.pi * u1)
        return out.astype(np.float32).reshape(shape)

    def randint(self, high: int, shape: tuple[int, ...]) -> np.ndarray:
        """``torch.randint(high, shape, generator=g)`` (int64) for ``high`` below 2**32."""
        if not 0 < high < 1 << 32:
            raise ValueError("randint: high must lie in (0, 2**32)")
        n = int(np.prod(shape))
        return (self._u64(n) % np.uint64(high)).astype(np.int64).reshape(shape)
