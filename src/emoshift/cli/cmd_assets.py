"""``emoshift assets``: where each asset was found, verified; ``assets build-head-model`` converts."""

from __future__ import annotations

import argparse
import json

EXPECTED_ICT = {
    "neutral_vertices": (26719, 3),
    "faces": (26384, 4),
    "expression_names": (53,),
    "expression_deltas": (53, 26719, 3),
    "identity_deltas": (100, 26719, 3),
}


def verify(key: str, path) -> tuple[bool, str]:
    """(ok, detail): shapes (the decisive check) and checksum against the prepared reference copy."""
    import numpy as np

    from emoshift.assets import ASSETS, sha256_of

    spec = ASSETS[key]
    try:
        if key == "ict-facekit":
            with np.load(path) as d:
                for name, shape in EXPECTED_ICT.items():
                    if name not in d.files:
                        return False, f"missing array '{name}'"
                    if d[name].shape != shape:
                        return False, f"array '{name}' has shape {d[name].shape}, expected {shape}"
        else:
            from emoshift.headmodel.mesh import read_obj

            v, _ = read_obj(path)
            if v.shape != (468, 3):
                return False, f"{len(v)} vertices, expected 468"
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported, not raised
        return False, f"unreadable ({type(err).__name__}: {err})"
    same = sha256_of(path) == spec.sha256
    return True, "shapes ok, checksum matches the reference copy" if same else "shapes ok, checksum differs from the reference copy (a conversion of your own?)"


def run_list(args: argparse.Namespace) -> int:
    import sys

    from emoshift.assets import ASSETS, AssetMissingError, find_asset

    rows, ok_all = [], True
    for key in ASSETS:
        try:
            path = find_asset(key)
        except AssetMissingError as err:
            rows.append({"asset": key, "found": False, "path": None, "ok": False, "detail": str(err)})
            ok_all = False
            continue
        ok, detail = verify(key, path)
        ok_all &= ok
        rows.append({"asset": key, "found": True, "path": str(path), "ok": ok, "detail": detail})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            status = "ok" if r["ok"] else ("MISSING" if not r["found"] else "INVALID")
            print(f"{r['asset']:<20} {status:<8} {r['path'] or ''}")
            if not r["ok"] or args.verbose:
                print(f"  {r['detail']}", file=sys.stderr if not r["ok"] else sys.stdout)
    return 0 if ok_all else 1


def run_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from emoshift.assets import user_assets_dir
    from emoshift.headmodel.convert import build_head_model

    out = Path(args.out) if args.out else user_assets_dir() / "ict-facekit" / "ict_facekit_light.npz"
    path = build_head_model(args.folder, out)
    print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assets", help="show, verify and convert the third-party assets")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("-v", "--verbose", action="store_true", help="print each check's detail")
    p.set_defaults(func=run_list)
    s = p.add_subparsers(dest="assets_command", metavar="ACTION")
    b = s.add_parser("build-head-model", help="convert an ICT FaceKit FaceXModel folder to the npz emoshift reads")
    b.add_argument("folder", help="path to the release's FaceXModel folder")
    b.add_argument("--out", help="output .npz (default: the user data folder, where emoshift looks last)")
    b.set_defaults(func=run_build)
