"""The shape-image expression judge of §IV-C: a CPU-sized ResNet trained with the re-weighted focal loss.

The paper classifies generated expressions by rendering them as shape images and running a
ResNet-101 trained with the class-balanced ("re-weighted") focal loss (RFL, Cui et al., CVPR 2019)
on shape images of ground-truth expressions, with rotation augmentation (its Table X tests at 0°,
±10°, ±15°, ±30°). Here: a ResNet with one basic block per stage (16-32-64-128 channels) on 64×64
grey crops of the face — ~0.7 M parameters, a few ms per image on one core — trained with the same loss
(``w_c = (1-β)/(1-β^{n_c})`` normalised to mean 1, focal γ = 2) and random in-plane rotations.

The judge only ever trains on ground-truth expressions of a dataset's train split
(:func:`judge_images` with ``split="train"``), never on generated data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from emoshift.io import UserError, atomic_write_with

IMAGE_SIZE = 64
"""Side of the judge's input; shape images are area-resized to it."""
RENDER_SIZE = 128
"""Side at which shape images are rendered before resizing."""
CROP = (0.16, 0.92, 0.14, 0.86)
"""Part of a shape image the judge looks at (top, bottom, left, right fractions): brows to chin, cheek
to cheek (the render frames the whole head; cropping gives the mouth and eyes 1.4x more pixels)."""
DEFAULT_JUDGE = "judge.pt"
"""File name of the shipped judge in ``emoshift/resources``."""


# ----------------------------------------------------------------------------------------------
# loss


def class_balanced_weights(counts: Sequence[int] | np.ndarray, beta: float = 0.999) -> Tensor:
    """(C,) class weights ``(1-β)/(1-β^{n_c})`` normalised to mean 1 (classes with n_c = 0 get 0)."""
    n = torch.as_tensor(np.asarray(counts, np.float64))
    w = torch.where(n > 0, (1.0 - beta) / (1.0 - torch.pow(torch.tensor(beta, dtype=n.dtype), n)), torch.zeros_like(n))
    present = (n > 0).sum().clamp(min=1)
    return (w * present / w.sum().clamp(min=1e-12)).float()


def focal_loss(logits: Tensor, target: Tensor, weights: Tensor | None = None, gamma: float = 2.0) -> Tensor:
    """Re-weighted focal loss, mean over the batch.

    logits (B, C), target (B,) int64, weights (C,) or None -> scalar
    ``mean_b  w_{y_b} (1 - p_{y_b})^γ (-log p_{y_b})``.
    """
    logp = F.log_softmax(logits, dim=1).gather(1, target[:, None])[:, 0]
    loss = -((1.0 - logp.exp()).clamp(min=0) ** gamma) * logp
    if weights is not None:
        loss = loss * weights.to(loss)[target]
    return loss.mean()


# ----------------------------------------------------------------------------------------------
# images


def rotate_images(x: Tensor, degrees: Tensor | float) -> Tensor:
    """Rotate (B, 1, H, W) images in-plane about their centre by ``degrees`` (scalar or (B,)), black fill."""
    b = x.shape[0]
    a = torch.as_tensor(degrees, dtype=x.dtype).expand(b) * (math.pi / 180.0)
    c, s = torch.cos(a), torch.sin(a)
    z = torch.zeros_like(a)
    theta = torch.stack([torch.stack([c, -s, z], 1), torch.stack([s, c, z], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def to_input(images: np.ndarray | Tensor) -> Tensor:
    """(B, S, S) uint8 shape images -> (B, 1, 64, 64) float32 in [0, 1] (:data:`CROP`, area-resized)."""
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, Tensor) else images)
    h, w = x.shape[-2:]
    t, b, le, ri = CROP
    x = x[:, round(t * h) : round(b * h), round(le * w) : round(ri * w)]
    x = x.float().div(255.0)[:, None]
    if x.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        x = F.interpolate(x, size=(IMAGE_SIZE, IMAGE_SIZE), mode="area")
    return x


# ----------------------------------------------------------------------------------------------
# network


class _Basic(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.down(x))


class JudgeNet(nn.Module):
    """ResNet for (B, 1, 64, 64) grey images -> (B, C) logits; also ``features`` (B, 128)."""

    def __init__(self, n_classes: int, widths: tuple[int, ...] = (16, 32, 64, 128)) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            layers.append(_Basic(cin, w, 1 if i == 0 else 2))
            cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, n_classes)

    def features(self, x: Tensor) -> Tensor:
        return self.layers(self.stem(x)).mean(dim=(2, 3))

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.features(x))


# ----------------------------------------------------------------------------------------------
# the judge


@dataclass
class ShapeJudge:
    """A trained judge: ``net`` over ``classes`` (indices into EMOTIONS, in output order) and their names."""

    net: JudgeNet
    classes: tuple[int, ...]
    names: tuple[str, ...]
    meta: dict = field(default_factory=dict)

    @torch.no_grad()
    def logits(self, images: np.ndarray | Tensor, rotation_deg: float = 0.0, batch: int = 512) -> Tensor:
        """(B, S, S) uint8 shape images -> (B, C) logits (optionally after an in-plane rotation)."""
        self.net.eval()
        out = []
        for i in range(0, len(images), batch):
            x = to_input(images[i : i + batch])
            if rotation_deg:
                x = rotate_images(x, rotation_deg)
            out.append(self.net(x))
        return torch.cat(out) if out else torch.zeros(0, len(self.classes))

    def predict(
        self, images: np.ndarray | Tensor, allowed: Sequence[int] | None = None, rotation_deg: float = 0.0
    ) -> np.ndarray:
        """(B,) predicted emotion indices (into EMOTIONS); ``allowed`` restricts the choice (e.g. CK+'s seven)."""
        lg = self.logits(images, rotation_deg)
        cls = torch.tensor(self.classes)
        if allowed is not None:
            mask = torch.tensor([c in set(allowed) for c in self.classes])
            if not mask.any():
                raise ValueError(f"none of {list(allowed)} is a class of this judge {self.classes}")
            lg = lg.masked_fill(~mask, float("-inf"))
        return cls[lg.argmax(1)].numpy() if len(lg) else np.zeros(0, np.int64)

    def save(self, path: str | Path) -> Path:
        blob = {"state": self.net.state_dict(), "classes": list(self.classes), "names": list(self.names), "meta": self.meta}
        return atomic_write_with(path, lambda tmp: torch.save(blob, tmp))

    @classmethod
    def load(cls, path: str | Path) -> ShapeJudge:
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            net = JudgeNet(len(blob["classes"]))
            net.load_state_dict(blob["state"])
        except Exception as err:  # unreadable, truncated, not a judge: one line for the user
            raise UserError(f"cannot load judge {path}: {str(err).splitlines()[0]}") from None
        return cls(net.eval(), tuple(blob["classes"]), tuple(blob["names"]), dict(blob.get("meta", {})))

    @classmethod
    def load_default(cls) -> ShapeJudge:
        """The judge shipped in ``emoshift/resources`` (see its ``meta`` for how it was trained)."""
        from importlib.resources import files

        p = Path(str(files("emoshift.resources") / DEFAULT_JUDGE))
        if not p.is_file():
            raise UserError(f"the shipped judge {p} is missing; train one with `emoshift eval --train-judge {p}`")
        return cls.load(p)


def train_judge(
    images: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
    epochs: int = 8,
    batch: int = 32,
    lr: float = 2e-3,
    max_rotation: float = 30.0,
    beta: float = 0.999,
    gamma: float = 2.0,
    seed: int = 0,
    progress: bool = True,
    meta: dict | None = None,
) -> ShapeJudge:
    """Train a :class:`ShapeJudge` on (N, S, S) uint8 ground-truth shape images and (N,) emotion indices.

    Classes are the distinct labels present; ``names`` maps an emotion index to its name. Adam with a
    cosine schedule (the paper: Adam, lr 1e-4, batch 64, 50 epochs for ResNet-101; a small net from
    scratch wants a larger rate), re-weighted focal loss, uniform random in-plane rotations in
    ±``max_rotation`` degrees on half of each batch (the other half unrotated), seeded.
    """
    from tqdm import tqdm

    labels = np.asarray(labels, np.int64)
    if len(images) != len(labels) or len(labels) == 0:
        raise ValueError("need as many labels as images, and at least one")
    classes = tuple(int(c) for c in np.unique(labels))
    remap = {c: i for i, c in enumerate(classes)}
    y_all = torch.tensor([remap[int(c)] for c in labels])
    counts = np.bincount(y_all.numpy(), minlength=len(classes))
    weights = class_balanced_weights(counts, beta)
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = JudgeNet(len(classes))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * math.ceil(len(labels) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1), pct_start=0.15)
    x_all = to_input(images)  # (N,1,64,64), ~16 KB per image
    bar = tqdm(total=steps, desc="judge", disable=not progress, leave=False)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=g)
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            x, y = x_all[idx], y_all[idx]
            if max_rotation > 0:
                ang = (torch.rand(len(idx), generator=g) * 2 - 1) * max_rotation
                ang = torch.where(torch.rand(len(idx), generator=g) < 0.5, ang, torch.zeros_like(ang))
                x = rotate_images(x, ang)
            loss = focal_loss(net(x), y, weights, gamma)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    info = {"epochs": epochs, "batch": batch, "lr": lr, "max_rotation": max_rotation, "beta": beta, "gamma": gamma}
    info.update({"seed": seed, "n_train": len(labels), "counts": counts.tolist()})
    info.update(meta or {})
    return ShapeJudge(net.eval(), classes, tuple(names[c] for c in classes), info)
