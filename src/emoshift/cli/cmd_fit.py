"""``emoshift fit``: photo (or video) -> 3D face coefficients as JSON/NPZ, optional mesh and overlay."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emoshift.io import UserError

FIT_SUFFIXES = (".json", ".npz")


def _numbered(path: Path, i: int, n: int) -> Path:
    return path if n == 1 else path.with_name(f"{path.stem}_{i}{path.suffix}")


def _write_fits(path: Path, fits: list, key: str | None) -> None:
    """One fit as a plain object (key None), else ``{key: [...]}`` JSON / stacked NPZ."""
    import json

    from emoshift.fitting.result import save_npz
    from emoshift.io import atomic_write, atomic_write_with

    if key is None:
        fits[0].save(path)
    elif path.suffix.lower() == ".json":
        atomic_write(path, (json.dumps({key: [f.to_json() for f in fits]}, indent=1) + "\n").encode())
    else:
        atomic_write_with(path, lambda tmp: save_npz(tmp, fits))


def run(args: argparse.Namespace) -> int:
    from emoshift.fitting.image import VIDEO_SUFFIXES
    from emoshift.io import check_output

    src = Path(args.input)
    is_video = src.suffix.lower() in VIDEO_SUFFIXES
    if not 1 <= args.identity_modes <= 100:
        raise UserError(f"--identity-modes must be in 1..100, got {args.identity_modes}")
    if args.focal_factor is not None and not 0.2 <= args.focal_factor <= 20:
        raise UserError(f"--focal-factor must be in 0.2..20, got {args.focal_factor}")
    if args.stride < 1:
        raise UserError(f"--stride must be >= 1, got {args.stride}")
    if args.max_frames is not None and args.max_frames < 1:
        raise UserError(f"--max-frames must be >= 1, got {args.max_frames}")
    if args.face is not None and args.face < 0:
        raise UserError(f"--face takes a face number >= 0 (0 = largest), got {args.face}")
    if is_video and (args.overlay or args.all or args.face is not None):
        raise UserError("--overlay, --face and --all apply to photos; a video fits the largest face per frame")
    out = check_output(args.out, FIT_SUFFIXES, force=args.force)
    mesh = check_output(args.mesh, (".obj", ".ply"), force=args.force) if args.mesh else None
    overlay = check_output(args.overlay, (".png", ".jpg", ".jpeg", ".webp"), force=args.force) if args.overlay else None
    from emoshift.samples import SAMPLE_PHOTOS

    if not src.exists() and str(src) not in SAMPLE_PHOTOS:
        raise UserError(f"input not found: {src}")
    if src.exists() and not is_video:
        from emoshift.fitting.image import check_image_path

        check_image_path(src)  # a directory, empty, unreadable or too large: said before the models load

    from emoshift.cli import show_progress
    from emoshift.fitting import Fitter, load_image

    fitter = Fitter(n_identity=args.identity_modes, focal_factor=args.focal_factor)
    if is_video:
        from emoshift.fitting.video import fit_video
        from emoshift.videoin.probe import DecodeStats

        stats = DecodeStats()
        fits = fit_video(fitter, src, args.stride, args.max_frames, show_progress(args.quiet), stats)
        image = None
    else:
        image = load_image(str(src), max_side=None)  # full size: coefficients refer to the photo's pixels
        from emoshift.fitting.image import MAX_SIDE

        fits = fitter.fit_all(image, name=str(src)) if args.all else [fitter.fit(image, args.face, name=str(src))]
        if max(image.shape[:2]) > MAX_SIDE and not args.quiet:  # after the fit: an error stays the only line
            print(
                f"note: {src} is {image.shape[1]}x{image.shape[0]}; faces are detected on a copy downscaled to "
                f"{MAX_SIDE} px on the long side (coefficients refer to the full-size image)",
                file=sys.stderr,
            )
        for f in fits:
            f.image_size = (image.shape[1], image.shape[0])
    from emoshift.outputs import OutputSet

    with OutputSet() as outs:  # coefficients, meshes and overlay: all of them or none
        outs.write(out, lambda tmp: _write_fits(tmp, fits, "frames" if is_video else "faces" if args.all else None))
        written = [out]
        if mesh is not None:
            written += _write_meshes(outs, mesh, fits[:1] if is_video else fits, fitter.model, args.force)
        if overlay is not None:
            from emoshift.fitting.overlay import draw_overlay
            from PIL import Image

            pic = draw_overlay(image, fits, fitter.model)
            outs.write(overlay, lambda tmp: Image.fromarray(pic).save(tmp, format=_pil_format(overlay)))
            written.append(overlay)
        outs.commit()
    if not args.quiet and is_video:
        print(video_fit_summary(fits, stats))
        if stats.damaged:
            print(f"emoshift: note: {stats.damaged} damaged packet{'s' * (stats.damaged != 1)} of {src.name} "
                  "skipped (their frames are missing from the fits)", file=sys.stderr)  # fmt: skip
    if not args.quiet:
        for f in [] if is_video else fits:
            print(
                f"face {f.face_index}: landmark RMSE {f.landmark_rmse_px:.2f} px "
                f"({100 * f.landmark_rmse_iod:.1f}% of inter-ocular), "
                f"detect {f.time_detect_ms:.0f} ms + fit {f.time_fit_ms:.0f} ms"
            )
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


def video_fit_summary(fits: list, stats) -> str:
    """One line over a video's fits: fitted of sampled frames (how many had no face), the landmark RMSE's
    median and worst (with its frame)."""
    import numpy as np

    n, m = len(fits), stats.sampled
    rmse = np.array([f.landmark_rmse_px for f in fits])
    iod = np.array([f.landmark_rmse_iod for f in fits])
    worst = int(rmse.argmax())
    return (f"fitted {n} of {m} sampled frames ({m - n} without a face); landmark RMSE median {np.median(rmse):.2f} px "
            f"({100 * np.median(iod):.1f}% of inter-ocular), worst {rmse[worst]:.2f} px "
            f"(frame {fits[worst].frame})")  # fmt: skip


def _pil_format(path: Path) -> str:
    return {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}[path.suffix.lower()]


def _write_meshes(outs, mesh: Path, fits: list, model, force: bool) -> list[Path]:
    from emoshift.fitting.overlay import fit_vertices
    from emoshift.headmodel.mesh import write_obj, write_ply
    from emoshift.io import check_output

    paths = []
    for i, f in enumerate(fits):
        p = _numbered(mesh, i, len(fits))
        if p != mesh:
            check_output(p, (".obj", ".ply"), force=force)
        v = fit_vertices(model, f)
        if p.suffix.lower() == ".obj":
            outs.write(p, lambda tmp, v=v: write_obj(tmp, v, model.polygons, model.uvs, model.polygon_uvs))
        else:
            outs.write(p, lambda tmp, v=v: write_ply(tmp, v, model.triangles))
        paths.append(p)
    return paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the 3D head model to a face photo (or video): identity, expression, pose, camera",
        description=(
            "Detect the face (MediaPipe, 478 landmarks) and fit the ICT head: 50 identity weights, 53 expression "
            "weights in [0,1], rotation and translation for a pinhole camera with focal = focal-factor x max(width, height) "
            "(estimated per photo unless given). "
            "Faces are numbered by size, 0 = largest."
        ),
        epilog="example: emoshift fit photo.jpg --out coeffs.json --mesh head.obj --overlay overlay.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="photo (JPEG, PNG, WebP, ...), video (.mp4, .mov, .avi, .mkv, .webm) or a sample name: astronaut, grace_hopper")
    p.add_argument("--out", default="coeffs.json", help="coefficients, .json or .npz (default coeffs.json)")
    p.add_argument("--mesh", help="also write the fitted head as .obj (with UVs) or .ply, in camera space; "
                   "a video: the first fitted frame's head only (its frame number is in the coefficients)")  # fmt: skip
    p.add_argument("--overlay", help="also write the photo with the fitted mesh drawn over it (.png/.jpg/.webp)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--face", type=int, help="fit the N-th largest face (0 = largest, the default)")
    g.add_argument("--all", action="store_true", help="fit every face (JSON holds {'faces': [...]})")
    p.add_argument(
        "--identity-modes", type=int, default=50, help="ICT identity modes to fit, 1..100 (default 50)"
    )
    p.add_argument(
        "--focal-factor",
        type=float,
        default=None,
        help="camera focal length in units of the image's long side (default: the best-fitting one in 0.7..6; "
        "1.0 is ~53 deg across the long side)",
    )
    p.add_argument("--stride", type=int, default=1, help="video: fit every N-th frame (default 1)")
    p.add_argument("--max-frames", type=int, help="video: read at most this many (sampled) frames")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)
