"""Which part of an expression gives a render away, and which carries its emotion? A blind-panel kit that rotates
several renderings of the same photos (issue 11: the panels' realism, 2.3-2.9 against the untouched photos' 3.3-4.2,
did not move with the mouth's interior, the smile's creases or the folds' depth; sessions 27-29).

Give it several :mod:`panel_make` kits of the same photos, e.g. the full apexes, the apexes with only the upper face's
channels (``panel_make.py --part upper``: brows, lids, cheekSquint, noseSneer; the mouth and jaw kept at the photo's
fitted values) and with only the lower face's (``--part lower``: jaw, mouth, cheekPuff). Each photo x emotion is shown from one kit: (photo index + emotion index +
``--parity``) mod the number of kits, so as many labellers as kits (parities 0, 1, ...) together see every render of
every kit, each the same share of each (a crossover: labeller differences cancel). The untouched photos are the first
kit's. The key marks each render's ``set`` (its kit's name), so :mod:`panel_score` reports naming and realism per kit.

    .venv/bin/python bench/panel_make.py --out /tmp/f --key /tmp/f.json  # and --part upper / --part lower:
    .venv/bin/python bench/panel_make.py --part upper --out /tmp/u --key /tmp/u.json
    .venv/bin/python bench/panel_make.py --part lower --out /tmp/l --key /tmp/l.json
    .venv/bin/python bench/panel_parts.py --kit full /tmp/f /tmp/f.json --kit upper /tmp/u /tmp/u.json \\
        --kit lower /tmp/l /tmp/l.json --parity 0 --out /tmp/p0 --key /tmp/p0.json
    .venv/bin/python bench/panel_score.py /tmp/p0/labels.json /tmp/p0.json --name parts
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


def shown_kit(photo: int, emotion: int, parity: int, kits: int) -> int:
    """Which kit (0 .. kits - 1) shows this photo x emotion to the labeller of this parity."""
    return (photo + emotion + parity) % kits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kit", nargs=3, action="append", metavar=("NAME", "FOLDER", "KEY"), required=True)
    ap.add_argument("--parity", type=int, default=0, help="0 .. number of kits - 1")
    ap.add_argument("--out", required=True, help="folder for the shuffled crops (new or empty)")
    ap.add_argument("--key", required=True, help="key JSON path, outside --out")
    ap.add_argument("--shuffle-seed", type=int, default=0)
    args = ap.parse_args()
    if len(args.kit) < 2 or not 0 <= args.parity < len(args.kit):
        raise SystemExit("give two kits or more and a --parity below their number")
    out, key_path = panel_folders(args.out, args.key)
    kits = []
    for name, folder, key in args.kit:
        items = json.loads(Path(key).read_text())["items"]
        kits.append((name, Path(folder), {(m["photo"], m["emotion"]): ident for ident, m in items.items()}))
    photos = sorted({p for p, _ in kits[0][2]})
    chosen = []
    for (photo, emotion), ident in sorted(kits[0][2].items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        if emotion is None:
            chosen.append(({"photo": photo, "kind": "untouched", "emotion": None}, kits[0][1] / f"{ident}.png"))
            continue
        name, folder, index = kits[shown_kit(photos.index(photo), EMOTION_ORDER.index(emotion), args.parity, len(kits))]
        if (photo, emotion) not in index:
            raise SystemExit(f"kit {name} has no {photo} {emotion}")
        chosen.append(({"photo": photo, "kind": "render", "emotion": emotion, "set": name},
                       folder / f"{index[(photo, emotion)]}.png"))  # fmt: skip
    random.Random(args.shuffle_seed).shuffle(chosen)
    out.mkdir(parents=True, exist_ok=True)
    key = {"parity": args.parity, "kits": [k[0] for k in kits], "items": {}}
    for n, (meta, src) in enumerate(chosen, 1):
        ident = f"{n:03d}"
        shutil.copyfile(src, out / f"{ident}.png")
        key["items"][ident] = meta
    (out / "labels_template.json").write_text(json.dumps({i: {"emotion": "", "realism": None} for i in key["items"]}, indent=1) + "\n")
    readme = kits[0][1] / "README.txt"
    if readme.exists():
        shutil.copyfile(readme, out / "README.txt")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=1) + "\n")
    print(f"wrote {len(chosen)} crops to {out} and the key to {key_path} (do not show the key to the labeller)")


if __name__ == "__main__":
    main()
