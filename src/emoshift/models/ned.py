"""NED, the neutral encoder-decoder (paper §IV-F): a small VAE of neutral faces.

Four fully connected layers in the encoder and four in each of the expression and pose decoders,
trained on neutral frames; sampling its prior gives varied, plausible neutral faces to insert between
two emotions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from emoshift.models.layers import kl_normal, mlp, scalars


@dataclass(frozen=True)
class NEDConfig:
    n_expression: int = 53
    pose_dim: int = 3
    latent_dim: int = 8  # neutral faces vary little; a small latent is enough
    hidden: int = 128
    n_layers: int = 4  # §IV-F: four FC layers in the encoder and in each decoder
    kl_weight: float = 0.01  # low: the decoded neutrals should keep the data's variety

    def to_dict(self) -> dict:
        return asdict(self)


class NED(nn.Module):
    def __init__(self, cfg: NEDConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg = cfg or NEDConfig()
        e, p = cfg.n_expression, cfg.pose_dim
        self.encoder = mlp(e + p, cfg.hidden, 2 * cfg.latent_dim, cfg.n_layers)
        self.dec_e = mlp(cfg.latent_dim, cfg.hidden, e, cfg.n_layers)
        self.dec_p = mlp(cfg.latent_dim, cfg.hidden, p, cfg.n_layers)

    def decode(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """(B,Z) -> expression (B,53) in [0,1], pose (B,3)."""
        return torch.sigmoid(self.dec_e(z)), self.dec_p(z)

    def loss(self, expression: Tensor, pose: Tensor) -> tuple[Tensor, dict[str, float]]:
        """expression (B,53), pose (B,3): MSE of both + weighted KL."""
        mu, lv = self.encoder(torch.cat([expression, pose], -1)).chunk(2, -1)
        lv = lv.clamp(-10, 10)
        z = mu + (0.5 * lv).exp() * torch.randn_like(mu)
        e_hat, p_hat = self.decode(z)
        mse_e = ((e_hat - expression) ** 2).mean()
        mse_p = ((p_hat - pose) ** 2).mean()
        kl = kl_normal(mu, lv).mean()
        total = mse_e + mse_p + self.cfg.kl_weight * kl
        return total, scalars(dict(loss=total, mse_e=mse_e, mse_p=mse_p, kl=kl))

    @torch.no_grad()
    def sample(self, n: int = 1, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """n neutral faces from the prior: expression (n,53), pose (n,3)."""
        return self.decode(torch.randn(n, self.cfg.latent_dim, generator=generator))
