"""The expression-dataset file format: instruction samples with 1-3 (expression, pose) targets per subject.

One sample is the paper's tuple (instruction, ((e0, θ0), (e1, θ1)), subject, labels), widened to 1-3 slots,
plus the subject's identity so a vertex loss can be computed. Stored as one ``.npz`` (no pickles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from emoshift.emotions import EMOTIONS
from emoshift.io import UserError, atomic_write_with

SPLITS = ("train", "val", "test", "test_unseen_phrasing")
MAX_SLOTS = 3

# name -> (dtype, trailing shape); N = samples, S = subjects, M = neutral frames
_SPEC: dict[str, tuple[str, tuple[int, ...]]] = {
    "text": ("U", ()),
    "n_slots": ("int8", ()),
    "expression": ("float32", (MAX_SLOTS, 53)),
    "pose": ("float32", (MAX_SLOTS, 3)),
    "emotion": ("int8", (MAX_SLOTS,)),
    "intensity": ("float32", (MAX_SLOTS,)),
    "subject": ("int32", ()),
    "split": ("U", ()),
    "template": ("int16", ()),
    "identity": ("float32", (50,)),
    "neutral_expression": ("float32", (53,)),
    "neutral_pose": ("float32", (3,)),
    "neutral_subject": ("int32", ()),
    "neutral_split": ("U", ()),
}
_PER_SAMPLE = ("text", "n_slots", "expression", "pose", "emotion", "intensity", "subject", "split", "template")
_PER_NEUTRAL = ("neutral_expression", "neutral_pose", "neutral_subject", "neutral_split")


@dataclass
class ExpressionDataset:
    """Instruction -> expression samples (N samples, S subjects, M neutral frames).

    text (N,) str; n_slots (N,) int8 in 1..3; expression (N,3,53) float32 ICT weights (unused slots 0);
    pose (N,3,3) float32 axis-angle radians per slot; emotion (N,3) int8 index into EMOTIONS (-1 pad);
    intensity (N,3) float32 (the instruction's intensity word, 1.0 default, 0 pad); subject (N,) int32
    into identity; identity (S,50) float32 ICT identity weights; split (N,) str in :data:`SPLITS`;
    template (N,) int16 index into ``meta["templates"]`` (-1 = not from a template);
    neutral_expression (M,53), neutral_pose (M,3) axis-angle, neutral_subject (M,), neutral_split (M,)
    are neutral frames for the neutral-expression decoder; meta: preset, seed, emotions, templates, ...
    """

    text: np.ndarray
    n_slots: np.ndarray
    expression: np.ndarray
    pose: np.ndarray
    emotion: np.ndarray
    intensity: np.ndarray
    subject: np.ndarray
    identity: np.ndarray
    split: np.ndarray
    template: np.ndarray
    neutral_expression: np.ndarray
    neutral_pose: np.ndarray
    neutral_subject: np.ndarray
    neutral_split: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "meta":
                continue
            kind, shape = _SPEC[f.name]
            arr = np.asarray(getattr(self, f.name))
            arr = arr.astype(str) if kind == "U" else arr.astype(kind, copy=False)
            if arr.shape[1:] != shape:
                raise ValueError(f"{f.name} has shape {arr.shape}, expected (*, {', '.join(map(str, shape))})")
            setattr(self, f.name, arr)
        n, m = len(self.text), len(self.neutral_expression)
        for k in _PER_SAMPLE:
            if len(getattr(self, k)) != n:
                raise ValueError(f"{k} has {len(getattr(self, k))} rows, expected {n}")
        for k in _PER_NEUTRAL:
            if len(getattr(self, k)) != m:
                raise ValueError(f"{k} has {len(getattr(self, k))} rows, expected {m}")

    def __len__(self) -> int:
        return len(self.text)

    @property
    def n_subjects(self) -> int:
        return len(self.identity)

    # ------------------------------------------------------------------------------------------ views
    def subset(self, split: str | tuple[str, ...]) -> ExpressionDataset:
        """The samples (and neutral frames) of one split or several; identities stay indexed as before."""
        names = (split,) if isinstance(split, str) else tuple(split)
        for s in names:
            if s not in SPLITS:
                raise ValueError(f"unknown split '{s}'; known: {', '.join(SPLITS)}")
        keep, keep_n = np.isin(self.split, names), np.isin(self.neutral_split, names)
        kw = {k: getattr(self, k)[keep] for k in _PER_SAMPLE}
        kw.update({k: getattr(self, k)[keep_n] for k in _PER_NEUTRAL})
        return ExpressionDataset(identity=self.identity, meta=dict(self.meta), **kw)

    def counts(self) -> dict[str, dict[str, int]]:
        """split -> emotion name -> number of filled slots with that label (plus "samples")."""
        emotions = self.meta.get("emotions") or EMOTIONS
        out: dict[str, dict[str, int]] = {}
        for s in SPLITS:
            sel = self.split == s
            labels = self.emotion[sel]
            row = {e: int((labels == i).sum()) for i, e in enumerate(EMOTIONS) if e in emotions}
            row["samples"] = int(sel.sum())
            out[s] = row
        return out

    # --------------------------------------------------------------------------------------------- io
    def save(self, path: str | Path) -> Path:
        """Write an ``.npz`` atomically (no pickled objects; meta as JSON)."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}
        arrays["meta_json"] = np.asarray(json.dumps(self.meta))

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

        return atomic_write_with(path, write)

    @classmethod
    def load(cls, path: str | Path) -> ExpressionDataset:
        """Read a file written by :meth:`save`; raises UserError naming the file on any problem."""
        path = Path(path)
        if not path.is_file():
            raise UserError(f"dataset file not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as d:
                missing = [k for k in [*_SPEC, "meta_json"] if k not in d.files]
                if missing:
                    raise UserError(f"{path} is not an emoshift dataset (missing {', '.join(missing)})")
                kw = {k: d[k] for k in _SPEC}
                meta = json.loads(str(d["meta_json"]))
        except UserError:
            raise
        except Exception as err:  # zip/npz/json errors
            raise UserError(f"cannot read dataset {path}: {err}") from None
        try:
            return cls(meta=meta, **kw)
        except ValueError as err:
            raise UserError(f"{path}: {err}") from None

