"""Peak memory (max RSS) of the CLI on the inputs issue 15 found: huge-but-small PNGs, long clips.

Each case runs ``python -m emoshift ...`` in a fresh process under a small wrapper process that reads
the run's peak RSS from ``resource.getrusage(RUSAGE_CHILDREN)``. Target: every run, accepted or
refused, stays under 3 GB. ``--quick`` skips the near-budget clip (the slowest case: ~2000 frames).

    .venv/bin/python bench/bench_memory.py [--quick]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fitting"))
from common import report  # noqa: E402
from test_image_memory import write_blank_png  # noqa: E402

TARGET_GB = 3.0


WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run([sys.executable, '-m', 'emoshift', *sys.argv[1:]], capture_output=True, text=True)\n"
    "sys.stderr.write(r.stderr)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run(argv: list[str]) -> dict:
    """One CLI run in its own wrapper process, so RUSAGE_CHILDREN is that run's peak alone."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True)
    code, peak_kb = (int(v) for v in r.stdout.split()[-2:])
    err = r.stderr.strip().splitlines()
    return {"exit": code, "peak_gb": peak_kb * 1024 / 1e9, "seconds": time.perf_counter() - t,
            "stderr": err[-1][:90] if err else ""}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_blank_png(tmp / "14k.png", 14000, 14000)
        write_blank_png(tmp / "10k.png", 10000, 10000)
        cases = [
            ("fit 14000^2 RGBA PNG (7 MB file)", ["fit", str(tmp / "14k.png"), "--out", str(tmp / "a.json")]),
            ("animate --fps 60 --seconds 60", ["animate", "astronaut", "from sad to happy", "--fps", "60",
                                               "--seconds", "60", "--out", str(tmp / "b.mp4")]),
            ("fit 10000^2 RGBA PNG", ["fit", str(tmp / "10k.png"), "--out", str(tmp / "c.json")]),
        ]  # fmt: skip
        if not args.quick:  # the longest clips the frame budget (1.25 GiB) accepts, with every extra output
            from PIL import Image

            from emoshift.samples import sample_photo

            Image.fromarray(sample_photo("astronaut")).resize((1024, 1024)).save(tmp / "astro1024.png")
            extras = ["--glb", "--csv", "--sheet", "--quiet"]
            cases += [
                ("animate 512^2, 60 fps x 27 s = 1620 frames (1.19 GiB)", ["animate", "astronaut", "from sad to happy",
                 "--fps", "60", "--seconds", "27", "--out", str(tmp / "d.mp4"), *extras]),
                ("animate 1024^2, 30 fps x 14 s = 420 frames (1.23 GiB)", ["animate", str(tmp / "astro1024.png"),
                 "from sad to happy", "--fps", "30", "--seconds", "14", "--out", str(tmp / "e.mp4"), *extras]),
            ]  # fmt: skip
        for name, argv in cases:
            row = {"case": name, **run(argv)}
            print(row, flush=True)
            rows.append(row)
    report("memory", rows, {"target_gb": TARGET_GB, "ok": all(r["peak_gb"] < TARGET_GB for r in rows)})


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
