"""``emoshift eval``: the paper's evaluation (Tables II-VIII, X) or a quick score of an instruction file."""

from __future__ import annotations

import argparse

from emoshift.io import UserError

EPILOG = """examples:
  emoshift eval --preset ckplus-like --report eval-ck --quick      # < 2 min smoke run
  emoshift eval --preset ckplus-like --report eval-ck --repeats 3  # the full tables (hours on 2 cores)
  emoshift eval --instructions tests.jsonl --json                  # shipped model + shipped judge
  emoshift eval --train-judge judge.pt                             # retrain the shipped judge
"""


def _positive(kind):
    def conv(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return v

    return conv


def run(args: argparse.Namespace) -> int:
    modes = sum(x is not None for x in (args.report, args.instructions, args.train_judge))
    if modes != 1:
        raise UserError("choose one of --report DIR (with --preset), --instructions FILE.jsonl, --train-judge OUT.pt")
    if args.instructions is not None:
        return _instructions(args)
    if args.train_judge is not None:
        return _train_judge(args)
    return _report(args)


def _report(args: argparse.Namespace) -> int:
    import json
    import sys

    import torch

    from emoshift.cli import show_progress
    from emoshift.eval.suite import QUICK, SuiteConfig, run_suite

    torch.set_num_threads(max(1, torch.get_num_threads()))
    kw = dict(QUICK) if args.quick else {}
    for k in ("scale", "epochs", "repeats", "judge_epochs", "judge_max_images"):
        v = getattr(args, k)
        if v is not None:
            kw[k] = v
    if args.experiments:
        kw["experiments"] = tuple(x.strip() for x in args.experiments.split(",") if x.strip())
    cfg = SuiteConfig(preset=args.preset, seed=args.seed, **kw)
    say = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    res = run_suite(cfg, args.report, progress=show_progress(args.quiet), log=say)
    if args.json:
        short = {n: [{k: s[k] for k in ("n", "acc1", "acc2", "gmean")} for s in v] for n, v in res["runs"].items()}
        gt = {k: res["ground_truth"][k] for k in ("n", "acc1", "acc2", "gmean")}
        print(json.dumps({"ground_truth": gt, "runs": short, "report": str(args.report)}))
    elif not args.quiet:
        print(f"wrote {args.report}/report.md ({res['seconds'] / 60:.1f} min)")
    return 0


def _instructions(args: argparse.Namespace) -> int:
    import json

    from emoshift.eval.evaluate import evaluate_instructions, read_instructions
    from emoshift.eval.judge import ShapeJudge
    from emoshift.eval.shapes import ShapeRenderer
    from emoshift.models.generator import Generator, check_checkpoint

    if args.model:
        check_checkpoint(args.model)
    texts, labels = read_instructions(args.instructions)
    gen = Generator.load(args.model) if args.model else Generator.load_default()
    judge = ShapeJudge.load(args.judge) if args.judge else ShapeJudge.load_default()
    s = evaluate_instructions(texts, labels, gen, judge, ShapeRenderer(), seed=args.seed)
    d = s.as_dict()
    if args.json:
        print(json.dumps(d))
    else:
        print(f"n={d['n']}  Acc1 {100 * d['acc1']:.2f}%  Acc2 {100 * d['acc2']:.2f}%  G-mean {100 * d['gmean']:.2f}%")
    return 0


def _train_judge(args: argparse.Namespace) -> int:
    from emoshift.cli import show_progress
    from emoshift.data import build_preset
    from emoshift.eval.evaluate import fit_judge
    from emoshift.eval.shapes import ShapeRenderer
    from emoshift.io import check_output

    out = check_output(args.train_judge, (".pt",), force=args.force)
    presets = [args.preset] if args.preset_given else ["ckplus-like", "celebvhq-like"]
    scale = args.scale or 1.0
    datasets = [build_preset(p, seed=args.seed, scale=scale) for p in presets]
    n_img = args.judge_max_images or 20000
    judge = fit_judge(datasets, ShapeRenderer(), epochs=args.judge_epochs or 8, max_images=n_img,
                      seed=args.seed, progress=show_progress(args.quiet))  # fmt: skip
    judge.meta["command"] = (
        f"emoshift eval --train-judge {out.name} --seed {args.seed} --judge-epochs {args.judge_epochs or 8} "
        f"--judge-max-images {n_img}" + (f" --preset {args.preset}" if args.preset_given else "")
        + (f" --scale {scale}" if scale != 1.0 else "")
    )
    judge.save(out)
    if not args.quiet:
        print(f"wrote {out} (classes {', '.join(judge.names)}, {judge.meta['n_train']} training images)")
    return 0


class _PresetAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.preset_given = True


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate the generator like the paper (Acc1, Acc2, G-mean; Tables II-VIII, X)",
        description=(
            "Train the shape-image judge and the model variants of the paper's ablations on a built-in "
            "preset and write markdown tables, confusion matrices and a t-SNE plot (--report), or score "
            "the shipped model on a JSONL file of instructions (--instructions)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--preset", default="ckplus-like", action=_PresetAction,
                   help="dataset preset: ckplus-like (Table II) or celebvhq-like (Table III); default ckplus-like")  # fmt: skip
    p.set_defaults(preset_given=False)
    p.add_argument("--report", metavar="DIR", help="write report.md, confusion.png, tsne.png, results.json here")
    p.add_argument("--quick", action="store_true", help="tiny data, 1 epoch, 1 run (a smoke test, < 2 min)")
    p.add_argument("--instructions", metavar="FILE",
                   help="one instruction per line, as for animate (plain text: labels from the parser; or "
                   '{"text": ..., "emotions": [...]}): generate with the model and judge')  # fmt: skip
    p.add_argument("--train-judge", metavar="OUT.pt", help="train a judge on the presets' train splits and save it")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of data, training and sampling (default 0)")
    p.add_argument("--scale", type=_positive(float), help="dataset size factor (default 1; --quick 0.03)")
    p.add_argument("--epochs", type=_positive(int), help="training epochs per variant (default: the training default)")
    p.add_argument("--repeats", type=_positive(int), help="trainings per variant for mean ± std (default 3)")
    p.add_argument("--experiments", help="comma-separated subset of: ours, motionclip, no_ifed, ifed, le_only, "
                   "n1m1, caft2, n1m2, n2m2 (default all)")  # fmt: skip
    p.add_argument("--judge-epochs", type=_positive(int), help="judge training epochs (default 8)")
    p.add_argument("--judge-max-images", type=_positive(int),
                   help="at most this many ground-truth shape images to train the judge (default 20000)")  # fmt: skip
    p.add_argument("--model", help="model checkpoint for --instructions (default: the shipped one)")
    p.add_argument("--judge", help="judge checkpoint for --instructions (default: the shipped one)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --train-judge output")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)
