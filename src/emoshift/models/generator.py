"""Instruction -> anchor expressions and head rotations with a trained model (the FET module, §III-B).

The parser gives only the number of anchors m (and labels for the output); the model itself is
conditioned on the text encoder's features, as in the paper. The shipped default checkpoint holds the
I2FET weights, their config and a NED for neutral faces (§IV-F).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from emoshift.io import UserError, atomic_write_with
from emoshift.models.ned import NED, NEDConfig
from emoshift.text.parser import ParsedInstruction, parse_instruction

DEFAULT_CHECKPOINT = "i2fet_default.pt"


@contextmanager
def single_thread():
    """Run torch on one thread for a moment: the per-instruction model is so small that OpenMP's
    thread hand-off costs more than it saves, and on a busy machine a second thread can stall a call
    by 100+ ms (bench/bench_generate.py: median 10 ms, p95 430 ms with 2 threads vs 1.7 / 6 ms)."""
    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


@dataclass
class GeneratedPlan:
    """The anchors for one instruction: ``expressions`` (m,53) ICT weights in [0,1], ``rotations`` (m,3)
    absolute head rotations, axis-angle radians, one per emotion of ``parsed`` in order."""

    parsed: ParsedInstruction
    expressions: np.ndarray
    rotations: np.ndarray

    def to_json(self, names: tuple[str, ...] | list[str] | None = None, digits: int = 4) -> dict:
        """{"emotions", "intensities", "anchors": [{"emotion", "expression": {name: w}, "rotation", "pitch_yaw_roll_deg"}]}."""
        from emoshift.emotions import EXPRESSION_NAMES
        from emoshift.headmodel.ops import axis_angle_to_matrix, matrix_to_euler

        names = list(names or EXPRESSION_NAMES)
        pyr = matrix_to_euler(axis_angle_to_matrix(torch.as_tensor(self.rotations, dtype=torch.float32))).numpy()
        anchors = []
        for i, emo in enumerate(self.parsed.emotions):
            anchors.append({
                "emotion": emo,
                "expression": {n: round(float(w), digits) for n, w in zip(names, self.expressions[i])},
                "rotation": [round(float(x), digits + 2) for x in self.rotations[i]],
                "pitch_yaw_roll_deg": [round(float(x), 2) for x in pyr[i]],
            })
        return {"emotions": list(self.parsed.emotions), "intensities": list(self.parsed.intensities),
                "anchors": anchors}


def default_checkpoint_path() -> Path:
    return Path(str(resources.files("emoshift.resources").joinpath(DEFAULT_CHECKPOINT)))


def save_checkpoint(path: str | Path, model: nn.Module, ned: NED | None = None, meta: dict | None = None) -> Path:
    """Write a generator checkpoint atomically: model config + weights, optional NED, meta (e.g. the command)."""
    from emoshift.models.train import model_state

    d = {"model": model_state(model), "meta": dict(meta or {})}
    if ned is not None:
        d["ned"] = {"config": ned.cfg.to_dict(), "state": ned.state_dict()}
    return atomic_write_with(path, lambda p: torch.save(d, p))


class Generator:
    """A trained I2FET (or baseline) with its frozen text encoder and NED; generation is seeded."""

    def __init__(self, model: nn.Module, ned: NED | None = None, text_encoder=None, meta: dict | None = None) -> None:
        self.model = model.eval()
        self.ned = ned.eval() if ned is not None else None
        self._encoder = text_encoder
        self.meta = dict(meta or {})

    @classmethod
    def load(cls, path: str | Path, text_encoder=None) -> Generator:
        from emoshift.models.train import model_from_state

        path = Path(path)
        if not path.is_file():
            raise UserError(f"model checkpoint not found: {path}")
        try:
            d = torch.load(path, weights_only=True, map_location="cpu")
            model = model_from_state(d["model"])
        except Exception as err:  # unpickling, zip, missing keys, shape mismatches
            raise UserError(f"cannot read model checkpoint {path}: {str(err).splitlines()[0]}") from None
        ned = None
        if "ned" in d:
            ned = NED(NEDConfig(**d["ned"]["config"]))
            ned.load_state_dict(d["ned"]["state"])
        return cls(model, ned, text_encoder, d.get("meta"))

    @classmethod
    def load_default(cls) -> Generator:
        """The checkpoint shipped in ``emoshift/resources`` (see resources/TRAINING.md for how it was made)."""
        return cls.load(default_checkpoint_path())

    def save(self, path: str | Path) -> Path:
        return save_checkpoint(path, self.model, self.ned, self.meta)

    @property
    def text_encoder(self):
        if self._encoder is None:
            from emoshift.text.encoder import load_text_encoder

            self._encoder = load_text_encoder(self.model.cfg.text_encoder)
            if self._encoder.dim != self.model.cfg.text_dim:
                raise UserError(
                    f"text encoder gives {self._encoder.dim}-d features, the model expects {self.model.cfg.text_dim}"
                )
        return self._encoder

    # ------------------------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate_batch(self, texts: list[str], n_slots, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Many instructions at once (no parsing): n_slots (B,) ints -> expressions (B,3,53), rotations (B,3,3).

        Slots past each ``n_slots`` are zero. For evaluation; one generator seeded with ``seed`` draws all.
        """
        feats, mask = self.text_encoder.encode(list(texts))
        n = torch.as_tensor(np.asarray(n_slots), dtype=torch.long)
        e, r = self.model.generate(feats, mask, n, torch.Generator().manual_seed(int(seed)))
        return e.numpy(), r.numpy()

    @torch.no_grad()
    def generate(self, text: str, seed: int = 0, n_samples: int = 1) -> list[GeneratedPlan]:
        """``n_samples`` plans for one instruction; sample i is drawn with seed ``seed + i``.

        Raises UserError (from the parser) for empty, over-long, non-English or emotion-less text.
        """
        if n_samples < 1:
            raise UserError(f"n_samples must be at least 1, got {n_samples}")
        parsed = parse_instruction(text)
        m = len(parsed.emotions)
        plans = []
        with single_thread():  # one short sentence: MiniLM is also faster on one thread here
            feats, mask = self.text_encoder.encode([text])
            for i in range(n_samples):
                g = torch.Generator().manual_seed(int(seed) + i)
                e, r = self.model.generate(feats, mask, torch.tensor([m]), g)
                plans.append(GeneratedPlan(parsed, e[0, :m].numpy().copy(), r[0, :m].numpy().copy()))
        return plans

    @torch.no_grad()
    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A neutral face from NED: expression (53,) in [0,1] and head rotation (3,) axis-angle radians."""
        if self.ned is None:
            raise UserError("this model checkpoint has no neutral encoder-decoder (NED)")
        with single_thread():
            e, r = self.ned.sample(1, torch.Generator().manual_seed(int(seed)))
        return e[0].numpy(), r[0].numpy()

