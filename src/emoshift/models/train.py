"""Training loops: I2FET / the MotionCLIP-style baseline (paper §IV-B) and NED (§IV-F).

``train(config, dataset) -> model`` is the one entry point the evaluation uses. Adam, lr 8e-4, batch
128; seeded (shuffling from ``seed + epoch``, noise from ``seed + rank``); with ``out_dir`` it writes a
resumable ``checkpoint.pt`` every ``checkpoint_every`` epochs, ``metrics.csv`` (train and validation
losses per epoch), ``loss.png`` (Fig. 15 style) and the final ``model.pt``. Under ``torchrun`` it runs
data-parallel with DDP over gloo: each process takes every ``world``-th sample of the shuffled order.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from emoshift.io import UserError, atomic_write, atomic_write_with
from emoshift.models.build import build_model
from emoshift.models.config import TrainConfig
from emoshift.models.data import TensorData, TextTable, encode_table
from emoshift.models.losses import VertexLoss
from emoshift.models.ned import NED, NEDConfig

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.csv"


class _LossModule(nn.Module):
    """Wraps ``model.loss`` as ``forward`` so DDP can synchronise gradients."""

    def __init__(self, model: nn.Module, vertex_loss: VertexLoss | None) -> None:
        super().__init__()
        self.model = model
        self.vertex_loss = vertex_loss

    def forward(self, batch, anneal: float = 0.0):
        return self.model.loss(batch, self.vertex_loss, anneal)


def _dist_setup() -> tuple[int, int]:
    """(rank, world) — initialises gloo when launched by torchrun with WORLD_SIZE > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _datasets(dataset) -> list:
    return list(dataset) if isinstance(dataset, (list, tuple)) else [dataset]


def prepare_data(dataset, config: TrainConfig, table: TextTable | None = None, cache_dir=None, progress=True):
    """(train TensorData, val TensorData | None, table) from one dataset or a list of them."""
    ds = _datasets(dataset)
    if table is None:
        texts = np.concatenate([d.text for d in ds])
        table = encode_table(texts, spec=config.text_encoder, cache_dir=cache_dir, progress=progress)
    if table.features.shape[-1] != config.text_dim:
        raise UserError(f"text encoder gives {table.features.shape[-1]}-d features but config.text_dim={config.text_dim}")
    train_data = TensorData.from_datasets(ds, table, "train")
    val_data = TensorData.from_datasets(ds, table, "val")
    if len(train_data) == 0:
        raise UserError("the dataset has no training samples")
    return train_data, (val_data if len(val_data) else None), table


@torch.no_grad()
def evaluate_loss(model: nn.Module, data: TensorData, vertex_loss: VertexLoss | None, seed: int = 0,
                  batch_size: int = 512) -> dict[str, float]:
    """Mean loss parts over ``data`` in eval mode, with the sampling noise fixed by ``seed``."""
    was = model.training
    model.eval()
    sums: dict[str, float] = {}
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for start in range(0, len(data), batch_size):
            idx = torch.arange(start, min(start + batch_size, len(data)))
            _, parts = model.loss(data.batch(idx), vertex_loss)
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v * len(idx)
    model.train(was)
    return {k: v / len(data) for k, v in sums.items()}


def kl_anneal(config: TrainConfig, epochs_done: float) -> float:
    """The ``anneal`` argument of ``I2FET.loss`` after ``epochs_done`` (fractional) epochs: 1 -> 0 linearly
    over ``config.kl_anneal_epochs`` (the KL factor falls geometrically); 0 without annealing."""
    if config.recon_loss != "gaussian" or config.kl_anneal_epochs <= 0:
        return 0.0
    return max(0.0, 1.0 - epochs_done / config.kl_anneal_epochs)


def _write_metrics(out_dir: Path, history: list[dict]) -> None:
    keys = list(dict.fromkeys(k for row in history for k in row))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    for row in history:
        w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    atomic_write(out_dir / METRICS, buf.getvalue().encode())


def model_state(model: nn.Module) -> dict:
    """A checkpoint dict of a trained model: config + weights (loads with ``weights_only=True``)."""
    return {"kind": model.cfg.model, "config": model.cfg.to_dict(), "state": model.state_dict()}


def model_from_state(d: dict) -> nn.Module:
    model = build_model(TrainConfig.from_dict(d["config"]))
    model.load_state_dict(d["state"])
    return model.eval()


def _same_run(cfg: TrainConfig) -> TrainConfig:
    """The config without the fields a resumed run may change (more epochs, checkpoint spacing, sampling)."""
    return replace(cfg, epochs=0, checkpoint_every=1, ned_epochs=0, sample_temperature_e=1.0, sample_temperature_p=1.0)


def train(
    config: TrainConfig,
    dataset,
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    progress: bool = True,
    table: TextTable | None = None,
    validate: bool = True,
    log: Callable[[str], None] | None = None,
) -> nn.Module:
    """Train ``config.model`` on the "train" split of ``dataset`` (one ``ExpressionDataset`` or a list).

    Returns the trained model in eval mode, with ``model.history`` (one dict per epoch: train_* and
    val_* loss parts, seconds) and ``model.apex_latents`` (models/apex.py, saved with the checkpoint).
    ``table`` reuses already encoded text (see :func:`encode_table`).
    """
    rank, world = _dist_setup()
    out = Path(out_dir) if out_dir is not None else None
    if out is not None and rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    say = log if (log is not None and rank == 0) else (lambda s: None)
    torch.manual_seed(config.seed)
    train_data, val_data, table = prepare_data(
        dataset, config, table, cache_dir=out, progress=progress and rank == 0
    )
    model = build_model(config)
    vertex_loss = VertexLoss(n_identity=train_data.identity.shape[1], stride=config.vertex_stride) \
        if config.use_vertex_loss else None
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[dict] = []
    start_epoch = 0
    ckpt_path = out / CHECKPOINT if out is not None else None
    if resume and ckpt_path is not None and ckpt_path.is_file():
        ck = torch.load(ckpt_path, weights_only=True)
        if _same_run(TrainConfig.from_dict(ck["model"]["config"])) != _same_run(config):
            raise UserError(f"{ckpt_path} was written with a different configuration; use a new --out folder")
        model.load_state_dict(ck["model"]["state"])
        opt.load_state_dict(ck["optimizer"])
        history = ck["history"]
        start_epoch = ck["epoch"] + 1
        say(f"resumed from {ckpt_path} after epoch {start_epoch}")

    step_module: nn.Module = _LossModule(model, vertex_loss)
    if world > 1:
        unused = config.model == "i2fet" and not (config.use_pose_loss or config.use_vertex_loss)
        step_module = nn.parallel.DistributedDataParallel(
            step_module, broadcast_buffers=False, find_unused_parameters=unused
        )
    n = len(train_data)
    steps = math.ceil(math.ceil(n / world) / config.batch_size)
    model.train()
    for epoch in range(start_epoch, config.epochs):
        t0 = time.perf_counter()
        torch.manual_seed(config.seed * 1000 + rank + 7919 * epoch)  # per-process noise; resume == no break
        order = torch.from_numpy(np.random.default_rng(config.seed + epoch).permutation(n))
        mine = order[rank::world]
        # equal step counts on every process (DDP needs them): pad by wrapping around
        if len(mine) < steps * config.batch_size and world > 1:
            mine = torch.cat([mine, mine[: steps * config.batch_size - len(mine)]])
        sums: dict[str, float] = {}
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{config.epochs}", unit="step",
                   disable=not progress or rank != 0, leave=False)
        for s in bar:
            idx = mine[s * config.batch_size : (s + 1) * config.batch_size]
            loss, parts = step_module(train_data.batch(idx), kl_anneal(config, epoch + s / steps))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v
            bar.set_postfix(loss=f"{parts['loss']:.4f}")
        row: dict = {"epoch": epoch + 1}
        row.update({f"train_{k}": v / steps for k, v in sums.items()})
        if validate and val_data is not None:
            row.update({f"val_{k}": v for k, v in evaluate_loss(model, val_data, vertex_loss, config.seed).items()})
        row["seconds"] = time.perf_counter() - t0
        history.append(row)
        say(f"epoch {epoch + 1}/{config.epochs} train {row['train_loss']:.4f}"
            + (f" val {row['val_loss']:.4f}" if "val_loss" in row else "") + f" ({row['seconds']:.0f}s)")
        if out is not None and rank == 0:
            _write_metrics(out, history)
            last = epoch + 1 == config.epochs
            if last or (epoch + 1) % config.checkpoint_every == 0:
                ck = {"model": model_state(model), "optimizer": opt.state_dict(), "epoch": epoch,
                      "history": history}
                atomic_write_with(ckpt_path, lambda p: torch.save(ck, p))
    model.eval()
    model.history = history
    from emoshift.models.apex import apex_latents

    model.apex_latents = apex_latents(model, train_data, seed=config.seed)
    if out is not None and rank == 0 and history:
        from emoshift.models.plots import plot_losses

        plot_losses({config.model: history}, out / "loss.png")
    return model


def train_ned(dataset, cfg: NEDConfig | None = None, epochs: int = 60, seed: int = 0, batch_size: int = 128,
              lr: float = 8e-4, progress: bool = True) -> NED:
    """Train NED on the neutral frames of the training split(s) of ``dataset`` (one or a list)."""
    ds = [d.subset("train") for d in _datasets(dataset)]
    e = torch.from_numpy(np.concatenate([d.neutral_expression for d in ds])).float()
    p = torch.from_numpy(np.concatenate([d.neutral_pose for d in ds])).float()
    if len(e) == 0:
        raise UserError("the dataset has no neutral training frames for NED")
    torch.manual_seed(seed)
    ned = NED(cfg)
    opt = torch.optim.Adam(ned.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for _ in tqdm(range(epochs), desc="training NED", unit="epoch", disable=not progress):
        order = torch.from_numpy(rng.permutation(len(e)))
        for s in range(0, len(e), batch_size):
            idx = order[s : s + batch_size]
            loss, _ = ned.loss(e[idx], p[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return ned.eval()
