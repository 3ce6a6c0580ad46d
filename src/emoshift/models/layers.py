"""Small building blocks shared by the models: MLPs, the Gaussian KL term, slot-masked means."""

from __future__ import annotations

from torch import Tensor, nn


def mlp(n_in: int, hidden: int, n_out: int, n_layers: int) -> nn.Sequential:
    """``n_layers`` linear layers with GELU between them."""
    dims = [n_in] + [hidden] * (n_layers - 1) + [n_out]
    layers: list[nn.Module] = []
    for i in range(n_layers):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < n_layers - 1:
            layers.append(nn.GELU())
    return nn.Sequential(*layers)


def kl_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over the last dim (eqs. 11-12): (..., D) -> (...)."""
    return 0.5 * (-(logvar + 1) + logvar.exp() + mu * mu).sum(-1)


def masked_mean(x: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``x`` (B, m, ...) over the used slots ``mask`` (B, m) and all trailing dims."""
    w = mask.to(x.dtype)
    while w.dim() < x.dim():
        w = w[..., None]
    n = (w.expand_as(x)).sum().clamp_min(1.0)
    return (x * w).sum() / n


def scalars(parts: dict) -> dict[str, float]:
    """Loss parts as plain floats for logging (detached)."""
    return {k: float(v.detach()) if isinstance(v, Tensor) else float(v) for k, v in parts.items()}
