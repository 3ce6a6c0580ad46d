"""Encoding speed: 60 frames of 512x512 written as MP4 (H.264 yuv420p), GIF and a PNG folder.

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
    mp4 = rows[0]["median_s"]
    print(f"MP4 target <= {TARGET_MP4_S} s: {'PASS' if mp4 <= TARGET_MP4_S else 'FAIL'} ({mp4:.3f} s)")
    report("encode", rows, {"target_mp4_s": TARGET_MP4_S, "mp4_pass": mp4 <= TARGET_MP4_S,
                            "x264": {"preset": X264_PRESET, "crf": X264_CRF}})  # fmt: skip


if __name__ == "__main__":
    main()
