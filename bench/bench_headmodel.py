"""Head-model speed: a batch of 64 heads (face region) with their 478 landmarks. The model runs in numpy
(fitting, rendering, exports); training runs the same head equation (:mod:`emoshift.headmodel.ops`) on the
model's arrays as torch tensors, forward and backward.

    .venv/bin/python bench/bench_headmodel.py
"""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, timeit  # noqa: E402

from emoshift.headmodel import HeadModel, ops  # noqa: E402


def main() -> None:
    rows = []
    # the first configuration once more at the end: the first timings of a process run slow
    for region, n_id in [("face", 50), ("face", 100), ("head", 50), ("face", 50)]:
        m = HeadModel.load(n_identity=n_id, region=region)
        g = np.random.default_rng(0)
        b = 64
        ident = g.normal(size=(b, n_id)).astype(np.float32)
        expr = g.uniform(size=(b, 53)).astype(np.float32)
        rot = (g.normal(size=(b, 3)) * 0.2).astype(np.float32)
        trans = g.normal(size=(b, 3)).astype(np.float32)
        fwd = timeit(lambda: m(ident, expr, rot, trans), repeat=100, warmup=20)
        lmk = timeit(lambda: m.landmarks(ident, expr, rot, trans), repeat=200)
        arrays = [torch.from_numpy(a) for a in (m.neutral, m.identity_basis, m.expression_basis, m.lmk_neutral,
                                                m.lmk_identity, m.lmk_expression)]  # fmt: skip
        params = [torch.from_numpy(x).requires_grad_() for x in (ident, expr, rot, trans)]

        def step():
            v = ops.head_points(*arrays[:3], *params)
            lm = ops.head_points(*arrays[3:], *params)
            (v.square().mean() + lm.square().mean()).backward()

        bwd = timeit(step, repeat=50, warmup=10)
        rows.append(
            {
                "region": region,
                "vertices": int(m.neutral.shape[0]),
                "identity_modes": n_id,
                "batch": b,
                "forward_ms": fwd["median_ms"],
                "torch_forward+backward_ms": bwd["median_ms"],
                "landmarks_only_ms": lmk["median_ms"],
            }
        )
    report("headmodel", rows[1:])


if __name__ == "__main__":
    main()
