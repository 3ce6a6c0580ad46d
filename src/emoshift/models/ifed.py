"""IFED, the Instruction-driven Facial Expression Decomposer (paper §III-B, eqs. 1-4, Fig. 3).

A dual-branch transformer in the style of CrossViT: a facial-parameter branch over the m slot tokens
``x^f`` and a text branch over the projected per-token text features ``x^t``, fused by CAFT
cross-attention, layer-normed and concatenated (eq. 3), then split by linear projections into the
conditional vectors for the expression and pose encoders/decoders (eq. 4).

Shapes: B batch, m <= max_slots slots, L text tokens, F = n_expression + pose_dim.

Grounding (issue 13.1, ``use_spans``; our addition to the paper): each slot also receives the pooled
text features of *its own span* of the sentence, the words the parser read for that anchor ("very
furious"), projected like the sentence (P_s) and added to the slot's facial token and text query. The
paper's slot queries are the whole sentence plus a slot index, so which emotion goes to which slot had
to be inferred from word order in the pooled features; with the spans the slot knows its words, and the
sentence (through CAFT) still carries everything else. ``span_features`` None = no spans (the paper).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from emoshift.models.config import TrainConfig
from emoshift.text.encoder import MAX_TOKENS, pooled


def transformer_stack(d: int, n_layers: int, cfg: TrainConfig) -> nn.ModuleList:
    """Pre-norm encoder layers: ``y = x + MSA(LN(x)); x̂ = y + FFN(LN(y))`` (eq. 1)."""
    return nn.ModuleList(
        nn.TransformerEncoderLayer(
            d, cfg.n_heads, cfg.ff_mult * d, cfg.dropout, activation="gelu", batch_first=True, norm_first=True
        )
        for _ in range(n_layers)
    )


def run_stack(layers: nn.ModuleList, x: Tensor, pad: Tensor) -> Tensor:
    """Apply the layers with ``pad`` (B, L) True where a token is padding."""
    for layer in layers:
        x = layer(x, src_key_padding_mask=pad)
    return x


def padding_mask(pad: Tensor, query: Tensor, n_heads: int) -> Tensor:
    """A key padding mask (B, S) True at padding as the additive ``attn_mask`` (B*heads, L, S) of a
    ``MultiheadAttention`` with queries (B, L, ·): 0 where attended, -inf at padding.

    The same numbers ``key_padding_mask=pad`` gives, without its shape check: that check
    (``torch._check_with``) imports sympy (0.3-0.7 s) on a process's first call.
    """
    b, s = pad.shape
    add = torch.zeros(pad.shape, dtype=query.dtype, device=query.device).masked_fill_(pad, float("-inf"))
    return add.view(b, 1, 1, s).expand(b, n_heads, query.shape[1], s).reshape(b * n_heads, query.shape[1], s)


@dataclass
class TextContext:
    """The text branch's output, computed once per batch and shared by both IFED calls of I2FET.

    tokens: (B, L, d_text) x̂^t; pad: (B, L) True at padding; query: (B, max_slots, d_text) the text
    replicated per slot (the paper's ``{x}_i^t``) with a slot embedding (plus the slot's span);
    span_face: (B, max_slots, d_face) the span added to the facial tokens, or None.
    """

    tokens: Tensor
    pad: Tensor
    query: Tensor
    span_face: Tensor | None = None


class CAFTLayer(nn.Module):
    """One cross-attention layer between the slot tokens and the text (eq. 2).

    face→text: the slot tokens, projected to the text width (h^{f2t}), query ``[themselves ; text tokens]``;
    the result plus the projected query is projected back (g^{t2f}) and added to the face tokens.
    text→face: the per-slot text queries, projected to the face width (h^{t2f}), query
    ``[themselves ; slot tokens]``, and are projected back (g^{f2t}). With one token per slot the paper's
    concatenation with the branch's own tokens (⊗ x̂_1) becomes this residual sum.
    """

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        df, dt = cfg.d_face, cfg.d_text
        self.h_f2t, self.g_t2f = nn.Linear(df, dt), nn.Linear(dt, df)
        self.h_t2f, self.g_f2t = nn.Linear(dt, df), nn.Linear(df, dt)
        self.ln_f, self.ln_t = nn.LayerNorm(dt), nn.LayerNorm(df)
        self.ca_f = nn.MultiheadAttention(dt, cfg.n_heads, dropout=cfg.dropout, batch_first=True)
        self.ca_t = nn.MultiheadAttention(df, cfg.n_heads, dropout=cfg.dropout, batch_first=True)

    def forward(self, xf: Tensor, slot_pad: Tensor, xq: Tensor, text: Tensor, text_pad: Tensor) -> tuple[Tensor, Tensor]:
        """xf (B,m,d_face) slot tokens, slot_pad (B,m), xq (B,m,d_text) text queries, text (B,L,d_text)."""
        yf = self.h_f2t(xf)
        kv = self.ln_f(torch.cat([yf, text], 1))
        mask = padding_mask(torch.cat([slot_pad, text_pad], 1), yf, self.ca_f.num_heads)
        a, _ = self.ca_f(self.ln_f(yf), kv, kv, attn_mask=mask, need_weights=False)
        xf_o = xf + self.g_t2f(a + yf)
        yt = self.h_t2f(xq)
        kv = self.ln_t(torch.cat([yt, xf], 1))
        mask = padding_mask(torch.cat([slot_pad, slot_pad], 1), yt, self.ca_t.num_heads)
        a, _ = self.ca_t(self.ln_t(yt), kv, kv, attn_mask=mask, need_weights=False)
        xt_o = xq + self.g_f2t(a + yt)
        return xf_o, xt_o


class IFED(nn.Module):
    """``IFED(x^f, x^t) -> (x_emb^e (B,m,cond_e), x_emb^p (B,m,cond_p))``."""

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n_in = cfg.n_expression + cfg.pose_dim
        self.face_in = nn.Linear(n_in, cfg.d_face)
        # slot embeddings at unit scale: at the decoder stage the slot tokens carry sampled latents, and the slot's
        # index (which emotion of the sentence it is) must not drown in that noise at initialisation
        self.face_slot = nn.Parameter(torch.randn(cfg.max_slots, cfg.d_face))
        self.face_branch = transformer_stack(cfg.d_face, cfg.n_face_layers, cfg)  # E_p, N layers
        # P_t: LayerNorm first, since BERT-style encoders have a few outlier feature dims of large magnitude
        self.text_proj = nn.Sequential(nn.LayerNorm(cfg.text_dim), nn.Linear(cfg.text_dim, cfg.d_text))
        self.text_pos = nn.Parameter(torch.randn(MAX_TOKENS, cfg.d_text) * 0.1)
        self.text_branch = transformer_stack(cfg.d_text, cfg.n_text_layers, cfg)  # E_t, M layers
        self.text_slot = nn.Parameter(torch.randn(cfg.max_slots, cfg.d_text))
        self.caft = nn.ModuleList(CAFTLayer(cfg) for _ in range(cfg.caft_layers))
        self.ln_t, self.ln_f = nn.LayerNorm(cfg.d_text), nn.LayerNorm(cfg.d_face)
        self.p_e = nn.Linear(cfg.d_text + cfg.d_face, cfg.cond_e_dim)  # P_e
        self.p_p = nn.Linear(cfg.d_text + cfg.d_face, cfg.cond_p_dim)  # P_p
        if cfg.use_spans:  # P_s: a slot's span features, to the text query and to the facial token
            self.span_proj = nn.Sequential(nn.LayerNorm(cfg.text_dim), nn.Linear(cfg.text_dim, cfg.d_text))
            self.span_face = nn.Linear(cfg.d_text, cfg.d_face)

    def encode_text(self, features: Tensor, mask: Tensor, spans: Tensor | None = None) -> TextContext:
        """features (B,L,text_dim), mask (B,L) True at tokens, spans (B,S<=max_slots,text_dim) pooled span
        features (zeros for unused slots) -> the text branch's :class:`TextContext`."""
        pad = ~mask
        x = self.text_proj(features) + self.text_pos[: features.shape[1]]
        x = run_stack(self.text_branch, x, pad)
        query = pooled(x, mask)[:, None, :] + self.text_slot[None]
        span_face = None
        if self.cfg.use_spans and spans is not None:  # None: no span known (a slot index only, as the paper)
            s = torch.zeros(len(x), self.cfg.max_slots, features.shape[-1], dtype=x.dtype, device=x.device)
            s[:, : spans.shape[1]] = spans.to(x.dtype)
            sp = self.span_proj(s) * (s.abs().sum(-1, keepdim=True) > 0)
            query = query + sp
            span_face = self.span_face(sp)
        return TextContext(x, pad, query, span_face)

    def forward(self, xf: Tensor, slot_mask: Tensor, ctx: TextContext) -> tuple[Tensor, Tensor]:
        """xf (B,m,F) facial parameters (or the transformed latents, eq. 8); slot_mask (B,m) True = used slot."""
        m = xf.shape[1]
        pad = ~slot_mask
        f = self.face_in(xf) + self.face_slot[:m]
        if ctx.span_face is not None:
            f = f + ctx.span_face[:, :m]
        f = run_stack(self.face_branch, f, pad)
        q = ctx.query[:, :m]
        for layer in self.caft:
            f, q = layer(f, pad, q, ctx.tokens, ctx.pad)
        fused = torch.cat([self.ln_t(q), self.ln_f(f)], -1)  # eq. 3
        return self.p_e(fused), self.p_p(fused)  # eq. 4


class PlainCondition(nn.Module):
    """The "w/o IFED" ablation: conditions from the pooled text and the slot index, no facial branch."""

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.p_e = nn.Linear(cfg.text_dim + cfg.max_slots, cfg.cond_e_dim)
        self.p_p = nn.Linear(cfg.text_dim + cfg.max_slots, cfg.cond_p_dim)

    def encode_text(self, features: Tensor, mask: Tensor, spans: Tensor | None = None) -> TextContext:
        p = pooled(features, mask)
        slots = torch.eye(self.cfg.max_slots, dtype=p.dtype, device=p.device)
        query = torch.cat([p[:, None].expand(-1, self.cfg.max_slots, -1), slots[None].expand(len(p), -1, -1)], -1)
        return TextContext(features, ~mask, query)

    def forward(self, xf: Tensor, slot_mask: Tensor, ctx: TextContext) -> tuple[Tensor, Tensor]:
        q = ctx.query[:, : xf.shape[1]]
        return self.p_e(q), self.p_p(q)


def build_conditioner(cfg: TrainConfig) -> nn.Module:
    return IFED(cfg) if cfg.use_ifed else PlainCondition(cfg)


__all__ = ["IFED", "PlainCondition", "TextContext", "build_conditioner"]
