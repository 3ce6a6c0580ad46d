"""``emoshift generate``: the anchor expressions and head poses an instruction asks for (no image needed)."""

from __future__ import annotations

import argparse
import json
import sys

from emoshift.io import UserError


def run(args: argparse.Namespace) -> int:
    from emoshift.checks import check_count, check_seed
    from emoshift.options import RANGES

    check_count(args.samples, *RANGES["samples"], "--samples")  # the same bound as animate --samples
    check_seed(args.seed)
    if args.top < 1:
        raise UserError(f"--top must be at least 1, got {args.top}")
    if args.compact and not args.json:
        raise UserError("--compact applies to --json output; pass both")
    from emoshift.models.generator import Generator, check_checkpoint

    if args.model:
        check_checkpoint(args.model)
    from emoshift.text.parser import parse_instruction

    parsed = parse_instruction(args.instruction)  # fail fast on bad text, before loading anything heavy
    gen = Generator.load(args.model) if args.model else Generator.load_default()
    plans = gen.generate(parsed.corrected_text, seed=args.seed, n_samples=args.samples)
    if parsed.note:  # after the work: an error stays the only line
        print(f"emoshift: note: {parsed.note}", file=sys.stderr)
    out = {"text": args.instruction, "seed": args.seed, "emotions": plans[0].parsed.emotions,
           "intensities": plans[0].parsed.intensities, "samples": [p.to_json()["anchors"] for p in plans]}
    if args.neutral:
        e, r = gen.neutral(args.seed)
        from emoshift.models.generator import GeneratedPlan
        from emoshift.text.parser import ParsedInstruction

        out["neutral"] = GeneratedPlan(ParsedInstruction(["neutral"], [1.0]), e[None], r[None]).to_json()["anchors"][0]
    for k, plan in enumerate(plans):
        for emo, ok in zip(plan.parsed.emotions, plan.consistent or []):
            if not ok:
                print(f"emoshift: note: sample {k}: the {emo} anchor does not read clearly as {emo} after "
                      f"resampling; try another --seed", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=None if args.compact else 1))
        return 0
    print(f"{args.instruction!r}: {' -> '.join(out['emotions'])} (seed {args.seed})")
    for k, anchors in enumerate(out["samples"]):
        if len(out["samples"]) > 1:
            print(f"sample {k}:")
        for a in anchors + ([out["neutral"]] if "neutral" in out else []):
            top = sorted(a["expression"].items(), key=lambda kv: -kv[1])[: args.top]
            pyr = ", ".join(f"{x:+.1f}" for x in a["pitch_yaw_roll_deg"])
            print(f"  {a['emotion']:<10} pose (pitch, yaw, roll) = ({pyr}) deg")
            print("             " + ", ".join(f"{n}={w:.2f}" for n, w in top))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="print the expressions and head poses an instruction generates",
        description="Run the instruction-to-expression model (I2FET) on one instruction and print the generated "
        "anchors: one expression (53 ARKit-named blendshape weights) and head rotation per emotion named.",
        epilog='example: emoshift generate "Turn this face from fear to happiness" --seed 3 --json',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("instruction", help="e.g. 'Change this face from slightly sad to very happy'")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--samples", type=int, default=1, help="number of samples, 1..8, seeds seed..seed+n-1 (default 1)")
    p.add_argument("--neutral", action="store_true", help="also print a neutral face from NED")
    p.add_argument("--model", help="a model.pt written by 'emoshift train' (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--compact", action="store_true", help="with --json: one line")
    p.add_argument("--top", type=int, default=6, help="blendshapes listed per anchor without --json, >= 1 (default 6)")
    p.set_defaults(func=run)
