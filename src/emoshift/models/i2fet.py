"""I2FET, the Instruction to Facial Expression Transition CVAE (paper §III-B, eqs. 5-15, Fig. 4).

Per slot (one named emotion): expression and pose each get an MLP encoder to a 16-d Gaussian latent,
conditioned on IFED's vectors from the ground truth and the text (eqs. 5-6). Sampled latents are mapped
by linear T_e / T_p to the shape of (e, θ) and, with the text, fed through IFED again to give the
decoders' conditions (eqs. 7-8); the MLP decoders reconstruct (e, θ) (eqs. 9-10). At inference the
latents come from N(0, I), so the output depends only on the text features and the seed.

Shapes: B batch, m slots, E = 53 expression weights (sigmoid, in [0, 1]), P = 3 head-rotation
axis-angle radians, Z = latent_dim.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from emoshift.models.config import TrainConfig
from emoshift.models.ifed import TextContext, build_conditioner
from emoshift.models.layers import scalars, kl_normal, masked_mean, mlp
from emoshift.models.losses import Batch, VertexLoss, gaussian_nll, reconstruction_terms


def slot_mask_from_counts(n_slots: Tensor, max_slots: int) -> Tensor:
    """(B,) number of emotions per instruction -> (B, max_slots) bool, True for used slots."""
    return torch.arange(max_slots, device=n_slots.device)[None] < n_slots[:, None]


class I2FET(nn.Module):
    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        e, p, z, h, n = cfg.n_expression, cfg.pose_dim, cfg.latent_dim, cfg.hidden, cfg.mlp_layers
        self.cond = build_conditioner(cfg)  # IFED, or the "w/o IFED" plain conditioner
        self.enc_e = mlp(e + cfg.cond_e_dim, h, 2 * z, n)  # E_e^t (eq. 5)
        self.enc_p = mlp(p + cfg.cond_p_dim, h, 2 * z, n)  # E_p^t (eq. 6)
        self.t_e, self.t_p = nn.Linear(z, e), nn.Linear(z, p)  # T_e, T_p (eq. 7)
        for t in (self.t_e, self.t_p):  # start small, so IFED first reads the slot index and the text
            nn.init.normal_(t.weight, std=0.01)
            nn.init.zeros_(t.bias)
        self.dec_e = mlp(z + cfg.cond_e_dim, h, e, n)  # D_e^t (eq. 10)
        self.dec_p = mlp(z + cfg.cond_p_dim, h, p, n)  # D_p^t (eq. 9)

    # ------------------------------------------------------------------------------------ pieces
    def text_context(self, text_features: Tensor, text_mask: Tensor, spans: Tensor | None = None) -> TextContext:
        return self.cond.encode_text(text_features, text_mask, spans)

    def encode(self, expression: Tensor, pose: Tensor, slot_mask: Tensor, ctx: TextContext):
        """(B,m,E), (B,m,P) -> mu_e, logvar_e, mu_p, logvar_p, each (B,m,Z) (eqs. 5-6)."""
        ce, cp = self.cond(torch.cat([expression, pose], -1), slot_mask, ctx)
        mu_e, lv_e = self.enc_e(torch.cat([expression, ce], -1)).chunk(2, -1)
        mu_p, lv_p = self.enc_p(torch.cat([pose, cp], -1)).chunk(2, -1)
        return mu_e, lv_e.clamp(-10, 10), mu_p, lv_p.clamp(-10, 10)

    def decode(self, z_e: Tensor, z_p: Tensor, slot_mask: Tensor, ctx: TextContext) -> tuple[Tensor, Tensor]:
        """Latents (B,m,Z) -> expression (B,m,E) in [0,1], pose (B,m,P) (eqs. 7-10)."""
        ce, cp = self.cond(torch.cat([self.t_e(z_e), self.t_p(z_p)], -1), slot_mask, ctx)  # eq. 8
        expression = torch.sigmoid(self.dec_e(torch.cat([z_e, ce], -1)))
        pose = self.dec_p(torch.cat([z_p, cp], -1))
        return expression, pose

    # ------------------------------------------------------------------------------------ training
    def forward(self, batch: Batch) -> dict[str, Tensor]:
        ctx = self.text_context(batch.text_features, batch.text_mask, batch.span_features)
        mu_e, lv_e, mu_p, lv_p = self.encode(batch.expression, batch.pose, batch.slot_mask, ctx)
        z_e = mu_e + (0.5 * lv_e).exp() * torch.randn_like(mu_e)
        z_p = mu_p + (0.5 * lv_p).exp() * torch.randn_like(mu_p)
        expression, pose = self.decode(z_e, z_p, batch.slot_mask, ctx)
        return dict(expression=expression, pose=pose, mu_e=mu_e, logvar_e=lv_e, mu_p=mu_p, logvar_p=lv_p)

    def loss(self, batch: Batch, vertex_loss: VertexLoss | None = None, anneal: float = 0.0
             ) -> tuple[Tensor, dict[str, float]]:
        """L_total = L_e + L_p + L_v (eqs. 11-15), with the config's ablation switches.

        ``recon_loss="mse"``: L_e = MSE_e + w·KL_e as in the paper. ``"gaussian"`` (default): L_e =
        NLL_e + w·a_e·KL_e in nats per slot (see :func:`gaussian_nll` and the config), and L_v weighted by
        ``vertex_weight · n_expression / (2·obs_std_e²)`` so that its ratio to the expression error is
        unchanged. ``anneal`` in [0, 1] (training only, see ``kl_anneal_epochs``) sets the KL factors
        a_e = (n_expression / (2·obs_std_e²))^anneal, a_p = (pose_dim / (2·obs_std_p²))^anneal: at 1 the
        loss is the paper's up to a constant factor, at 0 the plain Gaussian ELBO. The parts also report
        the MSEs (and NLLs) for comparison between the two.
        """
        cfg = self.cfg
        out = self(batch)
        mse_e, mse_p = reconstruction_terms(batch, out["expression"], out["pose"])
        kl_e = masked_mean(kl_normal(out["mu_e"], out["logvar_e"]), batch.slot_mask)
        kl_p = masked_mean(kl_normal(out["mu_p"], out["logvar_p"]), batch.slot_mask)
        parts: dict[str, Tensor] = {}
        if cfg.recon_loss == "gaussian":
            rec_e = parts["nll_e"] = gaussian_nll(batch.expression, out["expression"], cfg.obs_std_e, batch.slot_mask)
            rec_p = parts["nll_p"] = gaussian_nll(batch.pose, out["pose"], cfg.obs_std_p, batch.slot_mask)
            v_scale = cfg.n_expression / (2 * cfg.obs_std_e**2)
            a_e, a_p = v_scale**anneal, (cfg.pose_dim / (2 * cfg.obs_std_p**2)) ** anneal
        else:
            rec_e, rec_p, v_scale, a_e, a_p = mse_e, mse_p, 1.0, 1.0, 1.0
        l_e = rec_e + cfg.kl_weight * a_e * kl_e
        l_p = rec_p + cfg.kl_weight * a_p * kl_p
        total = l_e + (l_p if cfg.use_pose_loss else 0.0)
        l_v = torch.zeros(())
        if cfg.use_vertex_loss and vertex_loss is not None:
            l_v = vertex_loss(batch, out["expression"], out["pose"])
            total = total + cfg.vertex_weight * v_scale * l_v
        parts = dict(loss=total, l_e=l_e, l_p=l_p, l_v=l_v, mse_e=mse_e, mse_p=mse_p, kl_e=kl_e, kl_p=kl_p, **parts)
        return total, scalars(parts)

    # ----------------------------------------------------------------------------------- inference
    @torch.no_grad()
    def generate(
        self, text_features: Tensor, text_mask: Tensor, n_slots: Tensor, generator: torch.Generator | None = None,
        temperature: tuple[float, float] | None = None, spans: Tensor | None = None, z_e: Tensor | None = None,
        z_p: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Sample from the prior: text (B,L,D),(B,L), n_slots (B,) -> expression (B,S,E), pose (B,S,P).

        S = max_slots; slots beyond ``n_slots`` are zero. Latents z ~ N(0, τ²I) with ``temperature`` =
        (τ_e, τ_p), by default the config's ``sample_temperature_e/_p`` ((1, 1) is the paper's prior).
        ``spans`` (B,S',D): per-slot span features (models with ``use_spans``); ``z_e`` (B,S,Z): expression
        latents chosen by the caller (the generator's apex latents) instead of prior samples; ``z_p`` likewise
        for the pose (with both given nothing is drawn).
        """
        b, s, z = text_features.shape[0], self.cfg.max_slots, self.cfg.latent_dim
        t_e, t_p = temperature or (self.cfg.sample_temperature_e, self.cfg.sample_temperature_p)
        mask = slot_mask_from_counts(n_slots, s)
        ctx = self.text_context(text_features, text_mask, spans)
        if z_e is None or z_p is None:
            prior_e = torch.randn(b, s, z, generator=generator) * t_e
            prior_p = torch.randn(b, s, z, generator=generator) * t_p  # drawn even at τ 0: same stream for every τ
            z_e = prior_e if z_e is None else z_e
            z_p = prior_p if z_p is None else z_p
        expression, pose = self.decode(z_e, z_p, mask, ctx)
        return expression * mask[..., None], pose * mask[..., None]

    @torch.no_grad()
    def latents(self, batch: Batch) -> Tensor:
        """Posterior means (B, m, 2Z) = [mu_e, mu_p] of the ground truth, for t-SNE plots (Fig. 7)."""
        ctx = self.text_context(batch.text_features, batch.text_mask, batch.span_features)
        mu_e, _, mu_p, _ = self.encode(batch.expression, batch.pose, batch.slot_mask, ctx)
        return torch.cat([mu_e, mu_p], -1)
