"""I2FET and NED inference in numpy: what ``emoshift generate`` and ``animate`` run, without torch.

The checkpoint (``model.pt``) is a torch file; reading it needs torch. Its tensors are therefore exported
once to numpy arrays kept uncompressed in the user cache (:func:`emoshift.assets.cached_arrays`, keyed on
the checkpoint's path, size, modification time and inode, written whole and renamed into place), and
later processes read those in milliseconds. ``make install`` (:mod:`emoshift.warmup`) writes the copy of
the shipped checkpoint; otherwise the first generation does.

:class:`NumpyI2FET` mirrors :meth:`emoshift.models.i2fet.I2FET.generate` with the caller's latents
(IFED with spans, CAFT, the MLP decoders) and :class:`NumpyNED` NED's decoder; both take the checkpoint's
state dict as it is named in torch. Only the I2FET with IFED is covered (the shipped kind);
:func:`numpy_supported` says when, and the generator falls back to torch otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from emoshift import npnn
from emoshift.models.config import TrainConfig
from emoshift.text.encoder import pooled_array

#: Bump when the exported layout changes: older copies are then rebuilt.
EXPORT_VERSION = 1


def numpy_supported(cfg: TrainConfig) -> bool:
    """Can :class:`NumpyI2FET` run this config? (I2FET with IFED, as the shipped model.)"""
    return cfg.model == "i2fet" and cfg.use_ifed


class NumpyI2FET:
    """I2FET's inference (:meth:`generate`) on a state dict of arrays; ``cfg`` as the torch model's."""

    def __init__(self, cfg: TrainConfig, state: dict[str, np.ndarray]) -> None:
        if not numpy_supported(cfg):
            raise ValueError(f"numpy inference covers I2FET with IFED, not {cfg.model} (use_ifed={cfg.use_ifed})")
        self.cfg = cfg
        self.p = {k: np.ascontiguousarray(v, np.float32) for k, v in state.items()}
        self.c = npnn.sub(self.p, "cond.")

    def _stack(self, x: np.ndarray, pad: np.ndarray, name: str, n_layers: int) -> np.ndarray:
        bias = npnn.padding_bias(pad)
        for i in range(n_layers):
            x = npnn.encoder_layer(x, bias, self.c, self.cfg.n_heads, f"{name}.{i}.")
        return x

    def text_context(self, features: np.ndarray, mask: np.ndarray, spans: np.ndarray | None):
        """IFED.encode_text: -> (tokens (B,L,d_text), pad (B,L), query (B,S,d_text), span_face or None)."""
        c, cfg = self.c, self.cfg
        pad = ~mask
        x = npnn.linear(npnn.layer_norm(features, c, "text_proj.0."), c, "text_proj.1.") + c["text_pos"][: features.shape[1]]
        x = self._stack(x, pad, "text_branch", cfg.n_text_layers)
        query = pooled_array(x, mask)[:, None, :] + c["text_slot"][None]
        span_face = None
        if cfg.use_spans and spans is not None:
            s = np.zeros((len(x), cfg.max_slots, features.shape[-1]), np.float32)
            s[:, : spans.shape[1]] = spans
            sp = npnn.linear(npnn.layer_norm(s, c, "span_proj.0."), c, "span_proj.1.")
            sp = sp * (np.abs(s).sum(-1, keepdims=True) > 0)
            query = query + sp
            span_face = npnn.linear(sp, c, "span_face.")
        return x, pad, query, span_face

    def _caft(self, i: int, xf, slot_pad, xq, text, text_pad):
        """CAFTLayer.forward."""
        p, heads = npnn.sub(self.c, f"caft.{i}."), self.cfg.n_heads
        yf = npnn.linear(xf, p, "h_f2t.")
        kv = npnn.layer_norm(np.concatenate([yf, text], 1), p, "ln_f.")
        bias = npnn.padding_bias(np.concatenate([slot_pad, text_pad], 1))
        a = npnn.multihead_attention(npnn.layer_norm(yf, p, "ln_f."), kv, kv, p, heads, bias, "ca_f.")
        xf_o = xf + npnn.linear(a + yf, p, "g_t2f.")
        yt = npnn.linear(xq, p, "h_t2f.")
        kv = npnn.layer_norm(np.concatenate([yt, xf], 1), p, "ln_t.")
        bias = npnn.padding_bias(np.concatenate([slot_pad, slot_pad], 1))
        a = npnn.multihead_attention(npnn.layer_norm(yt, p, "ln_t."), kv, kv, p, heads, bias, "ca_t.")
        return xf_o, xq + npnn.linear(a + yt, p, "g_f2t.")

    def condition(self, xf: np.ndarray, slot_mask: np.ndarray, ctx) -> tuple[np.ndarray, np.ndarray]:
        """IFED.forward: (B,m,F) and the text context -> the conditions (B,m,cond_e), (B,m,cond_p)."""
        c, cfg = self.c, self.cfg
        tokens, text_pad, query, span_face = ctx
        m = xf.shape[1]
        pad = ~slot_mask
        f = npnn.linear(xf, c, "face_in.") + c["face_slot"][:m]
        if span_face is not None:
            f = f + span_face[:, :m]
        f = self._stack(f, pad, "face_branch", cfg.n_face_layers)
        q = query[:, :m]
        for i in range(cfg.caft_layers):
            f, q = self._caft(i, f, pad, q, tokens, text_pad)
        fused = np.concatenate([npnn.layer_norm(q, c, "ln_t."), npnn.layer_norm(f, c, "ln_f.")], -1)
        return npnn.linear(fused, c, "p_e."), npnn.linear(fused, c, "p_p.")

    def generate(self, features: np.ndarray, mask: np.ndarray, n_slots: np.ndarray, z_e: np.ndarray,
                 z_p: np.ndarray, spans: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """I2FET.generate with the latents given: text (B,L,D), (B,L) bool, n_slots (B,), z_e, z_p (B,S,Z)
        -> expression (B,S,53) in [0, 1], pose (B,S,3); slots past ``n_slots`` are zero."""
        p, cfg = self.p, self.cfg
        features = np.asarray(features, np.float32)
        mask = np.asarray(mask, bool)
        slot_mask = np.arange(cfg.max_slots)[None] < np.asarray(n_slots)[:, None]
        ctx = self.text_context(features, mask, None if spans is None else np.asarray(spans, np.float32))
        z_e, z_p = np.asarray(z_e, np.float32), np.asarray(z_p, np.float32)
        xf = np.concatenate([npnn.linear(z_e, p, "t_e."), npnn.linear(z_p, p, "t_p.")], -1)
        ce, cp = self.condition(xf, slot_mask, ctx)
        expression = npnn.sigmoid(npnn.mlp(np.concatenate([z_e, ce], -1), p, "dec_e.", cfg.mlp_layers))
        pose = npnn.mlp(np.concatenate([z_p, cp], -1), p, "dec_p.", cfg.mlp_layers)
        keep = slot_mask[..., None].astype(np.float32)
        return expression * keep, pose * keep


class NumpyNED:
    """NED's decoder (``sample`` = decode of prior draws) on a state dict of arrays."""

    def __init__(self, config: dict, state: dict[str, np.ndarray]) -> None:
        self.cfg = SimpleNamespace(**config)  # NEDConfig's fields (latent_dim, n_layers, ...)
        self.p = {k: np.ascontiguousarray(v, np.float32) for k, v in state.items()}

    def decode(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, Z) -> expression (B, 53) in [0, 1], pose (B, 3)."""
        n = int(self.cfg.n_layers)
        return npnn.sigmoid(npnn.mlp(z, self.p, "dec_e.", n)), npnn.mlp(z, self.p, "dec_p.", n)


# ------------------------------------------------------------------------------------------- export


def export_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a generator checkpoint as arrays (needs torch): ``model.<name>``, ``ned.<name>``,
    ``apex.<emotion>``, and its JSON parts (model config, NED config, meta) in ``__json__``."""
    import torch

    d = torch.load(path, weights_only=True, map_location="cpu")
    out = {f"model.{k}": v.detach().float().numpy() for k, v in d["model"]["state"].items()}
    info = {"version": EXPORT_VERSION, "kind": d["model"].get("kind"), "config": d["model"]["config"],
            "meta": d.get("meta", {}), "ned_config": d["ned"]["config"] if "ned" in d else None}  # fmt: skip
    if "ned" in d:
        out.update({f"ned.{k}": v.detach().float().numpy() for k, v in d["ned"]["state"].items()})
    for k, v in (d.get("apex_latents") or {}).items():
        out[f"apex.{k}"] = v.detach().float().numpy()
    out["__json__"] = np.array(json.dumps(info))
    return out


def load_numpy_checkpoint(path: Path):
    """(NumpyI2FET, NumpyNED or None, meta, apex {emotion: (K, Z)}) of a checkpoint, through the cached
    export (:func:`export_checkpoint`), or None when the checkpoint's model is not :func:`numpy_supported`."""
    from emoshift.assets import cached_arrays

    arrays = cached_arrays(path, export_checkpoint, tag=f"numpy{EXPORT_VERSION}")
    info = json.loads(str(arrays["__json__"]))
    if info.get("version") != EXPORT_VERSION:
        raise ValueError("stale numpy export")
    cfg = TrainConfig.from_dict(info["config"])
    if not numpy_supported(cfg):
        return None
    model = NumpyI2FET(cfg, npnn.sub(arrays, "model."))
    ned = NumpyNED(info["ned_config"], npnn.sub(arrays, "ned.")) if info.get("ned_config") else None
    # a missing or misshapen tensor fails here, at load, not at the first instruction
    s, z = cfg.max_slots, cfg.latent_dim
    text = np.zeros((1, 4, cfg.text_dim), np.float32)
    model.generate(text, np.ones((1, 4), bool), np.array([s]), np.zeros((1, s, z), np.float32),
                   np.zeros((1, s, z), np.float32), np.zeros((1, s, cfg.text_dim), np.float32) if cfg.use_spans else None)
    if ned is not None:
        ned.decode(np.zeros((1, ned.cfg.latent_dim), np.float32))
    return model, ned, info.get("meta") or {}, npnn.sub(arrays, "apex.")
