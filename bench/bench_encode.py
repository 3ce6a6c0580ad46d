"""Encoding speed: 60 frames of 512x512 written as MP4 (H.264 yuv420p), GIF and a PNG folder; for
reference also the rig exports of a 60-frame trajectory (.glb with texture, Live Link CSV, JSON).

Target (issue 6): MP4 encoding of 60 frames at 512x512 <= 0.5 s on 2 cores. The frames are the
astronaut photo with a moving, changing face region (like a reenactment: most pixels static).

    .venv/bin/python bench/bench_encode.py
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, timeit  # noqa: E402

from emoshift.export.video import X264_CRF, X264_PRESET, write_video  # noqa: E402

TARGET_MP4_S = 0.5


def clip(n: int = 60, size: int = 512) -> np.ndarray:
    from PIL import Image
    from skimage import data

    photo = np.asarray(Image.fromarray(data.astronaut()).resize((size, size), Image.BILINEAR))
    frames = np.repeat(photo[None], n, 0).copy()
    y, x = np.mgrid[0:160, 0:160]
    for t in range(n):  # a warped, brightening face region, as a reenactment would change it
        dx = (6 * np.sin(2 * np.pi * (y / 80 + t / n))).astype(int)
        patch = photo[100 + y, np.clip(180 + x + dx, 0, size - 1)].astype(np.int16)
        frames[t, 100:260, 180:340] = np.clip(patch + t, 0, 255).astype(np.uint8)
    return frames


def rig_rows(tmp: Path, n: int) -> list[dict]:
    from PIL import Image
    from skimage import data

    from emoshift.emotions import prototype
    from emoshift.export.curves import write_livelink_csv, write_weights_json
    from emoshift.export.gltf import write_glb
    from emoshift.headmodel import HeadModel
    from emoshift.trajectory import Anchor, build_trajectory

    model = HeadModel.load()
    anchors = [Anchor(np.zeros(53, np.float32), np.zeros(3), "source"),
               Anchor(prototype("happiness"), np.array([0.0, 0.2, 0.0]), "happiness")]  # fmt: skip
    traj = build_trajectory(anchors, fps=30, seconds=n / 30, seed=0)
    texture = np.asarray(Image.fromarray(data.astronaut()).resize((1024, 1024)))
    jobs = [
        ("glb", "a.glb", lambda p: write_glb(p, model, np.zeros(50), traj, texture=texture)),
        ("livelink_csv", "a.csv", lambda p: write_livelink_csv(p, traj, model.expression_names)),
        ("weights_json", "a.json", lambda p: write_weights_json(p, traj, model.expression_names)),
    ]
    rows = []
    for name, file, fn in jobs:
        out = tmp / file
        t = timeit(lambda: fn(out), repeat=3, warmup=1)
        rows.append({"format": name, "frames": len(traj.times), "size": "-", "median_s": t["median_ms"] / 1000,
                     "min_s": t["min_ms"] / 1000, "bytes": out.stat().st_size})  # fmt: skip
    return rows


def main() -> None:
    frames = clip()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, repeat in [("mp4", "a.mp4", 10), ("gif", "a.gif", 3), ("png_folder", "frames", 3)]:
            out = Path(tmp) / path
            t = timeit(lambda: write_video(frames, out, fps=30), repeat=repeat, warmup=1)
            size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else out.stat().st_size
            rows.append({
                "format": name, "frames": len(frames), "size": "512x512", "median_s": t["median_ms"] / 1000,
                "min_s": t["min_ms"] / 1000, "bytes": size,
            })  # fmt: skip
        rows += rig_rows(Path(tmp), len(frames))
    mp4 = rows[0]["median_s"]
    print(f"MP4 target <= {TARGET_MP4_S} s: {'PASS' if mp4 <= TARGET_MP4_S else 'FAIL'} ({mp4:.3f} s)")
    report("encode", rows, {"target_mp4_s": TARGET_MP4_S, "mp4_pass": mp4 <= TARGET_MP4_S,
                            "x264": {"preset": X264_PRESET, "crf": X264_CRF}})  # fmt: skip


if __name__ == "__main__":
    main()
