"""Shared parts of the real-data loaders: fitting frames, collecting clips, and the load summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from emoshift.data.bank import ClipBank
from emoshift.emotions import EMOTIONS
from emoshift.io import UserError


@dataclass
class LoadSummary:
    """What a loader kept and skipped (printed by ``emoshift data build`` and written to the data card)."""

    counts: Counter = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def line(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


@dataclass
class FrameFit:
    """One fitted frame: ICT expression (53,), head pose Euler degrees (3,), identity (50,)."""

    expression: np.ndarray
    pose_deg: np.ndarray
    identity: np.ndarray


@dataclass
class Clip:
    """A labelled clip of one subject: fitted frames, which are apex (usable targets), and its onset."""

    subject: str
    emotion: int
    frames: list[FrameFit]
    apex: list[bool]
    base: FrameFit | None = None  # neutral onset, if known


def default_fitter():
    """The photo fitter (imported lazily: it loads MediaPipe and the head model)."""
    from emoshift.fitting import Fitter

    return Fitter()


def fit_frame(fitter, image: np.ndarray, name: str, summary: LoadSummary) -> FrameFit | None:
    """Fit the largest face of ``image``; None (counted as ``frames without a usable face``) if none."""
    try:
        fit = fitter.fit(image)
    except UserError:
        summary.add("frames without a usable face")
        return None
    summary.add("frames fitted")
    return FrameFit(
        expression=np.clip(np.asarray(fit.expression, np.float32), 0, 1),
        pose_deg=np.asarray(fit.rotation_euler_deg, np.float32),
        identity=np.asarray(fit.identity, np.float32),
    )


def bank_from_clips(clips: list[Clip], neutral: dict[str, list[FrameFit]]) -> ClipBank:
    """Stack clips (and extra neutral frames per subject) into a :class:`ClipBank`.

    A subject's identity is the mean of its clips' fitted identities (onsets included); a clip without a known onset
    scales intensity words from the subject's mean neutral frame (or from zero expression).
    """
    names = sorted({c.subject for c in clips})
    index = {n: i for i, n in enumerate(names)}
    ids: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for c in clips:
        ids[c.subject] += [f.identity for f in c.frames] + ([c.base.identity] if c.base is not None else [])
    identity = np.stack([np.mean(ids[n], 0) for n in names]).astype(np.float32)

    neutral_frames: list[tuple[int, FrameFit]] = []
    for c in clips:
        if c.base is not None:
            neutral_frames.append((index[c.subject], c.base))
    for n, frames in neutral.items():
        if n in index:
            neutral_frames += [(index[n], f) for f in frames]
    mean_neutral: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for s in {s for s, _ in neutral_frames}:
        fs = [f for t, f in neutral_frames if t == s]
        mean_neutral[s] = (np.mean([f.expression for f in fs], 0), np.mean([f.pose_deg for f in fs], 0))

    base_e, base_p, frame_clip, fe, fp, fa = [], [], [], [], [], []
    for ci, c in enumerate(clips):
        s = index[c.subject]
        if c.base is not None:
            be, bp = c.base.expression, c.base.pose_deg
        elif s in mean_neutral:
            be, bp = mean_neutral[s]
        else:
            be, bp = np.zeros(53, np.float32), np.mean([f.pose_deg for f in c.frames], 0)
        base_e.append(be)
        base_p.append(bp)
        for f, a in zip(c.frames, c.apex):
            frame_clip.append(ci)
            fe.append(f.expression)
            fp.append(f.pose_deg)
            fa.append(a)
    z53, z3 = np.zeros((0, 53), np.float32), np.zeros((0, 3), np.float32)
    return ClipBank(
        identity=identity,
        clip_subject=np.array([index[c.subject] for c in clips], np.int32),
        clip_emotion=np.array([c.emotion for c in clips], np.int8),
        clip_base_expression=np.array(base_e, np.float32).reshape(-1, 53),
        clip_base_pose=np.array(base_p, np.float32).reshape(-1, 3),
        frame_clip=np.array(frame_clip, np.int64),
        frame_expression=np.array(fe, np.float32).reshape(-1, 53) if fe else z53,
        frame_pose=np.array(fp, np.float32).reshape(-1, 3) if fp else z3,
        frame_apex=np.array(fa, bool),
        neutral_expression=np.array([f.expression for _, f in neutral_frames], np.float32).reshape(-1, 53),
        neutral_pose=np.array([f.pose_deg for _, f in neutral_frames], np.float32).reshape(-1, 3),
        neutral_subject=np.array([s for s, _ in neutral_frames], np.int32),
        subject_names=names,
    )


def class_weights_of(clips: list[Clip]) -> dict[str, float]:
    """Class weights in proportion to the clips per emotion (so samples follow the data's distribution)."""
    counts = Counter(EMOTIONS[c.emotion] for c in clips)
    total = sum(counts.values())
    return {e: counts[e] / total for e in EMOTIONS if counts[e]}
