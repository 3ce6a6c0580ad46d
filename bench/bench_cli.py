"""Start-up of the command line: what a new user waits for, against the work actually done.

Measures, each the median of ``--repeat`` warm runs (after one untimed run: OS file cache, numba cache):
- ``emoshift --help``, ``emoshift generate "<instruction>" --json`` and ``emoshift animate astronaut
  "<instruction>" --out x.mp4`` (60 frames 512x512) as separate processes, wall time;
- the same animate in-process (models loaded once, after a warm-up run): the work itself; each timed CLI
  animate runs just before one timed in-process animate, and the ratio of each pair is printed too;
- import times (``python -X importtime``, cumulative, first import) of the heavy modules on each CLI path,
  and whether transformers / matplotlib / torch are imported at all;
- where the CLI's fixed cost goes: one fresh process doing the animate stage by stage (imports, each part of
  ``Pipeline.load``, the first fit, render and video write), then the same animate again (the work), wall
  and CPU seconds each (CPU seconds hold better on a busy machine).

With ``--first-run``, also the first ``animate`` after an install: in a fresh numba cache folder and a
fresh emoshift cache (``NUMBA_CACHE_DIR``, ``EMOSHIFT_CACHE``), ``python -m emoshift.warmup`` (what ``make
install`` runs), then one CLI animate on a photo *file* (read-only pixels, the user's case) writing .mp4
and .glb, against the median warm run of the same command; and whether that first run compiled anything.

Targets (issue 14): CLI animate <= 2x the in-process animate; generate < 1 s; first run after install
<= 10 s longer than a warm one.

    .venv/bin/python bench/bench_cli.py [--repeat 3] [--first-run]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

INSTRUCTION = "Turn this face from disgust to happiness"
FRAMES, FPS = 60, 30
MODULES = ("torch", "numba", "mediapipe", "matplotlib", "matplotlib.pyplot", "transformers", "sympy", "scipy", "scipy.linalg",
           "numba.np.arraymath", "mediapipe.tasks.python", "tqdm", "skimage.io", "av",
           "emoshift.pipeline",
           "emoshift.models.generator", "emoshift.text.encoder", "emoshift.render.reenact")
COMMANDS = {
    "help": ["--help"],
    "generate": ["generate", INSTRUCTION, "--json"],
    "animate": ["animate", "astronaut", INSTRUCTION, "--out", "{tmp}/x.mp4", "--force", "--quiet",
                "--seconds", str(FRAMES / FPS), "--fps", str(FPS)],
}


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cli(args: list[str], tmp: str, importtime: bool = False, env: dict | None = None, module: str = "emoshift"
         ) -> tuple[float, float, str]:  # fmt: skip
    """(wall seconds, CPU seconds, stderr) of one ``python -m emoshift ...`` process."""
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", module]
    cmd += [a.format(tmp=tmp) for a in args]
    t, c = time.perf_counter(), _cpu_children()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore",
                                                                        EMOSHIFT_NATIVE_LOGS="1", **(env or {})))  # keep stderr (-X importtime)
    wall, cpu = time.perf_counter() - t, _cpu_children() - c
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return wall, cpu, p.stderr


def import_times(stderr: str) -> dict[str, float]:
    """Cumulative seconds of the first import of each module in MODULES (None: not imported)."""
    out: dict[str, float | None] = {m: None for m in MODULES}
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if m and m.group(2) in out and out[m.group(2)] is None:
            out[m.group(2)] = int(m.group(1)) / 1e6
    return out


def in_process(repeat: int, cli=None) -> tuple[float, list[float], list[float], list]:
    """(load seconds, wall and CPU seconds of each animate + MP4 encode) in this process, after a warm-up;
    with ``cli`` (a callable), ``cli()`` runs just before each timed run and its results are returned too:
    the CLI animate and the in-process one timed in pairs, back to back, so that another job on the machine
    weighs on both alike (timed apart, a busy minute for one of them moved their ratio by 0.3-0.4)."""
    from emoshift.pipeline import Pipeline, sample_photo

    t = time.perf_counter()
    pipe = Pipeline.load(seed=0)
    load = time.perf_counter() - t
    photo = sample_photo()
    times, cpus, paired = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat + 1):
            if i and cli is not None:
                paired.append(cli())
            t, c = time.perf_counter(), time.process_time()
            res = pipe.animate(photo, INSTRUCTION, seed=0, fps=FPS, seconds=FRAMES / FPS)
            res.save(Path(tmp) / "x.mp4", force=True)
            if i:
                times.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
    assert res.frames.shape == (FRAMES, 512, 512, 3)
    return load, times, cpus, paired


# One fresh process doing what ``emoshift animate`` does, stage by stage, then the same animate again (the
# work): where the CLI's fixed cost goes. Imports are timed in this order; a module shared by two goes to the
# first (e.g. numpy to "import numpy").
BREAKDOWN = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
rows, last = [], [time.perf_counter(), time.process_time()]
def lap(stage):
    t, c = time.perf_counter(), time.process_time()
    rows.append({"stage": stage, "wall_s": t - last[0], "cpu_s": c - last[1]})
    last[:] = [t, c]
import numpy; lap("import numpy")
import emoshift.cli; emoshift.cli.build_parser(); lap("import emoshift.cli + argument parser")
from emoshift.fitting.detect import import_mediapipe; import_mediapipe(); lap("import mediapipe (as the fitter does)")
import numba; lap("import numba")
import av; lap("import av")
import emoshift.pipeline, emoshift.render.reenact, emoshift.fitting; lap("import emoshift pipeline, render, fitting")
from emoshift.planning import load_planner
planner = load_planner("auto", None); lap("Pipeline.load: planner (generator + text encoder)")
from emoshift.pipeline import Pipeline, sample_photo
pipe = Pipeline.load(seed=0, planner=planner); lap("Pipeline.load: head model(s), fitter, the rest")
text, o = TEXT, pipe.options.replace(fps=FPS, seconds=SECONDS)
ins = pipe.parse(text); photo = pipe.read_photo(sample_photo()); lap("parse, read the photo")
fit = pipe.fit(photo); lap("first fit (face detector set-up + fit)")
traj = pipe.make_trajectory(pipe.plan(ins, fit, o)[0], o, 0); lap("first plan + trajectory")
pipe.renderer(photo, fit); lap("renderer: first reenactor of the photo")
frames = pipe.render(photo, fit, traj, crop=fit.crop_box()); lap("first render (numba kernels from the cache)")
import tempfile, pathlib
from emoshift.export.video import write_video
tmp = pathlib.Path(tempfile.mkdtemp())
write_video(frames, tmp / "a.mp4", fps=FPS); lap("first video write")
res = pipe.animate(sample_photo(), text, o); pipe.save(res, tmp / "b.mp4", force=True); lap("WORK: animate + video again")
print(json.dumps(rows))
"""


def breakdown() -> list[dict]:
    """Wall and CPU seconds per stage of one fresh process (see BREAKDOWN); the last row is the work."""
    code = BREAKDOWN.replace("TEXT", repr(INSTRUCTION)).replace("FPS", str(FPS)).replace("SECONDS", str(FRAMES / FPS))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONWARNINGS="ignore"))  # fmt: skip
    if p.returncode != 0:
        raise SystemExit(f"breakdown failed:\n{p.stderr[-2000:]}")
    import json

    return json.loads(p.stdout.strip().splitlines()[-1])


FIRST_RUN = ["animate", "{tmp}/photo.png", INSTRUCTION, "--out", "{tmp}/first.mp4", "--glb", "--force", "--quiet",
             "--seconds", str(FRAMES / FPS), "--fps", str(FPS)]  # fmt: skip


def first_run(repeat: int) -> dict:
    """The first CLI animate after the install's warm-up, in fresh caches, vs the same command warm."""
    from PIL import Image

    from emoshift.samples import sample_photo

    with tempfile.TemporaryDirectory() as tmp:
        Image.fromarray(sample_photo()).save(Path(tmp) / "photo.png")
        env = {"NUMBA_CACHE_DIR": f"{tmp}/numba", "EMOSHIFT_CACHE": f"{tmp}/arrays"}
        install, install_cpu, _ = _cli([], tmp, env=env, module="emoshift.warmup")
        first, first_cpu, err = _cli(FIRST_RUN, tmp, env=env)
        warm = [_cli(FIRST_RUN, tmp, env=env)[:2] for _ in range(repeat)]
    compiled = "compiling the render kernels" in err
    w = statistics.median(r[0] for r in warm)
    print(f"first run after install: install warm-up {install:.1f} s; first animate {first:.2f} s, warm "
          f"{w:.2f} s: +{first - w:.2f} s (target <= 10 s) {'PASS' if first - w <= 10 else 'FAIL'}; "
          f"compiled on the first run: {compiled}")  # fmt: skip
    return {"install_warm_up_s": install, "install_warm_up_cpu_s": install_cpu, "first_s": first,
            "first_cpu_s": first_cpu, "warm_s": [r[0] for r in warm], "warm_median_s": w, "first_minus_warm_s": first - w,
            "compiled_on_first_run": compiled, "target_s": 10.0}  # fmt: skip


def bytecode_status() -> dict:
    """Whether this Python writes bytecode at import, and how many of emoshift's modules have current bytecode
    (``__pycache__/*.pyc`` whose header matches the source's mtime and size): with writing off
    (``PYTHONDONTWRITEBYTECODE``, as in this team's sessions) a module without it is compiled from source in
    every process (~0.1 s of a CLI animate); ``python -m emoshift.warmup`` (``make install``) writes it."""
    import importlib.util

    import emoshift

    sources = sorted(Path(emoshift.__file__).resolve().parent.rglob("*.py"))
    current = 0
    for src in sources:
        pyc = Path(importlib.util.cache_from_source(str(src)))
        try:
            head, st = pyc.read_bytes()[:16], src.stat()
        except OSError:
            continue
        current += (int.from_bytes(head[4:8], "little") == 0 and int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
                    and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF)  # fmt: skip
    return {"writes_bytecode": not sys.flags.dont_write_bytecode, "modules": len(sources), "with_current_bytecode": current}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--first-run", action="store_true", help="also time the first animate after an install")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows, imports = [], {}
    bytecode = bytecode_status()
    with tempfile.TemporaryDirectory() as tmp:
        walls, cpus = {}, {}
        for name, cmd in COMMANDS.items():
            imports[name] = import_times(_cli(cmd, tmp, importtime=True)[2])  # untimed: warms the file cache
            if name != "animate":  # animate: timed below, each run paired with an in-process one
                runs = [_cli(cmd, tmp)[:2] for _ in range(args.repeat)]
                walls[name], cpus[name] = [r[0] for r in runs], [r[1] for r in runs]
        load, works, work_cpus, runs = in_process(args.repeat, cli=lambda: _cli(COMMANDS["animate"], tmp)[:2])
        walls["animate"], cpus["animate"] = [r[0] for r in runs], [r[1] for r in runs]
    work, work_cpu = statistics.median(works), statistics.median(work_cpus)
    pair_ratios = [c / w for c, w in zip(walls["animate"], works, strict=True)]
    for name, w in walls.items():
        rows.append({"what": f"CLI {name} (process)", "median_s": statistics.median(w), "min_s": min(w),
                     "max_s": max(w), "cpu_s": statistics.median(cpus[name])})  # fmt: skip
    rows.append({"what": "in-process Pipeline.load (once)", "median_s": load, "min_s": load, "max_s": load, "cpu_s": ""})
    rows.append({"what": f"in-process animate + encode ({FRAMES} frames 512^2)", "median_s": work, "min_s": min(works),
                 "max_s": max(works), "cpu_s": work_cpu})  # fmt: skip
    cli_animate, generate = statistics.median(walls["animate"]), statistics.median(walls["generate"])
    ratio = cli_animate / work
    print()
    print("import seconds (cumulative, -X importtime; '-' = not imported)")
    print("module".ljust(28) + "".join(n.rjust(10) for n in COMMANDS))
    for m in MODULES:
        print(m.ljust(28) + "".join(("-" if imports[n][m] is None else f"{imports[n][m]:.2f}").rjust(10) for n in COMMANDS))
    print()
    cpu_ratio = statistics.median(cpus["animate"]) / work_cpu
    print(f"bytecode: Python writes it at import: {bytecode['writes_bytecode']}; emoshift modules with current "
          f".pyc: {bytecode['with_current_bytecode']} of {bytecode['modules']} (python -m emoshift.warmup writes them)")
    print(f"load average {os.getloadavg()[0]:.1f}; CPU seconds CLI animate / in-process: {cpu_ratio:.1f}x")
    print(f"CLI animate / in-process animate, each run paired with the other back to back: "
          f"{' '.join(f'{r:.2f}' for r in pair_ratios)} (median {statistics.median(pair_ratios):.2f}x)")
    print(f"CLI animate / in-process animate: {ratio:.1f}x (target <= 2x)  "
          f"{'PASS' if ratio <= 2 else 'FAIL'}; generate {generate:.2f} s (target < 1 s) "
          f"{'PASS' if generate < 1 else 'FAIL'}")
    stages = breakdown()
    once, again = stages[:-1], stages[-1]
    print("\none fresh process, stage by stage: the first animate in pieces, then the same again (seconds)")
    print("stage".ljust(52) + "wall".rjust(8) + "cpu".rjust(8))
    for r in stages:
        print(r["stage"].ljust(52) + f"{r['wall_s']:8.3f}{r['cpu_s']:8.3f}")
    w, c = sum(r["wall_s"] for r in once), sum(r["cpu_s"] for r in once)
    print("the first animate, all its stages (a CLI run)".ljust(52) + f"{w:8.3f}{c:8.3f}")
    print("  of which beyond the work (the last row)".ljust(52) + f"{w - again['wall_s']:8.3f}{c - again['cpu_s']:8.3f}")
    first = first_run(args.repeat) if args.first_run else None
    report("cli", rows, {"first_run": first, "breakdown": stages, "imports_s": imports, "cli_over_in_process": ratio, "cli_over_in_process_pairs": pair_ratios, "cpu_cli_over_in_process": cpu_ratio,
                         "generate_s": generate, "targets": {"cli_over_in_process": 2.0, "generate_s": 1.0}, "repeat": args.repeat,
                         "load_average": os.getloadavg(), "bytecode": bytecode})  # fmt: skip


if __name__ == "__main__":
    main()
