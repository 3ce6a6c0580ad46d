"""Built-in datasets: synthetic subjects and FACS-grounded expression clips mirroring CK+ and CelebV-HQ.

Generative story (everything drawn from one seeded generator):

- Subject: identity ~ N(0, 1) on the head model's 50 identity modes (the ICT PCA prior); a style made of
  an overall expressiveness gain, a left/right asymmetry, a preferred EMFACS variant per emotion, a
  resting-face offset (a few shapes slightly active at rest) and a habitual head pose.
- Clip (one per recorded emotion, sometimes two): T frames from a neutral onset to the apex like a CK+
  sequence; weights follow a smoothstep ``r(t)`` from the resting face to the subject's rendition of
  the prototype (:func:`emoshift.emotions.prototype` with per-AU jitter), plus per-frame noise;
  head pose goes from the habitual pose to the emotion's pose prior (:func:`emotions.pose_prior`)
  with per-frame jitter. The last quarter of a clip's frames are its apex frames.
- In-the-wild preset only: some apexes blend in a second emotion (spontaneous expressions are often
  blends; Du, Tao & Martinez, "Compound facial expressions of emotion", PNAS 2014) and frames carry
  talking mouth motion, as CelebV-HQ's interview-style clips do.
- Samples: :func:`emoshift.data.bank.make_dataset` pairs apex frames of the same subject into
  instructions.

Presets (paper §IV-A): ``ckplus-like`` 117 subjects, the 7 CK+ emotions, 26,352 samples, near-frontal,
class weights in proportion to CK+'s labelled sequences (anger 45, contempt 18, disgust 59, fear 25,
happiness 69, sadness 28, surprise 83; Lucey et al., CVPR-W 2010) as in the paper's Fig. 5a;
``celebvhq-like`` 614 subjects, 8 emotions, 28,335 samples, pose within ±15°, each subject showing 3-6
emotions ("more than two expressions"), weaker and noisier in-the-wild expressions and a skewed class
distribution (happiness and neutral dominant, contempt and fear rare) shaped like Fig. 5b. The Fig. 5b
shares are read off the figure's shape, not published numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoshift.data.bank import ClipBank, make_dataset
from emoshift.data.dataset import ExpressionDataset
from emoshift.emotions import EMOTION_INDEX, EXPRESSION_NAMES, n_variants, pose_prior, prototype
from emoshift.io import UserError

N_IDENTITY = 50
CKPLUS_SEQUENCES = {"anger": 45, "contempt": 18, "disgust": 59, "fear": 25, "happiness": 69, "sadness": 28,
                    "surprise": 83}  # fmt: skip
CELEBVHQ_SHARES = {"neutral": 0.30, "happiness": 0.34, "sadness": 0.09, "anger": 0.07, "surprise": 0.08,
                   "disgust": 0.06, "fear": 0.03, "contempt": 0.03}  # fmt: skip
_RESTING_SHAPES = ("browDown", "browInnerUp", "mouthFrown", "mouthPress", "eyeSquint", "eyeBlink", "mouthSmile",
                   "jawOpen", "mouthShrugLower", "cheekSquint")  # fmt: skip


@dataclass(frozen=True)
class Preset:
    """Parameters of a built-in dataset."""

    name: str
    n_subjects: int
    n_samples: int
    class_weights: dict[str, float]
    emotions_per_subject: tuple[int, int]  # inclusive range of recorded emotions per subject
    second_clip_prob: float  # chance of a second clip of the same emotion
    frames: tuple[int, int]  # inclusive range of clip lengths
    gain_std: float  # spread of subject expressiveness
    level: tuple[float, float]  # apex intensity range per clip
    au_jitter: float  # relative per-AU jitter at the apex
    frame_noise: float  # per-frame weight noise (encoder noise)
    habit_std_deg: tuple[float, float, float]  # habitual head pose spread
    prior_scale: float  # scale of the emotion pose prior
    jitter_deg: float  # per-frame pose jitter
    max_angle_deg: float  # poses are kept within +-this
    blend_prob: float = 0.0  # chance a clip's apex mixes in another emotion (spontaneous blends)
    blend_max: float = 0.0  # largest share of the mixed-in emotion
    speech: float = 0.0  # per-frame mouth motion of talking (jawOpen/funnel/pucker/lowerDown), max weight


PRESETS: dict[str, Preset] = {
    "ckplus-like": Preset(
        name="ckplus-like", n_subjects=117, n_samples=26352,
        class_weights={e: n / sum(CKPLUS_SEQUENCES.values()) for e, n in CKPLUS_SEQUENCES.items()},
        emotions_per_subject=(7, 7), second_clip_prob=0.3, frames=(8, 16), gain_std=0.1, level=(0.9, 1.05),
        au_jitter=0.12, frame_noise=0.01, habit_std_deg=(1.5, 2.0, 1.0), prior_scale=0.7, jitter_deg=0.4,
        max_angle_deg=10.0,
    ),
    "celebvhq-like": Preset(
        name="celebvhq-like", n_subjects=614, n_samples=28335, class_weights=dict(CELEBVHQ_SHARES),
        emotions_per_subject=(3, 6), second_clip_prob=0.2, frames=(6, 12), gain_std=0.15, level=(0.6, 1.0),
        au_jitter=0.2, frame_noise=0.025, habit_std_deg=(4.0, 5.0, 3.0), prior_scale=1.0, jitter_deg=0.8,
        max_angle_deg=15.0, blend_prob=0.3, blend_max=0.35, speech=0.2,
    ),
}  # fmt: skip

_LEFT = np.array([n.endswith("_L") for n in EXPRESSION_NAMES])
_RIGHT = np.array([n.endswith("_R") for n in EXPRESSION_NAMES])


def _stem_mask(stems: tuple[str, ...]) -> np.ndarray:
    return np.array([n.rsplit("_", 1)[0] in stems or n in stems for n in EXPRESSION_NAMES])


_RESTING = np.flatnonzero(_stem_mask(_RESTING_SHAPES))
_SPEECH = np.flatnonzero(_stem_mask(("jawOpen", "mouthFunnel", "mouthPucker", "mouthLowerDown", "mouthClose")))


def _pick_emotions(rng: np.random.Generator, preset: Preset) -> list[str]:
    names = list(preset.class_weights)
    lo, hi = preset.emotions_per_subject
    k = min(int(rng.integers(lo, hi + 1)), len(names))
    w = np.array([preset.class_weights[n] for n in names])
    keys = np.log(w) - np.log(-np.log(rng.random(len(names))))  # Gumbel top-k: sampling without replacement
    return [names[i] for i in np.argsort(-keys)[:k]]


def _subject(rng: np.random.Generator, preset: Preset, s: int, out: dict[str, list]) -> None:
    """Append one subject's clips, frames and neutral frames to ``out``."""
    gain = float(np.clip(rng.normal(1.0, preset.gain_std), 0.7, 1.3))
    asym = float(np.clip(rng.normal(0.0, 0.08), -0.2, 0.2))
    side = np.where(_LEFT, 1 + asym, np.where(_RIGHT, 1 - asym, 1.0)).astype(np.float32)
    rest = np.zeros(53, np.float32)
    picks = rng.choice(_RESTING, size=4, replace=False)
    rest[picks] = np.abs(rng.normal(0, 0.04, size=4))
    habit = rng.normal(0, preset.habit_std_deg).astype(np.float32)
    lim = preset.max_angle_deg
    for emotion in _pick_emotions(rng, preset):
        e_idx = EMOTION_INDEX[emotion]
        preferred = int(rng.integers(n_variants(emotion)))
        for _ in range(1 + int(rng.random() < preset.second_clip_prob)):
            variant = preferred if rng.random() < 0.7 else int(rng.integers(n_variants(emotion)))
            level = rng.uniform(*preset.level) * gain
            proto = prototype(emotion, variant)
            if emotion != "neutral" and rng.random() < preset.blend_prob:  # e.g. happily surprised
                other = [e for e in preset.class_weights if e not in ("neutral", emotion)]
                mix = rng.choice(other)
                share = rng.uniform(0.1, preset.blend_max)
                proto = (1 - share) * proto + share * prototype(mix, int(rng.integers(n_variants(mix))))
            apex = proto * level * side * (1 + rng.normal(0, preset.au_jitter, 53)).astype(np.float32)
            mean, std = pose_prior(emotion)
            pose_apex = mean * preset.prior_scale + rng.normal(0, std * preset.prior_scale)
            t = int(rng.integers(preset.frames[0], preset.frames[1] + 1))
            phase = np.linspace(0, 1, t, dtype=np.float32)
            r = phase * phase * (3 - 2 * phase) if emotion != "neutral" else np.ones(t, np.float32)
            frames = rest + r[:, None] * apex + rng.normal(0, preset.frame_noise, (t, 53)) * (r[:, None] + 0.3)
            if preset.speech:  # talking: independent mouth motion on top of the expression
                talk = rng.uniform(0, preset.speech, (t, len(_SPEECH))) * (rng.random((t, 1)) < 0.6)
                frames[:, _SPEECH] += talk
            frames = np.clip(frames, 0, 1)
            if emotion != "neutral":
                frames[0] = rest  # CK+ onset: the resting face
            poses = habit + r[:, None] * pose_apex + rng.normal(0, preset.jitter_deg, (t, 3))
            poses = np.clip(poses, -lim, lim)
            c = len(out["clip_subject"])
            out["clip_subject"].append(s)
            out["clip_emotion"].append(e_idx)
            out["clip_base_expression"].append(rest)
            out["clip_base_pose"].append(np.clip(habit, -lim, lim))
            out["frame_clip"].append(np.full(t, c))
            out["frame_expression"].append(frames.astype(np.float32))
            out["frame_pose"].append(poses.astype(np.float32))
            out["frame_apex"].append(phase >= 0.75)
            # neutral frames for the neutral decoder: a clip's onset (as the paper does for CK+), or a neutral frame
            out["neutral_expression"].append(frames[:1])
            out["neutral_pose"].append(poses[:1])
            out["neutral_subject"].append(s)


def synthetic_bank(preset: Preset, n_subjects: int, seed: int, progress: bool = False) -> ClipBank:
    """Draw ``n_subjects`` subjects and their clips (deterministic given ``seed``)."""
    from tqdm import tqdm

    rng = np.random.default_rng([seed, 1])
    identity = rng.standard_normal((n_subjects, N_IDENTITY)).astype(np.float32)
    keys = ("clip_subject", "clip_emotion", "clip_base_expression", "clip_base_pose", "frame_clip",
            "frame_expression", "frame_pose", "frame_apex", "neutral_expression", "neutral_pose", "neutral_subject")  # fmt: skip
    out: dict[str, list] = {k: [] for k in keys}
    for s in tqdm(range(n_subjects), desc="subjects", unit="subj", disable=not progress, leave=False):
        _subject(np.random.default_rng([seed, 2, s]), preset, s, out)
    stack = {k: np.concatenate(out[k]) for k in ("frame_clip", "frame_expression", "frame_pose", "frame_apex",
                                                 "neutral_expression", "neutral_pose")}  # fmt: skip
    return ClipBank(
        identity=identity,
        clip_subject=np.array(out["clip_subject"], np.int32),
        clip_emotion=np.array(out["clip_emotion"], np.int8),
        clip_base_expression=np.stack(out["clip_base_expression"]).astype(np.float32),
        clip_base_pose=np.stack(out["clip_base_pose"]).astype(np.float32),
        neutral_subject=np.array(out["neutral_subject"], np.int32),
        subject_names=[f"{preset.name}-{s:04d}" for s in range(n_subjects)],
        **stack,
    )


def build_preset(name: str = "ckplus-like", seed: int = 0, scale: float = 1.0, progress: bool = False) -> ExpressionDataset:
    """A built-in dataset: ``"ckplus-like"`` or ``"celebvhq-like"``.

    ``scale`` < 1 makes a proportionally smaller set (subjects and samples; at least 10 subjects and
    50 samples) for tests and quick experiments. Deterministic given ``seed``.
    """
    if name not in PRESETS:
        raise UserError(f"unknown preset '{name}'; choose one of {', '.join(PRESETS)}")
    if not 0 < scale <= 10:
        raise UserError(f"scale must be in (0, 10], got {scale}")
    preset = PRESETS[name]
    n_subj = max(10, round(preset.n_subjects * scale))
    n_samples = max(50, round(preset.n_samples * scale))
    bank = synthetic_bank(preset, n_subj, seed, progress=progress)
    meta = {"preset": name, "scale": scale, "source": "synthetic (emoshift.data.synthetic)"}
    return make_dataset(bank, n_samples, preset.class_weights, seed, meta, progress=progress)


__all__ = ["PRESETS", "Preset", "build_preset", "synthetic_bank"]
