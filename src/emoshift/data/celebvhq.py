"""CelebV-HQ (Zhu et al., ECCV 2022) -> expression dataset, from the user's own copy.

Expected layout::

    ROOT/celebvhq_info.json         {"clips": {CLIP_ID: {"ytb_id", "duration": {"start_sec", "end_sec"},
                                      "attributes": {"emotion": {"sep_flag", "labels"}}}}}
    ROOT/**/CLIP_ID.mp4             the processed clips (any sub-folder; .mp4/.mkv/.webm/.avi/.mov)

``labels`` is one emotion for the whole clip, or a list of ``{"emotion", "start_sec", "end_sec"}``
segments in clip time. As in the paper (§IV-A): ``frames_per_segment`` frames spread over each emotion
segment are fitted, faces outside ±15° of pitch/yaw/roll are dropped, and only subjects showing more
than two expressions are kept. CelebV-HQ has no identity labels; a subject is a YouTube video
(``ytb_id``). Clips missing from disk are skipped and counted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from emoshift.data.bank import make_dataset
from emoshift.data.dataset import ExpressionDataset
from emoshift.data.real import (
    Clip, FrameFit, LoadSummary, bank_from_clips, class_weights_of, default_fitter, fit_frame,
)  # fmt: skip
from emoshift.emotions import EMOTION_INDEX, emotion_from_word
from emoshift.io import UserError

INFO_FILE = "celebvhq_info.json"
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".avi", ".mov")
MAX_ANGLE_DEG = 15.0
MIN_EXPRESSIONS = 3  # "more than two facial expressions"
SAMPLES_PER_SUBJECT = 46  # the paper's CelebV-HQ density: 28,335 samples / 614 subjects


def read_info(path: Path) -> dict[str, dict]:
    """clip id -> {"subject", "segments": [(emotion index, start_sec, end_sec | None)]}; UserError on bad input."""
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise UserError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    clips = data.get("clips") if isinstance(data, dict) else None
    if not isinstance(clips, dict):
        raise UserError(f"{path}: expected an object with a \"clips\" mapping (CelebV-HQ's celebvhq_info.json)")
    out: dict[str, dict] = {}
    for cid, val in clips.items():
        try:
            labels = val["attributes"]["emotion"]["labels"]
            subject = str(val.get("ytb_id") or cid.rsplit("_", 1)[0])
        except (KeyError, TypeError):
            raise UserError(f"{path}: clip '{cid}' has no attributes.emotion.labels") from None
        segs = []
        items = [{"emotion": labels}] if isinstance(labels, str) else labels
        if not isinstance(items, list):
            raise UserError(f"{path}: clip '{cid}': emotion labels must be a string or a list of segments")
        for item in items:
            try:
                word = str(item["emotion"])
                start = float(item.get("start_sec", 0.0))
                end = item.get("end_sec")
                end = None if end is None else float(end)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise UserError(f"{path}: clip '{cid}': malformed emotion segment {item!r:.80}") from None
            emo = emotion_from_word(word)
            if emo is None:
                raise UserError(f"{path}: clip '{cid}': unknown emotion label '{word}'")
            segs.append((EMOTION_INDEX[emo], start, end))
        out[str(cid)] = {"subject": subject, "segments": segs}
    return out


def sample_times(start: float, end: float, n: int) -> np.ndarray:
    """``n`` times spread over [start, end] (segment centres of n equal parts)."""
    return start + (np.arange(n) + 0.5) / n * max(end - start, 0.0)


def read_frames_at(path: Path, times: list[float]) -> list[np.ndarray | None]:
    """The decoded frame nearest each time (seconds from the clip start); None past the end."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise UserError(f"not a readable video: {path} ({str(err).splitlines()[0] if str(err) else 'corrupt'})") from None
    frames: list[tuple[float, np.ndarray]] = []
    with container:
        if not container.streams.video:
            raise UserError(f"no video stream in {path}")
        stream = container.streams.video[0]
        last_needed = max(times) if times else 0.0
        try:
            for fr in container.decode(stream):
                t = float(fr.time) if fr.time is not None else len(frames) / float(stream.average_rate or 25)
                frames.append((t, fr.to_ndarray(format="rgb24")))
                if t > last_needed + 0.5:
                    break
        except av.error.FFmpegError as err:
            if not frames:
                raise UserError(f"cannot decode video {path}: {str(err).splitlines()[0]}") from None
    if not frames:
        raise UserError(f"no frames in video {path}")
    ts = np.array([t for t, _ in frames])
    dur = ts[-1] + (ts[1] - ts[0] if len(ts) > 1 else 0.04)
    return [frames[int(np.abs(ts - t).argmin())][1] if t <= dur else None for t in times]


def _find_videos(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(root.rglob("*")) if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()}


def load_celebvhq(
    root: str | Path,
    fitter=None,
    seed: int = 0,
    n_samples: int | None = None,
    frames_per_segment: int = 3,
    max_angle_deg: float = MAX_ANGLE_DEG,
    min_expressions: int = MIN_EXPRESSIONS,
    progress: bool = False,
) -> tuple[ExpressionDataset, LoadSummary]:
    """Fit CelebV-HQ clips and pair each subject's emotion segments into instruction samples.

    Args:
        root: folder holding ``celebvhq_info.json`` and the clip videos.
        fitter: an object with ``fit(image) -> FaceFit`` (default: a new :class:`emoshift.fitting.Fitter`).
        n_samples: samples to draw (default 46 per kept subject, the paper's CelebV-HQ density).
        frames_per_segment: frames fitted per emotion segment.
        max_angle_deg: faces with |pitch|, |yaw| or |roll| above this are dropped (paper: 15°).
        min_expressions: keep subjects showing at least this many different emotions (paper: more than two).
    """
    from tqdm import tqdm

    root = Path(root)
    if not root.is_dir():
        raise UserError(f"CelebV-HQ folder not found: {root}")
    info_path = root / INFO_FILE
    if not info_path.is_file():
        raise UserError(f"not a CelebV-HQ folder: {info_path} not found")
    info = read_info(info_path)
    videos = _find_videos(root)
    summary = LoadSummary()
    summary.add("clips listed", len(info))
    present = {cid: v for cid, v in info.items() if cid in videos}
    summary.add("clips missing on disk (skipped)", len(info) - len(present))
    if fitter is None and present:
        fitter = default_fitter()
    clips: list[Clip] = []
    neutral: dict[str, list[FrameFit]] = defaultdict(list)
    for cid, entry in tqdm(present.items(), desc="CelebV-HQ clips", unit="clip", disable=not progress):
        path = videos[cid]
        segs = entry["segments"]
        times = []
        for _, start, end in segs:
            times.append(sample_times(start, end if end is not None else _duration(path), frames_per_segment))
        images = read_frames_at(path, [float(t) for ts in times for t in ts])
        k = 0
        for (emotion, _, _), ts in zip(segs, times):
            fits = []
            for j in range(len(ts)):
                img = images[k + j]
                if img is None:
                    summary.add("sample times past the clip end")
                    continue
                f = fit_frame(fitter, img, f"{path} @ {ts[j]:.2f}s", summary)
                if f is None:
                    continue
                if np.abs(f.pose_deg).max() > max_angle_deg:
                    summary.add(f"frames beyond ±{max_angle_deg:g}° (dropped)")
                    continue
                fits.append(f)
            k += len(ts)
            if not fits:
                summary.add("segments without usable frames (skipped)")
                continue
            clips.append(Clip(entry["subject"], emotion, fits, [True] * len(fits)))
            if emotion == EMOTION_INDEX["neutral"]:
                neutral[entry["subject"]] += fits
    by_subject: dict[str, set[int]] = defaultdict(set)
    for c in clips:
        by_subject[c.subject].add(c.emotion)
    all_subjects = {v["subject"] for v in present.values()}
    keep = {s for s, e in by_subject.items() if len(e) >= min_expressions}
    summary.add("subjects found", len(all_subjects))
    summary.add(f"subjects with fewer than {min_expressions} expressions (skipped)", len(all_subjects - keep))
    summary.add("subjects kept", len(keep))
    clips = [c for c in clips if c.subject in keep]
    summary.add("segments kept", len(clips))
    if not clips:
        raise UserError(f"no usable subject in {root} ({summary.line()})")
    bank = bank_from_clips(clips, {s: f for s, f in neutral.items() if s in keep})
    n = n_samples if n_samples is not None else SAMPLES_PER_SUBJECT * len(keep)
    meta = {"preset": "celebvhq", "source": f"CelebV-HQ at {root}", "load_summary": summary.as_dict()}
    ds = make_dataset(bank, int(n), class_weights_of(clips), seed, meta, progress=progress)
    return ds, summary


def _duration(path: Path) -> float:
    """Clip length in seconds (for a whole-clip label)."""
    import av

    try:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            if s.duration is not None and s.time_base is not None:
                return float(s.duration * s.time_base)
            if c.duration is not None:
                return c.duration / 1e6
            return float(s.frames or 1) / float(s.average_rate or 25)
    except (av.error.FFmpegError, OSError, IndexError) as err:
        raise UserError(f"not a readable video: {path} ({err})") from None
