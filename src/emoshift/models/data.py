"""Training tensors: datasets turned into tensors, with the text encoded once per unique instruction.

Instructions repeat (templates × emotion pairs), and the text encoder is frozen, so its per-token
features are computed once per unique sentence and stored trimmed to the longest sentence (masked
attention ignores padding, so trimming the shared 77-token padding changes nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from emoshift.io import atomic_write_with
from emoshift.models.losses import Batch


@dataclass
class TextTable:
    """Unique sentences and their frozen features. features (U, L, D) float16, mask (U, L) bool;
    span_index (U, 3) long into span_features (P, D) float32 (-1: no span; models/spans.py)."""

    texts: list[str]
    features: Tensor
    mask: Tensor
    spec: str = "minilm"
    span_index: Tensor | None = None
    span_features: Tensor | None = None

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.texts)}

    def lookup(self, texts: Sequence[str]) -> Tensor:
        """(N,) long row index of each sentence (all must be in the table)."""
        return torch.as_tensor([self.index[str(t)] for t in texts], dtype=torch.long)


def _table_key(texts: list[str], spec: str) -> str:
    h = hashlib.sha1(spec.encode() + b"+spans2")
    for t in texts:
        h.update(t.encode() + b"\0")
    return h.hexdigest()[:16]


def bf16_supported() -> bool:
    """Does this CPU run bfloat16 matrix products natively (AVX512-BF16 / AMX, via oneDNN)?"""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def encode_table(
    texts: Sequence[str], encoder=None, spec: str = "minilm", cache_dir: str | Path | None = None,
    progress: bool = True, chunk: int = 128, bf16: bool | None = None,
) -> TextTable:
    """Encode each unique sentence of ``texts`` once (shortest first, to waste little padding).

    With ``cache_dir`` the table is stored there (keyed by the sentences and encoder) and reused; when the
    sentences changed, the rows of the sentences an earlier table there already holds are reused and only
    the new ones are encoded. ``bf16`` (default: when the CPU has native bfloat16, :func:`bf16_supported`)
    runs the frozen encoder under bfloat16 autocast: 2.5-3.5x faster on this machine's AMX cores, features
    within 0.7% (relative norm) of float32 -- below the float16 storage's own rounding of the table's
    differences between sentences; generation encodes the user's sentence in float32.
    """
    uniq = sorted(set(map(str, texts)), key=lambda t: (len(t), t))
    cache = Path(cache_dir) / f"text_{_table_key(uniq, spec)}.pt" if cache_dir else None
    if cache is not None and cache.is_file():
        d = torch.load(cache, weights_only=True)
        return TextTable(uniq, d["features"], d["mask"], spec, d["span_index"], d["span_features"])
    if encoder is None:
        from emoshift.text.encoder import load_text_encoder

        encoder = load_text_encoder(spec)
    if bf16 is None:
        bf16 = bf16_supported()
    span_index, span_features = _span_table(uniq, encoder)
    known = _earlier_rows(cache, spec) if cache is not None else {}
    todo = [t for t in uniq if t not in known]
    feats, masks = [], []
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for start in tqdm(range(0, len(todo), chunk), desc="encoding text", unit="batch", disable=not progress):
            feats += [f.half() for f in _encode_rows(encoder, todo[start : start + chunk])]
    new = dict(zip(todo, feats))
    rows = [known[t] if t in known else new[t] for t in uniq]
    length = max((len(r) for r in rows), default=1)
    features = torch.zeros(len(uniq), length, encoder.dim, dtype=torch.float16)
    mask = torch.zeros(len(uniq), length, dtype=torch.bool)
    for u, r in enumerate(rows):
        features[u, : len(r)] = r
        mask[u, : len(r)] = True
    table = TextTable(uniq, features, mask, spec, span_index, span_features)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        d = {"features": table.features, "mask": table.mask, "span_index": span_index, "span_features": span_features,
             "texts": uniq, "spec": spec}  # fmt: skip
        atomic_write_with(cache, lambda p: torch.save(d, p))
    return table


def _encode_rows(encoder, texts: list[str]) -> list[Tensor]:
    """Per sentence its unpadded (L, D) features, past the encoder's per-sentence cache when it has one
    (``HFTextEncoder._run``): the table's bfloat16 features must not be served later to generation."""
    if hasattr(encoder, "_run"):
        return encoder._run(texts)
    f, m = encoder.encode(texts)
    return [row[: int(n)] for row, n in zip(f, m.sum(1).tolist())]


def _earlier_rows(cache: Path, spec: str) -> dict[str, Tensor]:
    """{sentence: (L, D) float16 features} from the other text tables in ``cache``'s folder (same encoder)."""
    out: dict[str, Tensor] = {}
    for old in sorted(cache.parent.glob("text_*.pt")):
        if old == cache:
            continue
        try:
            d = torch.load(old, weights_only=True)
        except Exception:  # a partial or foreign file: encode afresh
            continue
        if d.get("spec") != spec or "texts" not in d:
            continue
        lengths = d["mask"].sum(1).tolist()
        for t, f, n in zip(d["texts"], d["features"], lengths):
            out.setdefault(t, f[: int(n)])
    return out


def _span_table(texts: list[str], encoder, max_slots: int = 3) -> tuple[Tensor, Tensor]:
    """(U, max_slots) index of each sentence's parser spans into (P, D) features of the unique spans."""
    from emoshift.models.spans import encode_phrases, text_spans

    spans = [text_spans(t)[:max_slots] for t in texts]
    phrases = sorted({p for s in spans for p in s})
    where = {p: i for i, p in enumerate(phrases)}
    index = torch.full((len(texts), max_slots), -1, dtype=torch.long)
    for u, s in enumerate(spans):
        index[u, : len(s)] = torch.as_tensor([where[p] for p in s], dtype=torch.long)
    return index, encode_phrases(encoder, phrases)


@dataclass
class TensorData:
    """Samples as tensors (N samples): text_index (N,) into ``table``, expression (N,3,53), pose (N,3,3),
    n_slots (N,), identity (N,K) per sample, emotion (N,3) labels (-1 pad), intensity (N,3)."""

    table: TextTable
    text_index: Tensor
    expression: Tensor
    pose: Tensor
    n_slots: Tensor
    identity: Tensor
    emotion: Tensor
    intensity: Tensor

    def __len__(self) -> int:
        return len(self.text_index)

    @classmethod
    def from_datasets(cls, datasets, table: TextTable, split: str | tuple[str, ...] | None = None) -> TensorData:
        """Concatenate one or several ``ExpressionDataset`` (optionally one split of each)."""
        if not isinstance(datasets, (list, tuple)):
            datasets = [datasets]
        parts = [d.subset(split) if split else d for d in datasets]
        cat = lambda xs: torch.from_numpy(np.concatenate(xs))  # noqa: E731
        return cls(
            table=table,
            text_index=torch.cat([table.lookup(d.text) for d in parts]),
            expression=cat([d.expression for d in parts]).float(),
            pose=cat([d.pose for d in parts]).float(),
            n_slots=cat([d.n_slots.astype(np.int64) for d in parts]),
            identity=cat([d.identity[d.subject] for d in parts]).float(),
            emotion=cat([d.emotion.astype(np.int64) for d in parts]),
            intensity=cat([d.intensity for d in parts]).float(),
        )

    def batch(self, idx: Tensor) -> Batch:
        """A :class:`Batch` of rows ``idx``, trimmed to its longest text and its largest slot count."""
        ti = self.text_index[idx]
        mask = self.table.mask[ti]
        length = max(int(mask.sum(1).max()), 1)
        m = int(self.n_slots[idx].max())
        slot_mask = torch.arange(m)[None] < self.n_slots[idx][:, None]
        spans = None
        if self.table.span_index is not None:
            si = self.table.span_index[ti, :m]
            spans = self.table.span_features[si.clamp_min(0)] * ((si >= 0) & slot_mask)[..., None]
        return Batch(
            text_features=self.table.features[ti, :length].float(),
            text_mask=mask[:, :length],
            expression=self.expression[idx, :m],
            pose=self.pose[idx, :m],
            slot_mask=slot_mask,
            identity=self.identity[idx],
            span_features=spans,
        )
