"""CK+ (Extended Cohn-Kanade, Lucey et al. 2010) -> expression dataset, from the user's own copy.

Expected layout (the distribution's, possibly one folder deeper)::

    ROOT/cohn-kanade-images/S005/001/S005_001_00000001.png ...   frames, onset (neutral) to apex
    ROOT/Emotion/S005/001/S005_001_00000011_emotion.txt          one code: 0 neutral, 1 anger, 2 contempt,
                                                                  3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise
    ROOT/Landmarks/...                                            (not needed: frames are fitted here)

Only sequences with an emotion label are used (327 of 593 in CK+). The first frame is the neutral
onset, the last ``apex_frames`` frames are the labelled apex; both are fitted with
:class:`emoshift.fitting.Fitter`. Sequences of the same subject are paired into instruction samples
exactly as the built-in presets are (:func:`emoshift.data.bank.make_dataset`), and every onset frame
also goes to the neutral set (the paper's NED data, §IV-F).
"""

from __future__ import annotations

import math
from pathlib import Path

from emoshift.data.bank import make_dataset
from emoshift.data.dataset import ExpressionDataset
from emoshift.data.real import Clip, LoadSummary, bank_from_clips, class_weights_of, default_fitter, fit_frame
from emoshift.emotions import EMOTION_INDEX
from emoshift.io import UserError

CKPLUS_LABELS = ("neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
SAMPLES_PER_SUBJECT = 225  # the paper's CK+ density: 26,352 samples / 117 subjects
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def find_dir(root: Path, name: str) -> Path:
    """``root/name`` or ``root/*/name``; UserError naming what is missing."""
    for cand in [root / name, *sorted(root.glob(f"*/{name}"))]:
        if cand.is_dir():
            return cand
    raise UserError(f"not a CK+ tree: no {name}/ folder in {root} (expected {root}/{name}/S###/###/)")


def read_label(path: Path) -> int:
    """The emotion code of an ``*_emotion.txt`` file, as an index into EMOTIONS."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    try:
        code = float(text.split()[0])
    except (ValueError, IndexError):
        code = float("nan")
    if not (math.isfinite(code) and code == int(code) and 0 <= code <= 7):
        raise UserError(f"{path}: expected one emotion code 0-7 (e.g. 3.0000000e+00), got '{text[:40]}'")
    return EMOTION_INDEX[CKPLUS_LABELS[int(code)]]


def _frames(seq_dir: Path) -> list[Path]:
    return sorted(p for p in seq_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def load_ckplus(
    root: str | Path,
    fitter=None,
    seed: int = 0,
    n_samples: int | None = None,
    apex_frames: int = 1,
    progress: bool = False,
) -> tuple[ExpressionDataset, LoadSummary]:
    """Fit a CK+ tree and pair its sequences into instruction samples.

    Args:
        root: folder holding ``cohn-kanade-images/`` and ``Emotion/``.
        fitter: an object with ``fit(image) -> FaceFit`` (default: a new :class:`emoshift.fitting.Fitter`).
        n_samples: samples to draw (default 225 per usable subject, the paper's CK+ density).
        apex_frames: how many last frames of a sequence count as its apex.
    Returns:
        (dataset, summary of what was kept and skipped).
    """
    from tqdm import tqdm

    from emoshift.fitting import load_image

    root = Path(root)
    if not root.is_dir():
        raise UserError(f"CK+ folder not found: {root}")
    images, labels_dir = find_dir(root, "cohn-kanade-images"), find_dir(root, "Emotion")
    summary = LoadSummary()
    labelled: list[tuple[str, Path, int]] = []  # (subject, sequence image dir, emotion)
    for subj in sorted(p for p in labels_dir.iterdir() if p.is_dir()):
        for seq in sorted(p for p in subj.iterdir() if p.is_dir()):
            files = sorted(seq.glob("*_emotion.txt"))
            if not files:
                continue
            if len(files) > 1:
                raise UserError(f"{seq}: {len(files)} emotion files, expected one")
            emotion = read_label(files[0])
            img_dir = images / subj.name / seq.name
            if not img_dir.is_dir() or not _frames(img_dir):
                raise UserError(f"{files[0]}: no frames for this sequence (expected images in {img_dir})")
            labelled.append((subj.name, img_dir, emotion))
    all_seqs = [s for d in images.iterdir() if d.is_dir() for s in d.iterdir() if s.is_dir()]
    summary.add("sequences found", len(all_seqs))
    summary.add("sequences without a label (skipped)", len(all_seqs) - len(labelled))
    if fitter is None:
        fitter = default_fitter()
    clips: list[Clip] = []
    for subject, img_dir, emotion in tqdm(labelled, desc="CK+ sequences", unit="seq", disable=not progress):
        frames = _frames(img_dir)
        onset = fit_frame(fitter, load_image(frames[0]), str(frames[0]), summary)
        apex_paths = frames[1:][-apex_frames:] or frames[-1:]
        apex = [f for f in (fit_frame(fitter, load_image(p), str(p), summary) for p in apex_paths) if f is not None]
        if onset is None or not apex:
            summary.add("sequences without usable frames (skipped)")
            continue
        clips.append(Clip(subject, emotion, apex, [True] * len(apex), base=onset))
    subjects_all = {s for s, _, _ in labelled}
    kept = {c.subject for c in clips}
    summary.add("subjects with labelled sequences", len(subjects_all))
    summary.add("subjects without usable frames (skipped)", len(subjects_all - kept))
    summary.add("subjects kept", len(kept))
    summary.add("sequences kept", len(clips))
    if not clips:
        raise UserError(f"no usable labelled sequence in {root} ({summary.line()})")
    bank = bank_from_clips(clips, {})
    n = n_samples if n_samples is not None else SAMPLES_PER_SUBJECT * len(kept)
    meta = {"preset": "ckplus", "source": f"CK+ at {root}", "load_summary": summary.as_dict()}
    ds = make_dataset(bank, int(n), class_weights_of(clips), seed, meta, progress=progress)
    return ds, summary
