"""``emoshift data``: build training data (built-in presets or your own CK+ / CelebV-HQ copy) and data cards."""

from __future__ import annotations

import argparse
from pathlib import Path

from emoshift.io import UserError

PRESET_NAMES = ("ckplus-like", "celebvhq-like")


def _card_outputs(out: Path, force: bool, card: bool) -> None:
    from emoshift.data.card import card_paths
    from emoshift.io import check_output

    if card:
        md, png = card_paths(out)
        check_output(md, (".md",), force=force)
        check_output(png, (".png",), force=force)


def run_build(args: argparse.Namespace) -> int:
    from emoshift.io import check_output

    sources = [x for x in (args.ckplus, args.celebvhq) if x]
    if len(sources) > 1:
        raise UserError("give one source: --preset, --ckplus PATH or --celebvhq PATH")
    name = "ckplus" if args.ckplus else "celebvhq" if args.celebvhq else args.preset
    out = Path(args.out or f"{name}.npz")
    check_output(out, (".npz",), force=args.force)
    _card_outputs(out, args.force, not args.no_card)
    if args.frames_per_segment < 1:
        raise UserError(f"--frames-per-segment must be at least 1, got {args.frames_per_segment}")
    if args.samples is not None and args.samples < 1:
        raise UserError(f"--samples must be at least 1, got {args.samples}")
    from emoshift.cli import show_progress

    progress = show_progress(args.quiet)  # bars on a terminal only
    summary = None
    if args.ckplus:
        from emoshift.data.ckplus import load_ckplus

        ds, summary = load_ckplus(args.ckplus, seed=args.seed, n_samples=args.samples, progress=progress)
    elif args.celebvhq:
        from emoshift.data.celebvhq import load_celebvhq

        ds, summary = load_celebvhq(
            args.celebvhq, seed=args.seed, n_samples=args.samples, frames_per_segment=args.frames_per_segment,
            progress=progress,
        )
    else:
        from emoshift.data import build_preset

        if args.samples is not None:
            raise UserError("--samples applies to --ckplus/--celebvhq; use --scale to resize a preset")
        ds = build_preset(args.preset, seed=args.seed, scale=args.scale, progress=progress)
    ds.save(out)
    written = [out]
    if not args.no_card:
        from emoshift.data.card import write_card

        written += write_card(ds, out, summary.as_dict() if summary else None)
    if not args.quiet:
        counts = ds.counts()
        splits = ", ".join(f"{s} {c['samples']}" for s, c in counts.items())
        print(f"wrote {out}: {len(ds)} samples, {ds.n_subjects} subjects ({splits})")
        if summary:
            print(f"  {summary.line()}")
        for p in written[1:]:
            print(f"wrote {p}")
    return 0


def run_card(args: argparse.Namespace) -> int:
    from emoshift.data import ExpressionDataset
    from emoshift.data.card import write_card

    ds = ExpressionDataset.load(args.dataset)
    _card_outputs(Path(args.dataset), args.force, True)
    for p in write_card(ds, args.dataset, ds.meta.get("load_summary")):
        if not args.quiet:
            print(f"wrote {p}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "data",
        help="build training data (built-in presets or your CK+/CelebV-HQ copy) and data cards",
        description="Build instruction -> expression training data and its data card.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  emoshift data build --preset ckplus-like --out data/ckplus-like.npz\n"
        "  emoshift data build --ckplus ~/datasets/CK+ --out data/ckplus.npz\n"
        "  emoshift data card data/ckplus-like.npz --force",
    )
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    b = dsub.add_parser(
        "build",
        help="write a dataset .npz and its data card",
        description="Write a dataset (.npz) and, beside it, a data card (.card.md) and a class plot (.classes.png).",
    )
    b.add_argument("--preset", default="ckplus-like", choices=PRESET_NAMES, help="built-in dataset (default ckplus-like)")
    b.add_argument("--ckplus", metavar="PATH", help="build from your CK+ copy (cohn-kanade-images/ and Emotion/)")
    b.add_argument("--celebvhq", metavar="PATH", help="build from your CelebV-HQ copy (celebvhq_info.json + clips)")
    b.add_argument("--out", help="output .npz (default <preset>.npz)")
    b.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    b.add_argument("--scale", type=float, default=1.0, help="preset size factor, e.g. 0.1 for a quick set (default 1)")
    b.add_argument("--samples", type=int, help="instruction samples to draw from real data (default: paper density)")
    b.add_argument("--frames-per-segment", type=int, default=3, help="CelebV-HQ frames fitted per emotion segment")
    b.add_argument("--no-card", action="store_true", help="do not write the data card and plot")
    b.add_argument("--force", action="store_true", help="overwrite existing outputs")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=run_build)
    c = dsub.add_parser("card", help="(re)write the data card of a dataset .npz")
    c.add_argument("dataset", help="a dataset .npz written by 'emoshift data build'")
    c.add_argument("--force", action="store_true", help="overwrite an existing card")
    c.add_argument("--quiet", action="store_true")
    c.set_defaults(func=run_card)

    def no_action(args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    p.set_defaults(func=no_action)
