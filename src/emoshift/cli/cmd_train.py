"""``emoshift train``: train I2FET (or the MotionCLIP-style baseline) and NED on the built-in presets or files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from emoshift.io import UserError

PRESET_NAMES = ("ckplus-like", "celebvhq-like")


def _load_datasets(args) -> list:
    from emoshift.data import ExpressionDataset, build_preset

    if args.data:
        return [ExpressionDataset.load(p) for p in args.data]
    return [build_preset(p, seed=args.data_seed, scale=args.scale) for p in args.preset]


def run(args: argparse.Namespace) -> int:
    if getattr(args, "model", None) is not None:
        raise UserError("train takes the architecture as --arch (i2fet or motionclip); --model names a checkpoint "
                        "in the other commands (generate, eval, animate)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out must be a folder, {out} is a file")
    from emoshift.models.train import CHECKPOINT

    if (out / CHECKPOINT).exists() and not (args.resume or args.force):
        raise UserError(f"{out} already holds a training run; pass --resume to continue it or --force to restart")
    if args.epochs < 0 or args.ned_epochs < 0:
        raise UserError("--epochs and --ned-epochs must be >= 0")
    if not 0 < args.scale <= 1:
        raise UserError("--scale must be in (0, 1]")

    import torch

    from emoshift.cli import show_progress
    from emoshift.models.config import TrainConfig
    from emoshift.models.generator import save_checkpoint
    from emoshift.models.train import train, train_ned

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.force and (out / CHECKPOINT).exists():
        (out / CHECKPOINT).unlink()
    try:
        dims = {}
        if args.text_encoder != "minilm":
            from emoshift.text.encoder import load_text_encoder

            dims["text_dim"] = load_text_encoder(args.text_encoder).dim
        cfg = TrainConfig(
            model=args.arch, epochs=args.epochs, seed=args.seed, batch_size=args.batch_size, lr=args.lr,
            use_ifed=not args.no_ifed, use_vertex_loss=not args.no_vertex_loss, use_pose_loss=not args.no_pose_loss,
            caft_layers=args.caft_layers, n_face_layers=args.face_layers, n_text_layers=args.text_layers,
            text_encoder=args.text_encoder, ned_epochs=args.ned_epochs, kl_weight=args.kl_weight,
            vertex_weight=args.vertex_weight, recon_loss=args.recon_loss, **dims,
        )
    except TypeError as err:
        raise UserError(str(err)) from None
    rank0 = int(os.environ.get("RANK", "0")) == 0
    say = (lambda s: None) if args.quiet or not rank0 else (lambda s: print(s, flush=True))
    datasets = _load_datasets(args)
    say(f"training {cfg.model} on {sum(len(d.subset('train')) for d in datasets)} samples for {cfg.epochs} epochs")
    model = train(cfg, datasets, out, resume=args.resume, progress=show_progress(args.quiet), log=say)
    ned = None
    if cfg.ned_epochs > 0:
        ned = train_ned(datasets, epochs=cfg.ned_epochs, seed=cfg.seed, progress=show_progress(args.quiet) and rank0)
    from emoshift import __version__

    options = {k: v for k, v in vars(args).items() if k != "func"}
    meta = {"options": options, "datasets": [str(d.meta.get("preset", "file")) for d in datasets],
            "emoshift": __version__}
    if rank0:
        if cfg.model == "i2fet" and getattr(model, "apex_latents", None):
            from emoshift.models.apex import apex_gains, apex_outliers
            from emoshift.models.generator import Generator

            say("checking the apex latents against their prototypes, then measuring the apex gains")
            # the jaw first, the gains without those latents, then the jaw and the strength floor with the gains
            meta["apex_outliers"] = apex_outliers(Generator(model, ned, None, meta, model.apex_latents), floor=False)
            meta["apex_gain"] = apex_gains(Generator(model, ned, None, meta, model.apex_latents))
            meta["apex_outliers"] = apex_outliers(Generator(model, ned, None, meta, model.apex_latents))
        path = save_checkpoint(out / "model.pt", model, ned, meta)
        say(f"wrote {path} (metrics: {out / 'metrics.csv'}, curve: {out / 'loss.png'})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the instruction-to-expression model (I2FET) and NED",
        description="Train I2FET (paper §III-B) or the MotionCLIP-style baseline, and the neutral encoder-decoder. "
        "Writes DIR/checkpoint.pt (resumable), metrics.csv, loss.png and model.pt (usable by generate --model). "
        "Runs data-parallel under torchrun (gloo).",
        epilog="example: emoshift train --epochs 20 --out runs/default\n"
        "         torchrun --nproc_per_node 2 -m emoshift train --out runs/ddp",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--preset", nargs="+", default=list(PRESET_NAMES), choices=PRESET_NAMES,
                   help="built-in datasets to train on (default: both)")
    p.add_argument("--data", nargs="+", metavar="FILE.npz", help="dataset files instead of presets")
    p.add_argument("--scale", type=float, default=1.0, help="fraction of each preset's size (default 1)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the built-in presets (default 0)")
    p.add_argument("--arch", default="i2fet", choices=["i2fet", "motionclip"],
                   help="architecture: i2fet (default, paper §III-B) or motionclip (the paper's baseline)")
    p.add_argument("--model", help=argparse.SUPPRESS)  # a checkpoint path elsewhere: refused with a pointer to --arch
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default from the config)")
    p.add_argument("--ned-epochs", type=int, default=None, help="NED epochs, 0 to skip (default from the config)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128, help="per process (default 128, paper)")
    p.add_argument("--lr", type=float, default=8e-4, help="Adam learning rate (default 8e-4, paper)")
    p.add_argument("--no-ifed", action="store_true", help="ablation: condition on pooled text, no IFED")
    p.add_argument("--no-vertex-loss", action="store_true", help="ablation: drop L_v")
    p.add_argument("--no-pose-loss", action="store_true", help="ablation: drop L_p")
    p.add_argument("--recon-loss", default=None, choices=["gaussian", "mse"],
                   help="gaussian (default): NLL at the data's noise scale, annealed KL; mse: the paper's eqs. 11-12")
    p.add_argument("--kl-weight", type=float, default=None, help="weight of the KL terms (default from the config)")
    p.add_argument("--vertex-weight", type=float, default=None, help="weight of L_v (default from the config)")
    p.add_argument("--caft-layers", type=int, default=1)
    p.add_argument("--face-layers", type=int, default=2, help="N, facial-parameter branch layers (default 2)")
    p.add_argument("--text-layers", type=int, default=1, help="M, text branch layers (default 1)")
    p.add_argument("--text-encoder", default="minilm", help="'minilm' (default) or a local CLIP folder")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--out", default="runs/i2fet", help="output folder (default runs/i2fet)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--force", action="store_true", help="restart even if --out holds a run")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_run_with_defaults)


def _run_with_defaults(args: argparse.Namespace) -> int:
    from emoshift.models.config import TrainConfig

    base = TrainConfig()
    for name in ("epochs", "ned_epochs", "kl_weight", "vertex_weight", "recon_loss"):
        if getattr(args, name) is None:
            setattr(args, name, getattr(base, name))
    return run(args)
