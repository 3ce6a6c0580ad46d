"""Head-model speed: a batch of 64 heads (face region) with their 478 landmarks, forward and backward.

    .venv/bin/python bench/bench_headmodel.py
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, timeit  # noqa: E402

from emoshift.headmodel import HeadModel  # noqa: E402


def main() -> None:
    rows = []
    # the first configuration once more at the end: the first timings of a process run slow
    for region, n_id in [("face", 50), ("face", 100), ("head", 50), ("face", 50)]:
        m = HeadModel.load(n_identity=n_id, region=region)
        g = torch.Generator().manual_seed(0)
        b = 64
        ident = torch.randn(b, n_id, generator=g)
        expr = torch.rand(b, 53, generator=g)
        rot = torch.randn(b, 3, generator=g) * 0.2
        trans = torch.randn(b, 3, generator=g)
        with torch.no_grad():
            fwd = timeit(lambda: m(ident, expr, rot, trans), repeat=100, warmup=20)
            lmk = timeit(lambda: m.landmarks(ident, expr, rot, trans), repeat=200)
        params = [x.clone().requires_grad_() for x in (ident, expr, rot, trans)]

        def step():
            out = m(*params)
            (out.vertices.square().mean() + out.landmarks.square().mean()).backward()

        bwd = timeit(step, repeat=50, warmup=10)
        rows.append(
            {
                "region": region,
                "vertices": int(m.neutral.shape[0]),
                "identity_modes": n_id,
                "batch": b,
                "forward_ms": fwd["median_ms"],
                "forward+backward_ms": bwd["median_ms"],
                "landmarks_only_ms": lmk["median_ms"],
            }
        )
    report("headmodel", rows[1:])


if __name__ == "__main__":
    main()
