"""A mixed blind panel: the renders of two panels (bench/panel_make.py, e.g. the trained generator and the
FACS prototypes on the same photos) shuffled together with one set of untouched photos, so that the same
labeller judges both sets and labeller-to-labeller differences cancel.

    .venv/bin/python bench/panel_mix.py --panel trained /tmp/p6 /tmp/p6_key.json \\
        --panel prototype /tmp/pp /tmp/pp_key.json --out /tmp/mix --key /tmp/mix_key.json
    .venv/bin/python bench/panel_score.py /tmp/mix/labels.json /tmp/mix_key.json --name panelmix

With ``--cross PARITY`` each photo x emotion is shown once, from one of the panels in turn over photos and
emotions ((photo index + emotion index + PARITY) mod the number of panels); as many labellers as panels, parities
0, 1, ..., together see every render of every panel, each labeller the same share of each (a crossover: 84 renders
+ 12 photos per labeller). Two panels: two versions of the renders. Three: e.g. the full apexes and the apexes that
change only the upper or only the lower half of the face (``panel_make.py --part upper`` / ``--part lower``), to
tell which half gives a render away and which carries its emotion (panel 83).

With ``--one-each PARITY`` every photo of the first panel appears once, as its render of emotion number (photo index +
PARITY) mod 7 (in :data:`panel_make.PANEL_EMOTIONS`), without the untouched photos; the other panels' items
all come in (e.g. :mod:`panel_real`'s real expressions as the control). Seven labellers, parities 0-6, see every
render once, none beside another version of the same face: realism judged without the comparison (panel 88).

The untouched photos are taken from the first panel. The key marks each render's ``set`` (the panel's
name); keep it outside ``--out``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8 as EMOTION_ORDER  # noqa: E402
from common import panel_folders  # noqa: E402
from panel_make import PANEL_EMOTIONS  # noqa: E402


def crossed(meta: dict, photos: list[str], parity: int, panels: int = 2) -> int:
    """Which of ``panels`` panels (0 .. panels - 1) shows this render in a crossover of the given parity (photos:
    sorted names)."""
    return (photos.index(meta["photo"]) + EMOTION_ORDER.index(meta["emotion"]) + parity) % panels


def one_each(meta: dict, photos: list[str], parity: int) -> bool:
    """Whether a render of the first panel is its photo's one render in a ``--one-each`` kit of the given parity."""
    return meta["emotion"] == PANEL_EMOTIONS[(photos.index(meta["photo"]) + parity) % len(PANEL_EMOTIONS)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", nargs=3, action="append", metavar=("NAME", "FOLDER", "KEY"), required=True)
    ap.add_argument("--out", required=True, help="folder for the shuffled crops (new or empty)")
    ap.add_argument("--key", required=True, help="key JSON path, outside --out")
    ap.add_argument("--shuffle-seed", type=int, default=0)
    ap.add_argument("--cross", type=int, default=None,
                    help="crossover: each photo x emotion from one of the panels (parity 0 .. number of panels - 1)")
    ap.add_argument("--one-each", type=int, default=None,
                    help="each photo of the first panel once, as its render of emotion (photo index + PARITY) mod 7")
    args = ap.parse_args()
    if args.cross is not None and args.one_each is not None:
        raise SystemExit("--cross and --one-each exclude each other")
    if args.cross is not None and not (len(args.panel) >= 2 and 0 <= args.cross < len(args.panel)):
        raise SystemExit("--cross takes two --panel or more and a parity below their number")
    out, key_path = panel_folders(args.out, args.key)
    items = []
    photos = sorted({m["photo"] for m in json.loads(Path(args.panel[0][2]).read_text())["items"].values()})
    for k, (name, folder, key) in enumerate(args.panel):
        for ident, meta in json.loads(Path(key).read_text())["items"].items():
            if meta["kind"] == "untouched" and (k > 0 or args.one_each is not None):
                continue
            if args.one_each is not None and k == 0 and not one_each(meta, photos, args.one_each):
                continue
            crossing = args.cross is not None and meta["kind"] != "untouched"
            if crossing and crossed(meta, photos, args.cross, len(args.panel)) != k:
                continue
            items.append((Path(folder) / f"{ident}.png", {**meta, "set": name}))
    random.Random(args.shuffle_seed).shuffle(items)
    out.mkdir(parents=True, exist_ok=True)
    key = {"panels": [p[0] for p in args.panel], "shuffle_seed": args.shuffle_seed, "cross": args.cross, "items": {}}
    for n, (src, meta) in enumerate(items, 1):
        ident = f"{n:03d}"
        shutil.copy(src, out / f"{ident}.png")
        key["items"][ident] = meta
    first = Path(args.panel[0][1])
    (out / "README.txt").write_text((first / "README.txt").read_text().replace(
        f"{len(json.loads(Path(args.panel[0][2]).read_text())['items'])} face images", f"{len(items)} face images"))
    (out / "labels_template.json").write_text(json.dumps({f"{n:03d}": {"emotion": "", "realism": None}
                                                           for n in range(1, len(items) + 1)}, indent=1))
    key_path.write_text(json.dumps(key, indent=1))
    print(f"wrote {len(items)} crops to {out} and the key to {key_path} (do not show the key to the labeller)")


if __name__ == "__main__":
    main()
