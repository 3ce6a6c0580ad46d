"""The training batch and the reconstruction losses of eqs. 11-15, shared by I2FET and the baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from emoshift.models.layers import masked_mean

if TYPE_CHECKING:  # the head model is imported when a VertexLoss is made (training), not by generation
    from emoshift.headmodel import HeadModel


@dataclass
class Batch:
    """One minibatch. text_features (B,L,D), text_mask (B,L) bool, expression (B,m,53) in [0,1],
    pose (B,m,3) axis-angle rad, slot_mask (B,m) bool (True = slot used), identity (B,K) head identity,
    span_features (B,m,D) pooled text features of each slot's own words (zeros when unused), or None."""

    text_features: Tensor
    text_mask: Tensor
    expression: Tensor
    pose: Tensor
    slot_mask: Tensor
    identity: Tensor
    span_features: Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        return Batch(**{f.name: None if getattr(self, f.name) is None else getattr(self, f.name).to(device)
                        for f in fields(self)})  # fmt: skip


class VertexLoss(nn.Module):
    """L_v (eq. 14): MSE (cm²) between face vertices of the ground truth and of the prediction.

    Uses the ICT head's "face" region with the sample's identity, every ``stride``-th vertex.
    Holds its own buffers, so it is never part of a model checkpoint.
    """

    def __init__(self, n_identity: int = 50, stride: int = 4, head: HeadModel | None = None) -> None:
        super().__init__()
        if head is None:
            from emoshift.headmodel import HeadModel

            head = HeadModel.load(n_identity=n_identity, region="face")
        keep = slice(0, head.neutral.shape[0], stride)
        self.register_buffer("neutral", torch.tensor(head.neutral[keep]))
        self.register_buffer("identity_basis", torch.tensor(head.identity_basis[:, keep]))
        self.register_buffer("expression_basis", torch.tensor(head.expression_basis[:, keep]))

    def shaped(self, identity: Tensor) -> Tensor:
        """(N,K) -> (N,V,3) the subject's neutral face (shared by ground truth and prediction)."""
        from emoshift.headmodel import ops

        return self.neutral[None] + ops.blend(identity, self.identity_basis)

    def vertices(self, shaped: Tensor, expression: Tensor, rotation: Tensor) -> Tensor:
        """(N,V,3) neutral face, (N,53), (N,3) -> (N,V,3) posed face vertices (no translation)."""
        from emoshift.headmodel import ops

        return ops.rigid(shaped + ops.blend(expression, self.expression_basis), rotation, torch.zeros_like(rotation))

    def forward(self, batch: Batch, expression: Tensor, pose: Tensor) -> Tensor:
        """Predicted expression (B,m,53) and pose (B,m,3) against the batch's ground truth, used slots only."""
        m = batch.slot_mask
        with torch.no_grad():
            shaped = self.shaped(batch.identity[:, None].expand(-1, m.shape[1], -1)[m])
            v = self.vertices(shaped, batch.expression[m], batch.pose[m])
        v_hat = self.vertices(shaped, expression[m], pose[m])
        return ((v - v_hat) ** 2).mean()


def reconstruction_terms(batch: Batch, expression: Tensor, pose: Tensor) -> tuple[Tensor, Tensor]:
    """MSE of expression and of pose over the used slots: (mse_e, mse_p)."""
    return (
        masked_mean((expression - batch.expression) ** 2, batch.slot_mask),
        masked_mean((pose - batch.pose) ** 2, batch.slot_mask),
    )


def gaussian_nll(target: Tensor, mean: Tensor, std: float, slot_mask: Tensor) -> Tensor:
    """Gaussian negative log-likelihood in nats per used slot, summed over the last dim.

    target, mean (B,m,D), fixed observation std (scalar), slot_mask (B,m) -> () :
    mean over used slots of sum_d [ (x_d - mu_d)² / (2 std²) + log std + log(2π)/2 ].
    With std = 1/sqrt(2) and the constants dropped this is D × the MSE of :func:`reconstruction_terms`.
    """
    per_dim = 0.5 * ((target - mean) / std) ** 2 + math.log(std) + 0.5 * math.log(2 * math.pi)
    return masked_mean(per_dim.sum(-1, keepdim=True), slot_mask)
