"""Instruction -> anchor expressions and head rotations with a trained model (the FET module, §III-B).

The parser gives the number of anchors m, the labels for the output and each anchor's words (its
span, models/spans.py); the model is conditioned on the text encoder's features of the sentence, as in
the paper, and of each span. Each slot's expression latent is one of the checkpoint's apex latents of
the emotion the parser read there, never one of its apex outliers (models/apex.py), and every anchor
is checked against that reading (:func:`emoshift.models.apex.anchor_consistent`): a slot that does not
read as its emotion is drawn again (up to ``RESAMPLE`` times, the last redraws with the slot's words in
the parser's canonical form, :func:`canonical_spans`; each slot keeps its first anchor that reads right,
else the draw closest to its reading, :func:`anchor_score`) and reported in ``GeneratedPlan.consistent``
if none reads right. The shipped default checkpoint holds the I2FET weights, their config, the apex
latents (with their outliers in its meta) and a NED for neutral faces (§IV-F).

Inference runs in numpy by default (:mod:`emoshift.models.numpy_infer`, the MiniLM of
:mod:`emoshift.text.bert_np`): ``emoshift generate`` and ``animate`` never import torch. The seeded draws
are torch's own streams (:class:`emoshift.models.rng.TorchRNG`), so a ``--seed`` gives the plan it gave
in torch. ``Generator.load(..., backend="torch")`` (and any generator built on torch modules, as
training and the tests do) runs the same steps through the torch model.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emoshift.io import UserError, atomic_write_with
from emoshift.models.apex import at_apex
from emoshift.models.rng import TorchRNG
from emoshift.text.parser import ParsedInstruction, parse_instruction

if TYPE_CHECKING:
    from torch import nn

    from emoshift.models.ned import NED

BACKENDS = ("auto", "numpy", "torch")

DEFAULT_CHECKPOINT = "i2fet_default.pt"
RESAMPLE = 4  # extra draws for an anchor that does not read as the parser's emotion
# redraw number -> span words of a slot that still does not read right: 1 = the lexicon entry's main
# phrase (or the emotion's first adjective for basic words), 2 = the emotion's first adjective
CANONICAL_AT = {3: 1, 4: 2}


def anchor_score(expression: np.ndarray, emotion: str, target: np.ndarray | None = None) -> float:
    """How close an anchor is to the parser's reading of its slot, for choosing among draws none of
    which passes :func:`emoshift.models.apex.anchor_consistent`: the cosine to the lexicon target when
    there is one, else the emotion's apex strength if its nearest prototype is the emotion (minus one if
    not), and for neutral minus the largest weight."""
    from emoshift.emotions import EMOTION_INDEX, apex_strength, nearest_prototype

    ex = np.asarray(expression, np.float32)
    if target is not None and np.asarray(target).any():
        t = np.asarray(target, np.float32)
        return float(ex @ t / (np.linalg.norm(ex) * np.linalg.norm(t) + 1e-9))
    if emotion not in EMOTION_INDEX:
        return 0.0
    if emotion == "neutral":
        return -float(ex.max())
    same = nearest_prototype(ex[None])[0] == EMOTION_INDEX[emotion]
    return float(apex_strength(ex[None], emotion)[0]) - (0.0 if same else 1.0)


def canonical_spans(reading: ParsedInstruction, level: int) -> list[str]:
    """Per anchor of a parser reading, span words naming the same reading in the words the generator was
    trained on most: ``level`` 1 the lexicon entries' main phrases ("livid" -> "incensed"; basic words ->
    the emotion's first adjective), 2 the emotion's first adjective ("angry"); with the intensity word
    (models/spans.py). Used for anchors that do not read as the parser's emotion with the user's words."""
    from emoshift.emotions import ADJECTIVES
    from emoshift.models.spans import span_phrase

    out = []
    entries = list(getattr(reading, "entries", ())) or [()] * len(reading.emotions)
    for emo, s, ent in zip(reading.emotions, reading.intensities, entries):
        words = " ".join(ent) if (level == 1 and ent) else ADJECTIVES[emo][0]
        out.append(span_phrase(words, s))
    return out



def check_checkpoint(path: str | Path) -> Path:
    """``path`` when it can be a checkpoint; a one-line UserError in words when it is missing, a folder, empty
    or no checkpoint file at all (``torch.save`` writes a zip archive holding ``data.pkl``), before any
    model loads (:meth:`Generator.load`, and the CLI's ``--model`` before anything else)."""
    import zipfile

    p = Path(path)
    if p.is_dir():
        raise UserError(f"model checkpoint {p} is a folder; pass the model.pt that 'emoshift train' wrote in it")
    if not p.is_file():
        raise UserError(f"model checkpoint not found: {p}")
    why = "the file is empty" if p.stat().st_size == 0 else None
    if why is None:
        try:
            with zipfile.ZipFile(p) as z:
                if not any(n == "data.pkl" or n.endswith("/data.pkl") for n in z.namelist()):
                    why = "a zip archive, but not a torch checkpoint"
        except zipfile.BadZipFile:
            why = "not the zip archive torch.save writes: corrupt, cut short or another kind of file"
        except OSError as err:
            why = f"cannot read it: {err.strerror or err.__class__.__name__}"
    if why is not None:
        raise UserError(f"{p} is not a usable model checkpoint ({why}); pass the model.pt that 'emoshift train' writes")
    return p

@dataclass
class GeneratedPlan:
    """The anchors for one instruction: ``expressions`` (m,53) ICT weights in [0,1], ``rotations`` (m,3)
    absolute head rotations, axis-angle radians, one per emotion of ``parsed`` in order."""

    parsed: ParsedInstruction
    expressions: np.ndarray
    rotations: np.ndarray
    consistent: list[bool] | None = None  # per anchor: reads as its emotion (None: not checked)

    def to_json(self, names: tuple[str, ...] | list[str] | None = None, digits: int = 4) -> dict:
        """{"emotions", "intensities", "anchors": [{"emotion", "expression": {name: w}, "rotation", "pitch_yaw_roll_deg"}]}."""
        from emoshift.emotions import EXPRESSION_NAMES
        from emoshift.rotations import axis_angle_to_matrix, matrix_to_euler

        names = list(names or EXPRESSION_NAMES)
        pyr = matrix_to_euler(axis_angle_to_matrix(np.asarray(self.rotations, np.float64)))
        anchors = []
        for i, emo in enumerate(self.parsed.emotions):
            anchors.append({
                "emotion": emo,
                "expression": {n: round(float(w), digits) for n, w in zip(names, self.expressions[i])},
                "rotation": [round(float(x), digits + 2) for x in self.rotations[i]],
                "pitch_yaw_roll_deg": [round(float(x), 2) for x in pyr[i]],
                **({"reads_as_instructed": bool(self.consistent[i])} if self.consistent is not None else {}),
            })
        return {"emotions": list(self.parsed.emotions), "intensities": list(self.parsed.intensities),
                "anchors": anchors}


def _lexicon_target(reading: ParsedInstruction, j: int) -> np.ndarray | None:
    """The AU-grounded expression of anchor j's lexicon words (None for basic emotion words only)."""
    phrases = tuple(getattr(reading, "entries", ())[j]) if j < len(getattr(reading, "entries", ())) else ()
    if not phrases:
        return None
    from emoshift.text import lexicon

    return lexicon.anchor_expression(reading.emotions[j], phrases, reading.intensities[j])


def default_checkpoint_path() -> Path:
    return Path(str(resources.files("emoshift.resources").joinpath(DEFAULT_CHECKPOINT)))


def save_checkpoint(path: str | Path, model: nn.Module, ned: NED | None = None, meta: dict | None = None,
                    apex: dict | None = None) -> Path:  # fmt: skip
    """Write a generator checkpoint atomically: model config + weights, optional NED, meta (e.g. the
    command), optional apex latents {emotion: (K, Z)} (models/apex.py)."""
    import torch

    from emoshift.models.train import model_state

    d = {"model": model_state(model), "meta": dict(meta or {})}
    apex = apex if apex is not None else getattr(model, "apex_latents", None)
    if apex:
        d["apex_latents"] = {k: torch.as_tensor(np.asarray(v)).float() for k, v in apex.items()}
    if ned is not None:
        d["ned"] = {"config": ned.cfg.to_dict(), "state": ned.state_dict()}
    return atomic_write_with(path, lambda p: torch.save(d, p))


def _array(v: Any) -> np.ndarray:
    """A torch tensor or array as a float32 numpy array."""
    return np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v, np.float32)


class Generator:
    """A trained I2FET (or baseline) with its frozen text encoder and NED; generation is seeded.

    ``model`` and ``ned`` are torch modules (training, ``backend="torch"``) or their numpy inference twins
    (:mod:`emoshift.models.numpy_infer`, what :meth:`load` gives by default)."""

    def __init__(self, model: Any, ned: Any = None, text_encoder=None, meta: dict | None = None,
                 apex: dict | None = None) -> None:  # fmt: skip
        from emoshift.models.numpy_infer import NumpyI2FET

        self.numpy = isinstance(model, NumpyI2FET)
        self.model = model if self.numpy else model.eval()
        self.ned = ned.eval() if ned is not None and hasattr(ned, "eval") else ned
        self._encoder = text_encoder
        self.meta = dict(meta or {})
        # {emotion: (K, Z) apex latents}; empty = the paper's prior N(0, τ²I)
        self.apex = {k: _array(v) for k, v in (apex or {}).items()}
        # {emotion: gain} to the prototypes' apex strength, measured after training (models/apex.apex_gains)
        self.apex_gain: dict[str, float] = dict(self.meta.get("apex_gain", {}))
        # {emotion: indices of apex latents never drawn}, found after training (models/apex.apex_outliers)
        self.apex_outliers: dict[str, list[int]] = {k: [int(i) for i in v]
                                                    for k, v in self.meta.get("apex_outliers", {}).items()}  # fmt: skip

    @classmethod
    def load(cls, path: str | Path, text_encoder=None, backend: str = "auto") -> Generator:
        """A checkpoint written by ``emoshift train`` (or :func:`save_checkpoint`).

        ``backend``: "numpy" (no torch: the checkpoint's arrays are exported once to the user cache,
        :func:`emoshift.models.numpy_infer.load_numpy_checkpoint`), "torch", or "auto": numpy when the
        model and its text encoder are the kinds numpy runs (I2FET with IFED, MiniLM) and no
        ``text_encoder`` is given, else torch.
        """
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        path = check_checkpoint(path)
        if backend == "numpy" or (backend == "auto" and text_encoder is None):
            from emoshift.models.numpy_infer import load_numpy_checkpoint
            from emoshift.text.encoder import DEFAULT_SPEC

            try:
                loaded = load_numpy_checkpoint(path)
            except Exception as err:  # unpickling, zip, missing keys: the torch path below says it in words
                loaded, first = None, err
            else:
                first = None
            if loaded is not None and (backend == "numpy" or loaded[0].cfg.text_encoder == DEFAULT_SPEC):
                model, ned, meta, apex = loaded
                return cls(model, ned, text_encoder, meta, apex)
            if backend == "numpy":
                why = "" if first is None else f": {(str(first).splitlines() or [type(first).__name__])[0]}"
                raise UserError(f"cannot run model checkpoint {path} without torch{why}")
        return cls._load_torch(path, text_encoder)

    @classmethod
    def _load_torch(cls, path: Path, text_encoder=None) -> Generator:
        import torch

        from emoshift.models.ned import NED, NEDConfig
        from emoshift.models.train import model_from_state

        try:
            d = torch.load(path, weights_only=True, map_location="cpu")
            model = model_from_state(d["model"])
            ned = None
            if "ned" in d:
                ned = NED(NEDConfig(**d["ned"]["config"]))
                ned.load_state_dict(d["ned"]["state"])
        except Exception as err:  # unpickling, zip, missing keys, shape mismatches
            first = (str(err).splitlines() or [type(err).__name__])[0]
            raise UserError(f"cannot read model checkpoint {path} (not a model.pt from 'emoshift train'?): {first}") from None
        return cls(model, ned, text_encoder, d.get("meta"), d.get("apex_latents"))

    @classmethod
    def load_default(cls, backend: str = "auto") -> Generator:
        """The checkpoint shipped in ``emoshift/resources`` (see resources/TRAINING.md for how it was made)."""
        return cls.load(default_checkpoint_path(), backend=backend)

    def save(self, path: str | Path) -> Path:
        if self.numpy:
            raise UserError("this generator runs in numpy for inference; load it with backend='torch' to save it")
        return save_checkpoint(path, self.model, self.ned, self.meta, self.apex)

    @property
    def text_encoder(self):
        if self._encoder is None:
            from emoshift.text.encoder import DEFAULT_SPEC, load_numpy_encoder, load_text_encoder

            spec = self.model.cfg.text_encoder
            self._encoder = load_numpy_encoder() if self.numpy and spec == DEFAULT_SPEC else load_text_encoder(spec)
            if self._encoder.dim != self.model.cfg.text_dim:
                raise UserError(
                    f"text encoder gives {self._encoder.dim}-d features, the model expects {self.model.cfg.text_dim}"
                )
        return self._encoder

    def _one_thread(self):
        """One thread for tiny arrays: torch's (:func:`emoshift.threads.single_thread`), or in numpy the BLAS's
        (``threadpoolctl``, installed with scikit-learn; without it nothing changes). As for torch, a second
        BLAS thread on a busy 2-core machine slows one instruction down: median 10.9 ms against 2.9 ms
        single-threaded in one run at load 5 (bench/bench_generate.py), the same when idle."""
        if not self.numpy:
            from emoshift.threads import single_thread

            return single_thread()
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            return nullcontext()
        return threadpool_limits(1, user_api="blas")

    def _decode(self, feats: np.ndarray, mask: np.ndarray, n: np.ndarray, z_e: np.ndarray,
                spans: np.ndarray | None, seed: int | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """The model's decode of expression latents ``z_e`` (B,S,Z) -> expressions (B,S,53), rotations (B,S,3).
        The pose latents are drawn as ``I2FET.generate`` draws them from a generator seeded with ``seed``
        (a prior draw for the expression first, unused since ``z_e`` is given); ``seed`` None puts them at
        the prior's mean (0)."""
        cfg = self.model.cfg
        shape = (len(feats), cfg.max_slots, cfg.latent_dim)
        if seed is None:
            z_p = np.zeros(shape, np.float32)
        else:
            noise = TorchRNG(seed)
            noise.randn(*shape)
            z_p = noise.randn(*shape) * np.float32(cfg.sample_temperature_p)
        if self.numpy:
            return self.model.generate(feats, mask, n, z_e, z_p, spans)
        import torch

        t = torch.from_numpy
        with torch.no_grad():
            e, r = self.model.generate(t(feats), t(mask), t(np.asarray(n, np.int64)), None,
                                       spans=None if spans is None else t(spans), z_e=t(z_e), z_p=t(z_p))  # fmt: skip
        return e.numpy(), r.numpy()

    def decode_latents(self, text: str, latents: np.ndarray) -> np.ndarray:
        """(K, 53) the anchors a one-emotion instruction ``text`` decodes to with each of the expression
        latents ``latents`` (K, Z) in its slot, the pose latent at the prior's mean and no apex gain: what
        :func:`emoshift.models.apex.apex_outliers` checks the apex latents on."""
        from emoshift.models.spans import parsed_spans, span_tensor
        from emoshift.text.encoder import encode_arrays

        cfg, z = self.model.cfg, np.asarray(latents, np.float32)
        reading = parse_instruction(text)
        if len(reading.emotions) != 1:
            raise ValueError(f"one emotion expected in {text!r}, the parser read {list(reading.emotions)}")
        with self._one_thread():
            feats, mask = encode_arrays(self.text_encoder, [text])
            spans = None
            if getattr(cfg, "use_spans", False):
                spans = span_tensor(self.text_encoder, [parsed_spans(reading)], cfg.max_slots)
                spans = np.repeat(spans, len(z), 0)
            z_e = np.zeros((len(z), cfg.max_slots, cfg.latent_dim), np.float32)
            z_e[:, 0] = z
            e, _ = self._decode(np.repeat(feats, len(z), 0), np.repeat(mask, len(z), 0), np.ones(len(z), np.int64),
                                z_e, spans, None)  # fmt: skip
        return e[:, 0]

    # ------------------------------------------------------------------------------------ generation
    def _sample(self, feats, mask, readings: list[ParsedInstruction | None], n_slots, seed: int):
        """Decode B instructions (text features (B,L,D)) with their parser readings: apex latents per slot,
        the anchor check and redraws. -> expressions (B,S,53), rotations (B,S,3), consistent (B,S) bool."""
        from emoshift.models.apex import anchor_consistent, draw_latents
        from emoshift.models.spans import parsed_spans, span_tensor

        cfg = self.model.cfg
        feats, mask = np.asarray(feats, np.float32), np.asarray(mask, bool)
        rng = TorchRNG(int(seed))
        n = np.asarray(n_slots, np.int64)
        names = [list(r.emotions) if r is not None else [] for r in readings]
        spans = None
        if getattr(cfg, "use_spans", False):
            spans = span_tensor(self.text_encoder, [parsed_spans(r) if r else [] for r in readings], cfg.max_slots)
        z_e = draw_latents(self.apex, names, cfg.max_slots, cfg.latent_dim, rng, cfg.sample_temperature_e,
                           self.apex_outliers)  # fmt: skip
        targets = [[_lexicon_target(rd, j) for j in range(len(nm))] if rd is not None else [] for rd, nm in zip(readings, names)]
        best_e = best_r = None
        ok = np.ones((len(names), cfg.max_slots), bool)
        for attempt in range(RESAMPLE + 1):
            e, r = self._decode(feats, mask, n, z_e, spans, int(seed))
            now = np.ones_like(ok)
            score = np.zeros(ok.shape, np.float32)
            for b, reading in enumerate(readings):
                for j, emo in enumerate(names[b][: int(n[b])]):
                    now[b, j] = anchor_consistent(e[b, j], emo, reading.intensities[j], targets[b][j])
                    score[b, j] = anchor_score(e[b, j], emo, targets[b][j])
            if best_e is None:
                best_e, best_r, ok, best_score = e, r, now, score
            else:  # a slot keeps its first anchor that reads as instructed, else the closest to its reading
                take = (now & ~ok) | (~now & ~ok & (score > best_score))
                best_e = np.where(take[..., None], e, best_e)
                best_r = np.where(take[..., None], r, best_r)
                best_score = np.where(take, score, best_score)
                ok = ok | now
            if ok.all() or attempt == RESAMPLE or not self.apex:
                break
            redraw = draw_latents(self.apex, names, cfg.max_slots, cfg.latent_dim, rng, cfg.sample_temperature_e,
                                  self.apex_outliers)  # fmt: skip
            z_e = np.where((~ok)[..., None], redraw, z_e)
            level = CANONICAL_AT.get(attempt + 1, 0)
            if spans is not None and level:  # ground the failing slots in the parser's canonical words
                canon = span_tensor(self.text_encoder, [canonical_spans(r, level) if r else [] for r in readings],
                                    cfg.max_slots)  # fmt: skip
                spans = np.where((~ok)[..., None], canon, spans)
        return self._at_apex(best_e, names, n), best_r, ok

    def _at_apex(self, e: np.ndarray, names: list[list[str]], n) -> np.ndarray:
        """(B, S, 53) anchors, each slot's scaled by its emotion's apex gain and clipped to [0, 1]."""
        if not self.apex_gain:
            return e
        e = e.copy()
        for b, slot_names in enumerate(names):
            for j, emo in enumerate(slot_names[: int(n[b])]):
                e[b, j] = at_apex(e[b, j], self.apex_gain.get(emo, 1.0))
        return e

    def generate_batch(self, texts: list[str], n_slots, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Many instructions at once: n_slots (B,) ints -> expressions (B,3,53), rotations (B,3,3).

        Each text is parsed for its spans and emotions (a text the parser cannot read, or reads with
        another count than ``n_slots``, is decoded without them). Slots past each ``n_slots`` are zero.
        For evaluation; one generator seeded with ``seed`` draws all.
        """
        readings = []
        for t, k in zip(texts, np.asarray(n_slots)):
            try:
                p = parse_instruction(t)
            except UserError:
                p = None
            readings.append(p if p is not None and len(p.emotions) == int(k) else None)
        from emoshift.text.encoder import encode_arrays

        feats, mask = encode_arrays(self.text_encoder, list(texts))
        e, r, _ = self._sample(feats, mask, readings, n_slots, seed)
        return e, r

    def generate(self, text: str, seed: int = 0, n_samples: int = 1) -> list[GeneratedPlan]:
        """``n_samples`` plans for one instruction; sample i is drawn with seed ``seed + i``.

        Raises UserError (from the parser) for empty, over-long, non-English or emotion-less text.
        """
        if n_samples < 1:
            raise UserError(f"n_samples must be at least 1, got {n_samples}")
        parsed = parse_instruction(text)
        m = len(parsed.emotions)
        plans = []
        from emoshift.text.encoder import encode_arrays

        with self._one_thread():  # one short sentence: MiniLM is also faster on one thread here
            feats, mask = encode_arrays(self.text_encoder, [text])
            for i in range(n_samples):
                e, r, ok = self._sample(feats, mask, [parsed], [m], int(seed) + i)
                plans.append(GeneratedPlan(parsed, e[0, :m].copy(), r[0, :m].copy(), [bool(x) for x in ok[0, :m]]))
        return plans

    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A neutral face from NED: expression (53,) in [0,1] and head rotation (3,) axis-angle radians
        (the decoded prior draw ``NED.sample(1, torch.Generator().manual_seed(seed))`` gives)."""
        if self.ned is None:
            raise UserError("this model checkpoint has no neutral encoder-decoder (NED)")
        z = TorchRNG(int(seed)).randn(1, int(self.ned.cfg.latent_dim))
        if self.numpy:
            with self._one_thread():
                e, r = self.ned.decode(z)
            return e[0], r[0]
        import torch

        with torch.no_grad(), self._one_thread():
            e, r = self.ned.decode(torch.from_numpy(z))
        return e[0].numpy(), r[0].numpy()
