"""Video in: a person's own video with the instructed emotions played over it (issue 17).

>>> from emoshift.pipeline import Pipeline
>>> from emoshift.videoin import animate_video
>>> pipe = Pipeline.load()                                                                  # doctest: +SKIP
>>> res = animate_video(pipe, "talk.mp4", "Make her go from calm to furious", "out.mp4")   # doctest: +SKIP
>>> res.summary()["frames_without_face"]                                                    # doctest: +SKIP

Two passes over the file, streamed (memory does not grow with the length beyond the per-frame fits):

1. **fit**: every frame (scaled to ``max_side``) goes through :func:`emoshift.fitting.video.fit_frames`
   (MediaPipe in tracking mode, one identity for the clip fitted from its least expressive frames
   (:func:`emoshift.videoin.rest.resting_keyframes`: an expression the person holds is not taken into
   the identity), each frame warm-started from and pulled towards the previous one; a face that leaves
   and returns is detected again and fitted afresh). A background
   thread decodes a few frames ahead of the face mesh (:func:`prefetched`); with a core to spare, another
   fits the clip's provisional focal factor and resting-keyframe candidates as their frames are detected
   (:class:`emoshift.videoin.rest.EarlyCandidates`: the face mesh leaves about one core of two); the
   renderers of the first :data:`PREBUILD` frames (the clip's whole renderer and its identity-level
   caches) are built on another while a forked child fits the next frames (:meth:`ClipRenderer.prebuild`,
   ``fit_frames(overlap=PREBUILD)``: neither waits for the other's GIL). The fits' residuals and Jacobian
   are numba kernels (:mod:`emoshift.fitting.kernels`). Each detected frame's
   appearance is sampled at its landmarks (:func:`emoshift.videoin.occlusion.sample`, ~0.5 ms): after
   the pass, :func:`occlusion_clip` finds where something covers the face (a hand over the mouth). The render pass cannot start earlier: every frame's target needs the
   whole clip (its resting face is the median of all the frames' fits, and the clip's identity comes from
   the least expressive of frames spread over it, the last frame among them).
2. **plan**: the instruction is planned as for a photo (``pipe.plan``: the generator's anchors from the
   clip's resting face, :func:`emoshift.videoin.mix.baseline`) and the trajectory
   (:func:`emoshift.trajectory.build_trajectory`, no idle blinks or sway: the person's own are in the
   video) is laid over the frames that show the face (:func:`over_face`: a clip whose face leaves gets
   its apexes where the face is, the faceless frames copied and noted; fewer than
   :data:`MIN_FRAMES_PER_ANCHOR` such frames per anchor are refused); each frame's target expression
   is its own fit changed toward
   the trajectory's: at an instructed anchor the brows, eyes, cheeks, nose and lip shape take the
   emotion's own values, the jaw and lips keep the speaker's articulation with the emotion's opening laid
   over it, what they hold for a second or more (a grin's bared teeth) giving way to the emotion's
   (:mod:`emoshift.videoin.mix`).
3. **render**: each frame with a face is reenacted from its own fit (``render_batch(target, own
   rotation)``: the head pose stays the person's own) by a renderer of the frame: the first frame's is
   the renderer stage's (the default's built as a video frame's directly, ``Reenact.video_frame``), the
   others get theirs from it by ``Reenactor.for_frame`` (the
   identity-level work done once per clip, the same frames as a new renderer; :class:`ClipRenderer`);
   frames without a face, and frames whose target equals their fit, are written untouched. Where an
   occluder covers the face the input's pixels are kept over the reenacted frame, and an occluded
   mouth keeps the speaker's own (:mod:`emoshift.videoin.occlusion`). The lowered upper incisors of an
   opened mouth follow the emotion's own mouth (:func:`mouth_clip`), not the speaker's syllables. Two worker
   threads reenact while the main thread decodes and encodes; frames go to the H.264 encoder in order at
   their input timestamps, with the input's audio remuxed (:class:`Mp4Writer`), into a temporary file
   renamed into place at the end.

Speed (``bench/bench_video.py``; CPU per frame of a 512 x 512 clip): the per-frame fit ~7 ms and the face
mesh ~5 ms run on one core (pass 1, plus ~0.8 s per clip for its camera and identity), each reenacted
frame's renderer ~30 ms and its rendering ~30 ms on two (pass 2; their image filters are GIL-free
kernels, :mod:`emoshift.render.filters`, so the two threads overlap). ``VideoResult.timings`` holds the
stages' seconds.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from emoshift.io import UserError
from emoshift.options import AnimateOptions
from emoshift.videoin import mix
from emoshift.videoin.probe import MAX_SECONDS, DecodeStats, VideoInfo, damage_note, iter_frames, probe

#: Most frames on their way between the decoder and the encoder (reenacted by WORKERS threads): memory is
#: bounded by CHUNK frames.
CHUNK = 8
WORKERS = 2
#: Frames the fit pass decodes ahead of the face mesh (:func:`prefetched`).
PREFETCH = 4
#: The clip's provisional focal factor and resting-keyframe candidates fitted while its frames are still
#: read (:class:`emoshift.videoin.rest.EarlyCandidates`), when a core is to spare.
EARLY = True
#: The first frames whose renderers are built during the fit pass, while the next frames are fitted
#: (:meth:`ClipRenderer.prebuild`): the first (its identity-level part and the identity's caches besides its
#: source: ~0.1 s, ~0.7 s in a new process, which loads the model's tables then) and the second (the first
#: ``for_frame``).
#: More would mostly be wasted: which frames are reenacted is known after the plan only, and a clip's
#: first frames often are not (its emotion starts at the resting face); each also holds ~7 MB (512 x 512).
PREBUILD = 2
#: The stages of :func:`animate_video` for its ``report``: (label, share of the job done at its start, at
#: its end). The shares are the stages' measured times (``bench/bench_video.py``, 512 x 512: the face mesh
#: ~3.3 ms a frame, the clip's identity ~0.7 s once, the per-frame fits ~5.5 ms a frame, the reenactment
#: and encoding ~30 ms a frame): the fit pass is a quarter to a third of a job.
STAGES = {
    "landmarks": ("Finding the face in each frame", 0.0, 0.08),
    "identity": ("Fitting the person's 3D face", 0.08, 0.15),
    "fit": ("Fitting each frame", 0.15, 0.30),
    "render": ("Reenacting the frames", 0.30, 1.0),
}


#: Fewest frames with a face per anchor of the plan (the source and each emotion): a clip with fewer cannot
#: show the plan and is refused.
MIN_FRAMES_PER_ANCHOR = 2
#: Frames at the video's own size looked at for a face when none was found at ``max_side``.
FULL_SIZE_PROBES = 5

#: A copied frame's (decode and encode) time in reenacted frames', for the progress estimate (~3 / 60 ms).
COPY_COST = 0.05


class Progress:
    """Calls ``report(label, fraction of the job done)`` (:data:`STAGES`) as a stage advances, at most
    once per percent; does nothing without ``report``. The reenactment advances by the reenacted frames
    written (a copied frame counts :data:`COPY_COST` of one)."""

    def __init__(self, report=None) -> None:
        self.report, self.last = report, None

    def __call__(self, stage: str, done: float = 0.0, total: float = 1.0) -> None:
        if self.report is None:
            return
        label, lo, hi = STAGES[stage]
        f = lo + (hi - lo) * min(max(done / max(total, 1e-9), 0.0), 1.0)
        key = (label, int(100 * f))
        if key != self.last:
            self.last = key
            self.report(label, f)


@dataclass
class VideoResult:
    """What :func:`animate_video` did. targets/own: (T, 53) per frame (own is NaN without a face);
    rendered: (T,) bool, frames that were reenacted (others were copied); rotations: (T, 3) rendered head
    rotations with ``pose=True``, else None (each frame's own)."""

    path: Path
    info: VideoInfo
    plan: Any
    trajectory: Any
    own: np.ndarray
    targets: np.ndarray
    rendered: np.ndarray
    rotations: np.ndarray | None
    frames_written: int
    seed: int
    timings: dict[str, float] = field(default_factory=dict)
    #: (T, 478) occlusion weights of each frame's landmarks (:mod:`emoshift.videoin.occlusion`; zeros
    #: without a face), None when occluders were not looked for.
    occlusion: np.ndarray | None = None
    #: One-line notes on what the user should know (frames without a face, a damaged file), also warned.
    notes: list[str] = field(default_factory=list)

    @property
    def occluded(self) -> np.ndarray:
        """(T,) bool: frames where an occluder over the face kept the input's pixels."""
        from emoshift.videoin.occlusion import MIN_WEIGHT

        if self.occlusion is None:
            return np.zeros(len(self.own), bool)
        return self.occlusion.max(1) >= MIN_WEIGHT

    @property
    def has_face(self) -> np.ndarray:
        return np.isfinite(self.own[:, 0])

    def summary(self) -> dict:
        """JSON-able facts: plan, frame counts (with/without a face, reenacted), fps, size (upright: a rotated
        input's ``rotation`` is applied), audio, notes, timings."""
        i = self.info
        render_s = self.timings.get("render", 0.0)
        return {
            **self.plan.to_dict(),
            "seed": self.seed,
            "video": str(i.path),
            "frames": int(self.frames_written),
            "fps": float(i.fps),
            "seconds": float(i.seconds),
            "size": [i.out_width, i.out_height],
            "input_size": [i.width, i.height],
            "rotation": i.rotation,
            "variable_frame_rate": i.variable_rate,
            "audio": i.audio,
            "frames_with_face": int(self.has_face.sum()),
            "frames_without_face": int((~self.has_face).sum()),
            "frames_reenacted": int(self.rendered.sum()),
            "frames_occluded": int((self.occluded & self.rendered).sum()),
            "anchor_frames": [int(k) for k in self.trajectory.anchor_frames],
            "output_fps": round(self.frames_written / render_s, 2) if render_s > 0 else None,
            "notes": list(self.notes),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def animate_video(
    pipe,
    video: str | Path,
    instruction: str,
    out: str | Path,
    options: AnimateOptions | None = None,
    max_seconds: float = MAX_SECONDS,
    pose: bool = False,
    force: bool = False,
    progress: bool = False,
    report=None,
    occluders: bool = True,
    **changes: Any,
) -> VideoResult:
    """Write ``out`` (.mp4): ``video`` with ``instruction``'s emotions over the person's own face.

    Args:
        pipe: an :class:`emoshift.pipeline.Pipeline` (its parse, fitter, planner and renderer are used).
        options: :class:`~emoshift.options.AnimateOptions` (default the pipeline's) with ``changes`` by
            name; used: seed, timing, neutral, intensity, max_side (the frames' long-side limit). A video
            keeps its own length and rate, so ``seconds``, ``fps``, ``samples`` > 1, ``face`` > 0 and
            ``crop="face"`` are refused.
        max_seconds: longest accepted video (> 0).
        force: overwrite an existing ``out``.
        pose: also add the emotion's head-pose offset (a nod or tilt) to the person's own head motion.
        progress: progress bars on stderr (tqdm).
        report: called with (stage label, fraction of the job done in [0, 1]) as the job advances
            (:class:`Progress`; the web app's progress bar).
        occluders: keep the input's pixels where something covers the face (a hand over the mouth:
            :mod:`emoshift.videoin.occlusion`); False paints the face's parts over it.
    The plan's timeline is laid over the frames that show the face (:func:`over_face`); frames without
    one are copied, and :attr:`VideoResult.notes` (warned too) says so, as it says what a damaged file lacks.

    Raises:
        UserError: bad instruction or options, an existing ``out`` without ``force``, unreadable, too long
            or one-frame video, no face in any frame, too few frames with a face for the plan, an output
            that is not a writable .mp4 (nothing is written then).
    """
    from emoshift.io import check_output
    from emoshift.threads import process_cpu

    from emoshift.videoin.probe import check_max_seconds

    opts = (options or pipe.options).replace(**changes)
    check_video_options(opts)
    max_seconds = check_max_seconds(max_seconds)
    t0 = time.perf_counter()
    ins = pipe.parse(instruction)  # bad text fails before any decoding
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise UserError(f"a video input is written as .mp4 (with its audio), got {out.name}")
    check_output(out, (".mp4",), force=force, hint="force=True")
    info = probe(video, opts.max_side, max_seconds)
    timings = {"probe": time.perf_counter() - t0}
    seed = opts.seed

    t = time.perf_counter()
    clip = ClipRenderer(pipe)
    step = Progress(report)
    try:
        samples: dict[int, np.ndarray] | None = {} if occluders else None
        stats = DecodeStats()
        own, fits = fit_clip(pipe.fitter, info, progress, timings, prebuild=clip, step=step, samples=samples,
                             stats=stats)  # fmt: skip
        timings["fit"] = time.perf_counter() - t
        notes = [n for n in (damage_note(info, stats), no_face_note(np.isfinite(own[:, 0]), info)) if n]
        occ = None if samples is None else occlusion_clip(samples, own)

        t, c = time.perf_counter(), process_cpu()
        plan, traj, target = plan_clip(pipe, ins, own, info, fits, opts)
        covered = None
        if occ is not None:  # an occluded mouth keeps the speaker's (:func:`occlusion.fade_mouth`)
            from emoshift.emotions import EXPRESSION_NAMES
            from emoshift.videoin.occlusion import fade_mouth, mouth_fade, mouth_masked

            covered = mouth_fade(occ, float(info.fps))
            target = fade_mouth(target, own, covered, list(EXPRESSION_NAMES), mouth_masked(occ, float(info.fps)))
        mouths = mouth_clip(traj, own, info, covered)
        rotations = pose_clip(traj, own, fits, info) if pose else None
        timings["plan"] = time.perf_counter() - t
        timings["proc_cpu_plan"] = process_cpu() - c

        t, c = time.perf_counter(), process_cpu()
        rendered = np.zeros(len(own), bool)
        n = write_clip(pipe, info, fits, own, target, rotations, rendered, out, progress, timings=timings, clip=clip,
                       step=step, occlusion=occ, mouths=mouths)  # fmt: skip
        timings["render"] = time.perf_counter() - t
        timings["proc_cpu_render"] = process_cpu() - c
    finally:
        clip.close()
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return VideoResult(out, info, plan, traj, own, target, rendered, rotations, n, seed, timings, occ, notes)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(start, stop)] of the runs of True in a (T,) bool mask."""
    d = np.diff(np.concatenate([[0], np.asarray(mask, np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def no_face_note(has: np.ndarray, info: VideoInfo) -> str | None:
    """One line on the frames without a face (copied unchanged; the plan plays over the others), None when
    every frame shows one."""
    runs = _runs(~np.asarray(has, bool))
    if not runs:
        return None
    fps, n, k = float(info.fps), len(has), int((~np.asarray(has, bool)).sum())
    said = ", ".join(f"{a}-{b - 1} at {a / fps:.1f}-{b / fps:.1f} s" if b - a > 1 else f"{a} at {a / fps:.1f} s"
                     for a, b in runs[:3]) + (f" and {len(runs) - 3} more" if len(runs) > 3 else "")  # fmt: skip
    return (f"no face in {k} of the {n} frames of {info.path.name} (frame{'s' * (k > 1)} {said}): copied unchanged; "
            f"the emotions play over the {n - k} frames with a face")  # fmt: skip


def occlusion_clip(samples: dict[int, np.ndarray], own: np.ndarray) -> np.ndarray:
    """(T, 478) occlusion weights of the frames from their landmark samples ({frame: (478, 4)}, from
    :func:`fit_clip`) and (T, 53) fitted expressions (NaN without a face;
    :func:`emoshift.videoin.occlusion.occlusion`); zeros for frames without any."""
    from emoshift.videoin.occlusion import occlusion

    n = len(own)
    x = np.zeros((n, 478, 4), np.float32)
    has = np.zeros(n, bool)
    for i, v in samples.items():
        if i < n:
            x[i], has[i] = v, True
    has &= np.isfinite(own[:, 0])
    return occlusion(x, has, np.nan_to_num(own))


def fit_clip(
    fitter, info: VideoInfo, progress: bool, timings: dict | None = None, prebuild: ClipRenderer | None = None,
    step: Progress | None = None, samples: dict[int, np.ndarray] | None = None, stats: DecodeStats | None = None,
) -> tuple[np.ndarray, dict[int, Any]]:
    """Pass 1 -> ((T, 53) fitted expression per decoded frame, NaN without a face; {frame: FaceFit}).
    ``timings``: filled with the stages' seconds (:func:`emoshift.fitting.video.fit_frames`).
    ``prebuild``: the clip's renderer, given the first PREBUILD frames (pixels and fit) as they are
    fitted (:meth:`ClipRenderer.prebuild`: their renderers are built while the next frames are fitted).
    ``step``: told of the frames read and fitted (:class:`Progress`). The clip's identity comes from its
    resting frames (:func:`emoshift.videoin.rest.resting_keyframes`). ``samples``: filled with each
    detected frame's appearance at its landmarks (:func:`emoshift.videoin.occlusion.sample`), for
    :func:`occlusion_clip`. ``stats``: the decoding's (damaged packets, :func:`emoshift.videoin.probe.decoded`).
    No face in any frame of a clip scaled down by ``max_side`` while its own size shows one: the UserError
    says that the scaling made the face too small (:func:`face_at_full_size`)."""
    from emoshift.fitting.video import fit_frames
    from emoshift.threads import spare_core
    from emoshift.videoin.rest import EarlyCandidates, resting_keyframe_fits

    count, step = [0, 0], step or Progress()
    # the clip's first fits while its frames are still read (on the core the face mesh leaves): only with a
    # core to spare (on a busy machine they would take the face mesh's)
    early = EarlyCandidates(fitter, (info.out_width, info.out_height), info.frames) if (
        EARLY and fitter.focal_factor is None and spare_core()) else None  # fmt: skip
    kept: dict[int, np.ndarray] = {}  # the first frames' pixels, until their fit is handed on

    def frames():
        with prefetched(iter_frames(info, stats), PREFETCH) as decoded:  # decoded while the face mesh runs
            for i, rgb, _ in decoded:
                step("landmarks", i, info.frames)
                count[0] = i + 1
                if prebuild is not None and i < PREBUILD:
                    kept[i] = rgb
                yield i, rgb

    def keyframes(*args):
        step("identity")
        return resting_keyframe_fits(*args, early=early)  # with their fits, which the focal and identity start from

    def on_fit(fit) -> None:
        count[1] += 1
        step("fit", count[1], count[0])
        rgb = kept.pop(fit.frame, None)
        if rgb is not None and prebuild is not None:
            prebuild.prebuild(rgb, fit)

    def on_detect(i, rgb, landmarks) -> None:
        from emoshift.videoin.occlusion import sample

        if early is not None:
            early.add(landmarks)
        if samples is not None:
            samples[i] = sample(rgb, landmarks)

    try:
        fitted = fit_frames(fitter, frames(), progress, str(info.path.name), total=info.frames, timings=timings,
                            on_fit=on_fit, keyframes=keyframes,
                            on_detect=None if samples is None and early is None else on_detect,
                            overlap=PREBUILD if prebuild is not None else 0,
                            provisional=None if early is None else early.provisional)  # fmt: skip
    except UserError as err:
        if str(err).startswith("no face found in any frame") and face_at_full_size(fitter, info):
            raise UserError(f"no face found in any frame of {info.path.name} at {info.out_width}x{info.out_height} "
                            f"(scaled down from {info.width}x{info.height} by max_side): the face is too small "
                            f"there; at the video's own size it is found: raise --max-side / max_side "
                            f"(up to {max(info.width, info.height)})") from None  # fmt: skip
        raise
    finally:
        if early is not None:
            early.close()
    kept.clear()
    fits = {f.frame: f for f in fitted}
    own = np.full((count[0], 53), np.nan, np.float32)
    for i, f in fits.items():
        own[i] = np.asarray(f.expression, np.float32)
    return own, fits


def face_at_full_size(fitter, info: VideoInfo) -> bool:
    """True when a clip read scaled down (``max_side``) shows a face big enough for ``fitter`` at its own
    size in one of :data:`FULL_SIZE_PROBES` frames spread over it (False for a clip read at its own size)."""
    from emoshift.fitting.detect import LandmarkDetector
    from emoshift.fitting.video import read_frames, spread

    if (info.out_width, info.out_height) == (info.width, info.height):
        return False
    picks = set(spread(info.frames, FULL_SIZE_PROBES).tolist())
    det = LandmarkDetector(max_faces=1, static=True)
    try:
        with closing(read_frames(info.path, max_frames=max(picks) + 1)) as frames:  # upright, full size
            for i, rgb in frames:
                if i in picks and any(f.size >= fitter.min_face_px for f in det.detect(rgb, fallback=True)):
                    return True
    finally:
        det.close()
    return False


@contextmanager
def prefetched(items: Iterable, depth: int) -> Iterator[Iterator]:
    """``items`` drawn by a background thread, at most ``depth`` ahead of the consumer: the same items in
    the same order (an exception of ``items`` is raised where it occurred). Used for the fit pass's
    decoding, which then runs while the face mesh (GIL released, its own threads) works on the previous
    frame. Leaving the block early stops the thread (it never waits on a full queue for long)."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        it = iter(items)
        try:
            for item in it:
                if not put((item, None)):
                    return
        except BaseException as err:  # noqa: BLE001 (handed to the consumer)
            put((done, err))
            return
        finally:
            getattr(it, "close", lambda: None)()  # a generator's own clean-up (the container), in this thread
        put((done, None))

    def consume() -> Iterator:
        while True:
            item, err = q.get()
            if item is done:
                if err is not None:
                    raise err
                return
            yield item

    thread = threading.Thread(target=produce, name="emoshift-decode", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()


def check_video_options(opts: AnimateOptions) -> None:
    """One-line UserErrors for the options a video cannot take (it keeps its own length and rate)."""
    if opts.seconds is not None:
        raise UserError("seconds is for photos; a video keeps its own length (cut it first to shorten it)")
    if opts.fps != AnimateOptions().fps:
        raise UserError("fps is for photos; a video keeps its own frame rate and timestamps")
    if opts.samples != 1:
        raise UserError("samples is for photos; a video input is animated once")
    if opts.face not in (None, 0):
        raise UserError("face is for photos; a video animates its largest face")
    if opts.crop != "none":
        raise UserError("crop is for photos; a video keeps its frame")


def _per_frame(values, n: int) -> np.ndarray:
    """(n, ...) float32: the trajectory's ``values`` at each of the clip's n frames (its last past its end)."""
    return np.asarray(values, np.float32)[np.minimum(np.arange(n), len(values) - 1)]


def _fade(own: np.ndarray, fps: float) -> np.ndarray:
    """(T,) :func:`mix.face_fade` of the frames with a face (finite ``own``)."""
    return mix.face_fade(np.isfinite(own[:, 0]), mix.FADE_SECONDS * fps)


def plan_clip(pipe, ins, own, info, fits, opts: AnimateOptions):
    """The plan from the clip's resting face, its trajectory laid over the frames that show the face
    (:func:`over_face`), each frame's target (T, 53). UserError when fewer than
    :data:`MIN_FRAMES_PER_ANCHOR` frames per anchor show the face."""
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.trajectory import build_trajectory

    has = np.isfinite(own[:, 0])
    rest = mix.baseline(own[has])
    first = fits[int(np.flatnonzero(has)[0])]
    source = SimpleNamespace(expression=rest, rotation=np.asarray(first.rotation, np.float32))
    plan = pipe.plan(ins, source, opts)[0]
    fps = float(info.fps)
    n, m = len(own), int(has.sum())
    anchors = plan.anchors()
    need = MIN_FRAMES_PER_ANCHOR * len(anchors)
    if m < need:
        labels = " -> ".join(a.label for a in anchors)
        raise UserError(f"{info.path.name} shows a face in {m} frame{'s' * (m != 1)}; {labels} needs at least "
                        f"{need} ({MIN_FRAMES_PER_ANCHOR} per expression): use a longer clip")  # fmt: skip
    traj = over_face(build_trajectory(anchors, fps=fps, seconds=max(m, 2) / fps, timing=opts.timing, idle=False,
                                      intensity=opts.intensity, seed=opts.seed), has)  # fmt: skip
    fade = _fade(own, fps)
    names = list(EXPRESSION_NAMES)
    own_or_rest = np.where(has[:, None], own, rest)
    target = mix.targets(own_or_rest, traj.expression, rest, mix.channel_roles(names), fade, names,
                         mix.SMOOTH_SECONDS * fps, traj.meta["presence"], mix.HOLD_SECONDS * fps)  # fmt: skip
    return plan, traj, target


def over_face(traj, has: np.ndarray):
    """A trajectory built over the clip's m frames with a face (``has`` (T,) bool), laid over all T frames:
    the k-th frame with a face shows the trajectory's frame k, a frame without one holds the one before
    (before the first face: the first). So the apexes fall on frames that show the face, and a face that
    leaves and returns finds the plan where it left it. ``anchor_frames`` and ``meta["frame_bounds"]`` are
    the clip's frames; ``meta["presence"]``: (T,) :func:`mix.presence` of the timeline at each frame. A clip
    with a face in every frame keeps the trajectory as it is."""
    from dataclasses import replace

    has = np.asarray(has, bool)
    face = np.flatnonzero(has)
    idx = np.clip(np.cumsum(has) - 1, 0, len(traj) - 1)
    present = mix.presence(traj.meta["frame_bounds"], len(traj), traj.timing)[idx]

    def at(k):
        return int(face[min(int(k), len(face) - 1)])

    meta = dict(traj.meta, frame_bounds=[at(b) for b in traj.meta["frame_bounds"]], presence=present)
    return replace(traj, expression=traj.expression[idx], rotation=traj.rotation[idx],
                   times=(np.arange(len(has)) / traj.fps).astype(np.float32),
                   anchor_frames=[at(k) for k in traj.anchor_frames], meta=meta)  # fmt: skip


def mouth_clip(traj, own: np.ndarray, info: VideoInfo, covered: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The emotion's own mouth per frame, whose lip gap the reenactor's lowered upper incisors follow
    (``Reenactor.mouth_gap``): ((T, 53) the trajectory's
    expression, (T,) how far it is shown, :func:`mix.mouth_share`; ``covered``: (T,) how far the mouth is
    occluded, :func:`emoshift.videoin.occlusion.mouth_fade`)."""
    n = len(own)
    present = traj.meta.get("presence")
    if present is None:  # a trajectory not laid by over_face
        present = mix.presence(traj.meta["frame_bounds"], n, traj.timing)
    return _per_frame(traj.expression, n), mix.mouth_share(_per_frame(present, n), _fade(own, float(info.fps)), covered)


def pose_clip(traj, own: np.ndarray, fits: dict, info: VideoInfo) -> np.ndarray:
    """(T, 3) head rotations: each frame's own with the trajectory's pose offset (:func:`mix.pose_targets`)."""
    n = len(own)
    own_rot = np.zeros((n, 3), np.float32)
    for i, f in fits.items():
        own_rot[i] = np.asarray(f.rotation, np.float32)
    return mix.pose_targets(own_rot, _per_frame(traj.rotation, n), traj.rotation[0], _fade(own, float(info.fps)))


def write_clip(
    pipe, info, fits, own, target, rotations, rendered, out: Path, progress: bool, inflight: int = CHUNK,
    timings: dict | None = None, clip: ClipRenderer | None = None, step: Progress | None = None,
    occlusion: np.ndarray | None = None, mouths: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Pass 2: decode, reenact (:func:`mix.changed` frames) or copy, and encode every frame into ``out``
    atomically; -> frames written. Sets ``rendered`` to the frames that were reenacted.

    A pipeline over the cores: the main thread decodes and encodes (in order) while WORKERS threads
    reenact, at most ``inflight`` frames on their way (memory does not grow with the length). Frames of
    one clip share the identity-level work of one renderer (:class:`ClipRenderer`). The progress bar
    counts reenacted frames only (copies cost next to nothing), so its estimate is honest. ``timings``:
    gets the CPU seconds of the workers' stages (``cpu_renderer``: the frames' renderers, ``cpu_reenact``:
    their rendering) and of the main thread (``cpu_decode_encode``). ``step``: told of the frames written
    (:class:`Progress`). ``occlusion``: (T, 478) weights of the frames' landmarks (:func:`occlusion_clip`):
    the input's pixels are kept over the reenacted frame where they show an occluder
    (:func:`emoshift.videoin.occlusion.keep_occluders`). ``mouths``: the emotion's mouth per frame
    (:func:`mouth_clip`), whose lip gap the reenactor's lowered upper incisors follow (``Reenactor.mouth_gap``)."""
    import time
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    from emoshift.io import atomic_write_with
    from emoshift.render.raster import inline
    from emoshift.threads import single_thread
    from emoshift.videoin.writer import Mp4Writer

    turn = None
    if rotations is not None:
        own_rot = np.array(rotations, np.float32)
        for i, f in fits.items():
            own_rot[i] = np.asarray(f.rotation, np.float32)
        turn = np.linalg.norm(rotations - own_rot, axis=1)
    todo = mix.changed(own, target, turn)
    written, reenacted = [0], [0]
    clip = ClipRenderer(pipe) if clip is None else clip
    step = step or Progress()
    total = int(todo.sum()) + COPY_COST * (max(info.frames, len(todo)) - int(todo.sum()))

    def one(item):
        i, rgb, _ = item
        if i >= len(todo) or not todo[i]:
            return rgb
        occ = None if occlusion is None or i >= len(occlusion) else occlusion[i]
        mouth = None if mouths is None or i >= len(mouths[1]) else (mouths[0][i], float(mouths[1][i]))
        with inline():  # the frames run in parallel already: a frame's bands stay on its own thread
            return clip.reenact(rgb, fits[i], target[i], None if rotations is None else rotations[i], occ, mouth)

    def write(tmp: Path) -> None:
        bar = tqdm(total=int(todo.sum()), desc="reenact", unit="frame", disable=not progress, leave=False)
        # torch on one thread: the frames run in parallel already, and its tiny ops only wake the pool
        with single_thread(), Mp4Writer(tmp, info) as w, ThreadPoolExecutor(WORKERS) as pool:
            queue: deque = deque()

            def emit() -> None:
                (i, _, pts), job = queue.popleft()
                w.write(job.result(), pts)
                if i < len(todo) and todo[i]:
                    bar.update()
                    reenacted[0] += 1
                # the reenacted frames are the work (a copied frame costs next to nothing)
                step("render", reenacted[0] + COPY_COST * (w.n - reenacted[0]), total)

            for item in iter_frames(info):
                queue.append((item, pool.submit(one, item)))
                while len(queue) > inflight or (queue and queue[0][1].done()):
                    emit()
            while queue:
                emit()
            written[0] = w.n
        bar.close()

    c0 = time.thread_time()
    atomic_write_with(out, write)
    rendered[:] = todo
    if timings is not None:
        timings.update({f"cpu_{k}": v for k, v in clip.cpu.items()})
        timings["cpu_decode_encode"] = time.thread_time() - c0
    return written[0]


class ClipRenderer:
    """Reenacts the frames of one clip: the first frame's renderer (``pipe.renderer``, built once, under a
    lock: the stage may load its head model; the default stage's ``video_frame``: the speaking renderer
    :meth:`Reenactor.of_frame` builds, not a photo's first) gives the others theirs by ``for_frame`` (the identity-level
    work shared) when it has one; any other renderer stage is called per frame.

    :meth:`prebuild` builds a frame's renderer ahead, on a background thread (in the order given), while
    the fit pass goes on; :meth:`reenact` then uses it (the same renderer it would build: the frames are
    the same, ``tests/videoin/test_prebuild.py``). :meth:`close` ends that thread."""

    def __init__(self, pipe) -> None:
        import threading

        self.pipe, self.first, self.lock = pipe, None, threading.Lock()
        self.cpu = {"renderer": 0.0, "reenact": 0.0}  # CPU seconds of the workers' threads
        self.ready: dict[int, tuple[Any, Any]] = {}  # frame -> (its fit, Future of its renderer)
        self._pool = None

    def renderer(self, rgb: np.ndarray, fit):
        if self.first is None:
            with self.lock:
                if self.first is None:
                    stage = self.pipe.renderer
                    if hasattr(stage, "video_frame"):  # the default stage: the speaking renderer built directly
                        first = stage.video_frame(rgb, fit)
                    else:
                        first = stage(rgb, fit)
                        if hasattr(first, "for_frame"):  # the frame's own mouth speaks (Reenactor.speech), the
                            first = first.for_frame(rgb, fit, speech=True)  # first frame's too; the cached one untouched
                    self.first = first
                    return first
        if hasattr(self.first, "for_frame"):
            return self.first.for_frame(rgb, fit)
        return self.pipe.renderer(rgb, fit)

    def prebuild(self, rgb: np.ndarray, fit) -> None:
        """Start building the renderer of ``fit.frame`` (pixels ``rgb``) on the background thread."""
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="emoshift-prebuild")
        self.ready[fit.frame] = (fit, self._pool.submit(self._timed, rgb, fit))

    def _timed(self, rgb: np.ndarray, fit):
        import time

        c0 = time.thread_time()
        renderer = self.renderer(rgb, fit)
        with self.lock:
            self.cpu["renderer"] += time.thread_time() - c0
        return renderer

    def close(self) -> None:
        """Wait for the background thread (a build under way finishes; the others are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.ready.clear()

    def reenact(self, rgb: np.ndarray, fit, target: np.ndarray, rotation: np.ndarray | None = None,
                occlusion: np.ndarray | None = None, mouth: tuple[np.ndarray, float] | None = None) -> np.ndarray:  # fmt: skip
        """:func:`reenact_frame` through :meth:`renderer` (or the renderer :meth:`prebuild` built for this
        fit); with (478,) ``occlusion`` weights of the fit's detected landmarks, the input's pixels are kept
        where they show an occluder (:func:`emoshift.videoin.occlusion.keep_occluders`); with ``mouth``
        ((53,) the emotion's expression, how far it is shown), a speaking renderer lowers the upper
        incisors by that share of its lip gap (``Reenactor.mouth_gap``, :func:`mouth_clip`), not where its upper
        lip is raised off them (``Reenactor.mouth_rise``: the emotion's lip, smooth in time, not the frame's)."""
        import copy
        import time

        c0 = time.thread_time()
        ahead = self.ready.pop(getattr(fit, "frame", None), None)
        renderer = ahead[1].result() if ahead is not None and ahead[0] is fit else self.renderer(rgb, fit)
        if mouth is not None and getattr(renderer, "speech", False):
            renderer = renderer if renderer is not self.first else copy.copy(renderer)  # the shared one untouched
            renderer.mouth_gap = float(mouth[1]) * float(renderer.lip_gaps(mouth[0])[0])
            renderer.mouth_rise = float(renderer.upper_lip_raises(mouth[0])[0])  # the emotion's lip gates them
        c1 = time.thread_time()
        frame = _render(renderer, fit, target, rotation)
        if occlusion is not None:
            from emoshift.videoin.occlusion import keep_occluders

            frame = keep_occluders(frame, rgb, fit.landmarks_detected, occlusion)
        c2 = time.thread_time()
        with self.lock:
            self.cpu["renderer"] += c1 - c0
            self.cpu["reenact"] += c2 - c1
        return frame


def reenact_frame(pipe, rgb: np.ndarray, fit, target: np.ndarray, rotation: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 frame reenacted from its own fit to the (53,) ``target`` at ``rotation`` (3,)
    (default: its own head rotation)."""
    return _render(pipe.renderer(rgb, fit), fit, target, rotation)


def _render(renderer, fit, target: np.ndarray, rotation: np.ndarray | None) -> np.ndarray:
    rot = np.asarray(fit.rotation if rotation is None else rotation, np.float32).reshape(1, 3)
    return np.asarray(renderer.render_batch(np.asarray(target, np.float32)[None], rot)[0], np.uint8)
