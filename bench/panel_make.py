"""Blind-panel kit: shuffled, numbered face crops of apex renders and untouched photos, and a separate key.

Each photo (default: ``../shared/photos`` beside the checkout) is animated through the public API for the
7 emotions (``Pipeline.load().animate(photo, "Make this face look {adjective}.", seed)``, apex = the
emotion's anchor frame, rendered alone; see :mod:`apex_renders`); the apex faces and the untouched photo are cropped
(square, 1.6 x the landmarks' box, 256 px), shuffled with ``--shuffle-seed`` and written as
``OUT/001.png``, ``002.png``, ... with ``OUT/labels_template.json`` and ``OUT/README.txt`` (instructions).
The key (which crop is which) goes to ``--key``, outside ``OUT``: never show it to the labeller.

The labeller fills the template (one of the 8 emotions and realism 1-5 per crop); score with
``bench/panel_score.py labels.json key.json``.

    nice -n 10 .venv/bin/python bench/panel_make.py --out /tmp/panel --key /tmp/panel_key.json [--photos DIR]

``--part upper`` / ``--part lower`` (a diagnostic, for :mod:`panel_mix`'s crossover of three kits): every anchor changes one half of the face
only, the other half's channels (:data:`PARTS`) held at the photo's fitted values, so a panel can tell which half
gives a render away and which carries its emotion.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, ApexRenderer, instruction, list_photos, load_pipeline  # noqa: E402
from common import crop, face_box, panel_folders  # noqa: E402

PANEL_EMOTIONS = tuple(e for e in EMOTIONS8 if e != "neutral")
#: The expression channels of each half of the face (name prefixes): ``--part upper`` holds the lower half's at the
#: photo's fitted values, ``--part lower`` the upper half's (gaze channels are the photo's in both: planning). Not a clean
#: cut: noseSneer lifts the upper lip with the nose and cheekSquint moves the mouth's corners (panel 83's retoucher saw
#: the mouth changed in 73 of 168 upper-face crops, disgust's lips parted over teeth).
PARTS = {"upper": ("brow", "eyeBlink", "eyeSquint", "eyeWide", "cheekSquint", "noseSneer"),
         "lower": ("jaw", "mouth", "cheekPuff")}  # fmt: skip
CROP_PX = 256
README = """Blind panel: {n} face images, numbered.
For each image, write in labels.json (a copy of labels_template.json):
  "emotion": the one emotion the face shows, one of: {choices}
  "realism": how real the photo looks, 1 (clearly fake) to 5 (a real photo)
Judge each image at first glance, on its own. Do not look for a key or any other file.
"""


def hold_half(prefixes: tuple[str, ...]) -> None:
    """From now on in this process, every planned anchor keeps the fitted photo's values of the expression channels
    whose names start with ``prefixes`` (the plan's last expression step, ``planning.with_brow_raise``, wrapped; the
    photo's expression read where the plan reads it, ``planning.conjugate_gaze``)."""
    import emoshift.planning as planning
    from emoshift.emotions import EXPRESSION_NAMES

    held = [i for i, name in enumerate(EXPRESSION_NAMES) if name.startswith(prefixes)]
    source: dict[str, np.ndarray] = {}
    gaze, brows = planning.conjugate_gaze, planning.with_brow_raise

    def conjugate_gaze(src):
        source["e"] = np.asarray(src, np.float32).reshape(-1).copy()
        return gaze(src)

    def with_brow_raise(targets, labels):
        out = np.array(brows(targets, labels), np.float32)
        rows = [r for r, label in enumerate(labels) if label != "neutral"]
        out[np.ix_(rows, held)] = source["e"][held].clip(0.0, 1.0)
        return out

    planning.conjugate_gaze, planning.with_brow_raise = conjugate_gaze, with_brow_raise


def write_kit(out: Path, key_path: Path, key: dict, items: list[tuple[dict, np.ndarray]]) -> None:
    """A labeller's kit: ``items`` ((meta, RGB crop) in the order shown) as ``out/001.png``, ``002.png``, ... with
    ``labels_template.json`` and ``README.txt``; ``key`` (its ``items`` filled here, number -> meta) to ``key_path``."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    for n, (meta, img) in enumerate(items, 1):
        ident = f"{n:03d}"
        Image.fromarray(img).save(out / f"{ident}.png")
        key["items"][ident] = meta
    template = {ident: {"emotion": "", "realism": None} for ident in key["items"]}
    (out / "labels_template.json").write_text(json.dumps(template, indent=1) + "\n")
    (out / "README.txt").write_text(README.format(n=len(items), choices=", ".join(sorted(EMOTIONS8))))
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None, help="folder of photos (default ../shared/photos beside the checkout)")
    ap.add_argument("--out", required=True, help="folder for the numbered crops shown to the labeller (new or empty)")
    ap.add_argument("--key", required=True, help="key JSON path, outside --out")
    ap.add_argument("--seed", type=int, default=0, help="animation seed")
    ap.add_argument("--shuffle-seed", type=int, default=0)
    ap.add_argument("--samples", action="store_true", help="also the two sample photos")
    ap.add_argument("--quick", action="store_true", help="every third photo")
    ap.add_argument("--generator", default="auto")
    ap.add_argument("--part", choices=("full", "upper", "lower"), default="full",
                    help="change only this half of the face (a diagnostic; default: the whole face)")
    args = ap.parse_args()
    out, key_path = panel_folders(args.out, args.key)
    warnings.simplefilter("ignore")

    if args.part != "full":
        hold_half(PARTS["lower" if args.part == "upper" else "upper"])
    apexes = ApexRenderer(load_pipeline(args.generator))
    items, t0 = [], time.perf_counter()
    for name, src in list_photos(args.photos, args.quick, samples=args.samples):
        photo = apexes.load(src)
        box = face_box(apexes.fit.landmarks_detected, photo.shape)
        items.append(({"photo": name, "kind": "untouched", "emotion": None}, crop(photo, box, CROP_PX)))
        for emo in PANEL_EMOTIONS:
            a = apexes.apex(emo, args.seed)
            items.append(({"photo": name, "kind": "render", "emotion": emo, "anchor_frame": a.index,
                           "generator": a.generator}, crop(a.frame, box, CROP_PX)))  # fmt: skip
        print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)

    order = np.random.default_rng(args.shuffle_seed).permutation(len(items))
    key = {"seed": args.seed, "shuffle_seed": args.shuffle_seed, "part": args.part, "items": {},
           "instructions": {e: instruction(e) for e in PANEL_EMOTIONS}}  # fmt: skip
    write_kit(out, key_path, key, [items[i] for i in order])
    print(f"wrote {len(items)} crops to {out} and the key to {key_path} (do not show the key to the labeller)")


if __name__ == "__main__":
    main()
