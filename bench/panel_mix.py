"""A mixed blind panel: the renders of two panels (bench/panel_make.py, e.g. the trained generator and the
FACS prototypes on the same photos) shuffled together with one set of untouched photos, so that the same
labeller judges both sets and labeller-to-labeller differences cancel.

    .venv/bin/python bench/panel_mix.py --panel trained /tmp/p6 /tmp/p6_key.json \\
        --panel prototype /tmp/pp /tmp/pp_key.json --out /tmp/mix --key /tmp/mix_key.json
    .venv/bin/python bench/panel_score.py /tmp/mix/labels.json /tmp/mix_key.json --name panelmix

With ``--cross PARITY`` (two panels) each photo x emotion is shown once, from one panel or the other,
alternating over photos and emotions; a labeller with parity 0 and one with parity 1 together see every
render of both panels, each labeller half of each (a crossover: 84 renders + 12 photos per labeller).

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


def crossed(meta: dict, photos: list[str], parity: int) -> int:
    """Which of two panels (0 or 1) shows this render in a crossover of the given parity (photos: sorted names)."""
    return (photos.index(meta["photo"]) + EMOTION_ORDER.index(meta["emotion"]) + parity) % 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", nargs=3, action="append", metavar=("NAME", "FOLDER", "KEY"), required=True)
    ap.add_argument("--out", required=True, help="folder for the shuffled crops (new or empty)")
    ap.add_argument("--key", required=True, help="key JSON path, outside --out")
    ap.add_argument("--shuffle-seed", type=int, default=0)
    ap.add_argument("--cross", type=int, choices=(0, 1), default=None,
                    help="crossover of two panels: each photo x emotion from one of them (parity 0 or 1)")
    args = ap.parse_args()
    if args.cross is not None and len(args.panel) != 2:
        raise SystemExit("--cross takes exactly two --panel")
    out, key_path = panel_folders(args.out, args.key)
    items = []
    photos = sorted({m["photo"] for m in json.loads(Path(args.panel[0][2]).read_text())["items"].values()})
    for k, (name, folder, key) in enumerate(args.panel):
        for ident, meta in json.loads(Path(key).read_text())["items"].items():
            if meta["kind"] == "untouched" and k > 0:
                continue
            if args.cross is not None and meta["kind"] != "untouched" and crossed(meta, photos, args.cross) != k:
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
