"""``emoshift head``: pose and shape the head model and write it as OBJ (with UVs) or PLY."""

from __future__ import annotations

import argparse
import math

from emoshift.io import UserError

#: Identity weights are ~N(0, 1) (the ICT PCA prior); beyond this many standard deviations the head is no
#: longer a face (refused, not clipped).
IDENTITY_LIMIT = 5.0


def parse_weights(text: str | None, what: str) -> dict[str, float]:
    """``"a=1,b=0.4"`` -> {"a": 1.0, "b": 0.4}; raises UserError on malformed input or a value that is not
    a finite number."""
    out: dict[str, float] = {}
    for item in filter(None, (t.strip() for t in (text or "").split(","))):
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise UserError(f"bad {what} '{item}': write NAME=VALUE, e.g. mouthSmile_L=1") from None
        if not math.isfinite(out[name.strip()]):
            raise UserError(f"bad {what} '{item}': the value must be a finite number")
    return out


def expression_weights(model, weights: dict[str, float]) -> dict[str, float]:
    """Weights named by the head model (ICT: ``mouthSmile_L``) or by ARKit (``mouthSmileLeft``; its
    ``browInnerUp`` and ``cheekPuff`` set both ICT halves, ``tongueOut`` has no shape) -> ICT names."""
    from emoshift.export.arkit import ict_names_by_arkit

    known = set(model.expression_names)
    arkit = ict_names_by_arkit(list(model.expression_names))
    out: dict[str, float] = {}
    for name, w in weights.items():
        if name not in known and name not in arkit:
            raise UserError(f"unknown blendshape '{name}'; use the head model's names ({', '.join(sorted(known))}) "
                            "or ARKit's (mouthSmileLeft, browInnerUp, ...)")  # fmt: skip
        if not 0 <= w <= 1:
            raise UserError(f"expression weights must lie in [0, 1], got {name}={w:g}")
        for ict in [name] if name in known else arkit[name]:
            out[ict] = w
    return out


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from emoshift.headmodel import HeadModel
    from emoshift.headmodel.mesh import write_obj, write_ply
    from emoshift.rotations import euler_to_matrix, matrix_to_axis_angle
    from emoshift.io import check_output

    out = check_output(args.out, (".obj", ".ply"), force=args.force)
    model = HeadModel.load(n_identity=100, region=args.region)
    weights = expression_weights(model, parse_weights(args.expression, "expression weight"))
    expr = model.expression_vector(weights)[None]
    ident = np.zeros((1, 100), np.float32)
    if args.random_identity is not None:
        import torch  # the same draws as before the head model ran in numpy

        ident = torch.randn(1, 100, generator=torch.Generator().manual_seed(args.random_identity)).numpy()
    for k, v in parse_weights(args.identity, "identity weight").items():
        if not k.isdigit() or int(k) >= 100:
            raise UserError(f"identity modes are numbered 0..99, got '{k}'")
        if abs(v) > IDENTITY_LIMIT:
            raise UserError(f"identity weights must lie in [-{IDENTITY_LIMIT:g}, {IDENTITY_LIMIT:g}] (each ~N(0,1)), "
                            f"got {k}={v:g}")  # fmt: skip
        ident[0, int(k)] = v
    try:
        pyr = [float(x) for x in args.rotation.split(",")]
        assert len(pyr) == 3 and all(map(math.isfinite, pyr))
    except (ValueError, AssertionError):
        raise UserError("--rotation takes three numbers: pitch,yaw,roll in degrees") from None
    rot = matrix_to_axis_angle(euler_to_matrix(np.array([pyr], np.float32)))
    verts = model(ident, expr, rot).vertices[0]
    if out.suffix.lower() == ".obj":
        write_obj(out, verts, model.polygons, model.uvs, model.polygon_uvs)
    else:
        write_ply(out, verts, model.triangles)
    if not args.quiet:
        print(f"wrote {out} ({len(verts)} vertices, {len(model.triangles)} triangles)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "head",
        help="write the head model in a given expression and pose as OBJ or PLY",
        description="Write the ICT head model with named blendshape weights, identity and rotation.",
        epilog="example: emoshift head --expression mouthSmile_L=1,mouthSmile_R=1,jawOpen=0.4 --out head.obj",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--expression", default="", help="blendshape weights, NAME=VALUE,... (the head model's "
                   "names, mouthSmile_L, or ARKit's, mouthSmileLeft; values 0..1)")  # fmt: skip
    p.add_argument("--identity", default="",
                   help=f"identity mode weights, INDEX=VALUE,... (~N(0,1); |VALUE| <= {IDENTITY_LIMIT:g})")  # fmt: skip
    p.add_argument("--random-identity", type=int, metavar="SEED", help="draw all 100 identity weights from N(0,1)")
    p.add_argument("--rotation", default="0,0,0", help="pitch,yaw,roll in degrees (default 0,0,0)")
    p.add_argument(
        "--region", default="head", choices=["face", "narrow_face", "head", "full"], help="which part (default head)"
    )
    p.add_argument("--out", default="head.obj", help="output .obj (with UVs) or .ply (default head.obj)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)
