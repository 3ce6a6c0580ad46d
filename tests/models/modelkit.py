"""Helpers for the model tests: a tiny deterministic text encoder and tiny datasets (no MiniLM needed)."""

import hashlib

import numpy as np
import torch

from emoshift.models.config import TrainConfig

DIM = 16


class HashEncoder:
    """Each word maps to a fixed pseudo-random vector (seeded by its hash); features depend on word order
    through a position term. Follows the TextEncoder protocol: (B,77,dim) features, (B,77) mask."""

    dim = DIM

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        feats = torch.zeros(len(texts), 77, DIM)
        mask = torch.zeros(len(texts), 77, dtype=torch.bool)
        for i, t in enumerate(texts):
            words = t.lower().replace(".", "").split()[:77]
            for j, w in enumerate(words):
                seed = int(hashlib.sha1(w.encode()).hexdigest()[:8], 16)
                v = torch.randn(DIM, generator=torch.Generator().manual_seed(seed))
                feats[i, j] = v + 0.3 * torch.sin(torch.arange(DIM) * (j + 1.0))
                mask[i, j] = True
        return feats, mask


def tiny_config(**kw) -> TrainConfig:
    base = dict(text_dim=DIM, d_face=16, d_text=16, n_heads=2, hidden=32, latent_dim=4, batch_size=16, epochs=2,
                dropout=0.0, vertex_stride=16)
    base.update(kw)
    return TrainConfig(**base)


TEMPLATES = ["Turn this face from {} to {}.", "Make the face {} then {}.", "Show {}, then {}, then {}."]
WORDS = {1: "happy", 2: "disgusted", 3: "angry", 5: "surprised"}


def tiny_dataset(n: int = 48, seed: int = 0):
    """An ExpressionDataset whose targets are fixed per emotion (one-hot-ish blendshape patterns)."""
    from emoshift.data import ExpressionDataset

    rng = np.random.default_rng(seed)
    emos = list(WORDS)
    patterns = {k: np.zeros(53, np.float32) for k in emos}
    for i, k in enumerate(emos):
        patterns[k][i * 10 : i * 10 + 6] = 0.8
    poses = {k: np.array([0.05 * i, -0.04 * i, 0.0], np.float32) for i, k in enumerate(emos)}
    text, n_slots, expr, pose, emo = [], [], np.zeros((n, 3, 53), np.float32), np.zeros((n, 3, 3), np.float32), []
    for s in range(n):
        m = 3 if s % 4 == 0 else 2
        pick = list(rng.choice(emos, size=m, replace=False))
        tpl = TEMPLATES[2] if m == 3 else TEMPLATES[s % 2]
        text.append(tpl.format(*[WORDS[k] for k in pick]))
        n_slots.append(m)
        for j, k in enumerate(pick):
            expr[s, j] = np.clip(patterns[k] + rng.normal(0, 0.02, 53), 0, 1)
            pose[s, j] = poses[k]
        emo.append(pick + [-1] * (3 - m))
    split = np.array(["train"] * n, dtype=object)
    split[-8:] = "val"
    n_neutral = 32
    return ExpressionDataset(
        text=np.array(text), n_slots=np.array(n_slots), expression=expr, pose=pose, emotion=np.array(emo),
        intensity=np.where(np.array(emo) >= 0, 1.0, 0.0), subject=rng.integers(0, 4, n),
        identity=rng.normal(0, 1, (4, 50)).astype(np.float32), split=split.astype(str),
        template=np.zeros(n, np.int16),
        neutral_expression=np.clip(rng.normal(0.1, 0.02, (n_neutral, 53)), 0, 1).astype(np.float32),
        neutral_pose=rng.normal(0, 0.02, (n_neutral, 3)).astype(np.float32),
        neutral_subject=rng.integers(0, 4, n_neutral), neutral_split=np.array(["train"] * n_neutral),
        meta={"preset": "tiny", "seed": seed},
    ), patterns, poses
