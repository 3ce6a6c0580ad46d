"""A MotionCLIP-style baseline (Tevet et al. 2022, the paper's comparison in Tables II-III).

An auto-encoder of the whole instruction's anchors whose latent is pulled towards the (pooled) text
embedding by a cosine loss; at inference the text embedding itself is decoded. The decoder sees the
unit-normalised latent, since the cosine loss aligns directions only. Same outputs, losses (L_e, L_p,
L_v; no KL: MotionCLIP is not variational) and data as I2FET.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from emoshift.models.config import TrainConfig
from emoshift.models.i2fet import slot_mask_from_counts
from emoshift.models.layers import scalars, mlp
from emoshift.models.losses import Batch, VertexLoss, reconstruction_terms
from emoshift.text.encoder import pooled


class MotionCLIP(nn.Module):
    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        s, f = cfg.max_slots, cfg.n_expression + cfg.pose_dim
        self.encoder = mlp(s * f + s, cfg.hidden, cfg.text_dim, cfg.mlp_layers)
        self.decoder = mlp(cfg.text_dim, cfg.hidden, s * f, cfg.mlp_layers)

    def encode(self, expression: Tensor, pose: Tensor, slot_mask: Tensor) -> Tensor:
        """(B,m,E), (B,m,P), (B,m) -> latent (B, text_dim)."""
        pad = self.cfg.max_slots - slot_mask.shape[1]
        x = torch.cat([expression, pose], -1) * slot_mask[..., None]
        x = torch.nn.functional.pad(x, (0, 0, 0, pad))
        mask = torch.nn.functional.pad(slot_mask.to(x.dtype), (0, pad))
        return self.encoder(torch.cat([x.flatten(1), mask], -1))

    def decode(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """latent (B, text_dim) -> expression (B,S,E) in [0,1], pose (B,S,P)."""
        s, e = self.cfg.max_slots, self.cfg.n_expression
        out = self.decoder(F.normalize(z, dim=-1)).reshape(len(z), s, -1)
        return torch.sigmoid(out[..., :e]), out[..., e:]

    def loss(self, batch: Batch, vertex_loss: VertexLoss | None = None, anneal: float = 0.0) -> tuple[Tensor, dict[str, float]]:
        """MSE reconstruction + cosine text alignment (+ L_v); ``anneal`` is unused (no KL term)."""
        cfg, m = self.cfg, batch.slot_mask.shape[1]
        z = self.encode(batch.expression, batch.pose, batch.slot_mask)
        expression, pose = self.decode(z)
        expression, pose = expression[:, :m], pose[:, :m]
        mse_e, mse_p = reconstruction_terms(batch, expression, pose)
        l_clip = (1 - F.cosine_similarity(z, pooled(batch.text_features, batch.text_mask), dim=-1)).mean()
        total = mse_e + (mse_p if cfg.use_pose_loss else 0.0) + cfg.clip_weight * l_clip
        l_v = torch.zeros(())
        if cfg.use_vertex_loss and vertex_loss is not None:
            l_v = vertex_loss(batch, expression, pose)
            total = total + cfg.vertex_weight * l_v
        parts = dict(loss=total, l_e=mse_e, l_p=mse_p, l_v=l_v, mse_e=mse_e, mse_p=mse_p, l_clip=l_clip)
        return total, scalars(parts)

    @torch.no_grad()
    def generate(
        self, text_features: Tensor, text_mask: Tensor, n_slots: Tensor, generator: torch.Generator | None = None,
        **_ignored,
    ) -> tuple[Tensor, Tensor]:
        """Decode the pooled text embedding (deterministic; ``generator``, spans, latents: a common API)."""
        expression, pose = self.decode(pooled(text_features, text_mask))
        mask = slot_mask_from_counts(n_slots, self.cfg.max_slots)
        return expression * mask[..., None], pose * mask[..., None]

    @torch.no_grad()
    def latents(self, batch: Batch) -> Tensor:
        """The motion latent (B, 1, text_dim) of the ground truth, for t-SNE plots."""
        return self.encode(batch.expression, batch.pose, batch.slot_mask)[:, None]
