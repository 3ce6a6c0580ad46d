"""Benchmark of emoshift.fitting: synthetic round trip, real photos, speed, and eos-py side by side.

    .venv/bin/python bench/bench_fitting.py [--heads 100] [--repeats 20] [--seed 0]
    .venv/bin/python bench/bench_fitting.py --photos ../shared/photos [--compare OLD.json] [--out NEW.json]

Prints a table and writes bench/results/fitting.json. With ``--photos`` only the photos of that directory are
fitted (once each): landmark RMSE per photo, written to bench/results/fitting_photos.json; ``--compare`` a
previous such JSON prints each photo's RMSE difference and largest expression-weight difference from it.

1. Synthetic round trip (the issue's protocol): random ICT heads (identity ~ N(0,1) on 50 modes;
   ``--active`` (6) random blendshapes at U(0,1); pitch +-15, yaw +-30, roll +-10 degrees; 50-70 cm from the camera),
   the 478 model landmarks (the fitter's embedding) projected by the default camera at 512x512 with
   N(0, 1 px) noise per axis, fitted back without depth. Reported: landmark RMSE against the noisy
   input, rotation error (geodesic degrees), expression mean absolute error over the weights that move
   landmarks (max landmark displacement of a unit weight >= OBSERVABLE_CM) and per blendshape.
2. Real photos (skimage astronaut, matplotlib grace_hopper): RMSE in px and % of inter-ocular distance,
   smile and eye weights, the estimated focal factor, and the eye aperture (lid height / eye width) of
   the fitted vs the detected landmarks.
3. Speed: median over repeats, after warm-up, of the photo fit split into detection and fitting.
4. eos-py 1.5.0 (if importable): an eos MorphableModel built from the same ICT arrays (head region, 50
   identity modes, 53 blendshapes), fitted with ``eos.fitting.fit_shape_and_pose`` to the 68 Multi-PIE
   points of the same synthetic heads; emoshift's solver fitted to the same 68 points. Both report
   landmark RMSE and time.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

OBSERVABLE_CM = 0.25  # ~2 px at the benchmark's scale (1 cm ~ 8.5 px), twice the landmark noise
RESULTS = Path(__file__).resolve().parent / "results" / "fitting.json"


def rot_err_deg(r0: np.ndarray, r1: np.ndarray) -> float:
    c = (float(np.trace(np.asarray(r0, np.float64).T @ np.asarray(r1, np.float64))) - 1) / 2
    return math.degrees(math.acos(min(1.0, max(-1.0, c))))


def _rms(d: np.ndarray) -> float:
    return float(np.sqrt((np.asarray(d, np.float64) ** 2).sum(1).mean()))


def synthetic_heads(solver, solver68, n: int, seed: int, size: int = 512, active: int = 6):
    from emoshift.camera import Camera
    from emoshift.headmodel.ops import euler_to_matrix

    g = torch.Generator().manual_seed(seed)
    cam = Camera.default(size, size)
    heads = []
    for _ in range(n):
        a = torch.randn(solver.k, generator=g, dtype=torch.float64)
        e = torch.zeros(solver.n_exp, dtype=torch.float64)
        idx = torch.randperm(solver.n_exp, generator=g)[:active]
        e[idx] = torch.rand(active, generator=g, dtype=torch.float64)
        pyr = (torch.rand(1, 3, generator=g, dtype=torch.float64) * 2 - 1) * torch.tensor([15.0, 30.0, 10.0])
        rot = euler_to_matrix(pyr)[0].numpy()  # torch draws the numbers (the same heads as before), numpy fits
        t = (torch.tensor([0.0, 0.0, -60.0], dtype=torch.float64) + (torch.rand(3, generator=g, dtype=torch.float64) * 2 - 1) * torch.tensor([3.0, 3.0, 10.0])).numpy()
        a, e = a.numpy(), e.numpy()
        x = solver.shape(a, e).astype(np.float64) @ rot.T + t
        x68 = solver68.shape(a, e).astype(np.float64) @ rot.T + t
        heads.append(
            dict(
                a=a, e=e, rot=rot, t=t, pyr=pyr[0].numpy(),
                clean=cam.project(x),
                obs=cam.project(x) + torch.randn(x.shape[0], 2, generator=g, dtype=torch.float64).numpy(),
                obs68=cam.project(x68) + torch.randn(68, 2, generator=g, dtype=torch.float64).numpy(),
            )
        )  # fmt: skip
    return cam, heads


def bench_synthetic(fitter, heads, cam):
    from emoshift.fitting.fitter import single_thread

    solver = fitter.solver
    disp = np.linalg.norm(solver.basis[:, :, solver.k :], axis=1).max(0)  # (53,) cm
    observable = disp >= OBSERVABLE_CM
    rows, per_exp, times = [], [], []
    with single_thread():
        for h in heads:
            t0 = time.perf_counter()
            s = solver.fit(h["obs"], cam.focal, cam.cx, cam.cy)
            times.append((time.perf_counter() - t0) * 1000)
            proj = solver.project(solver.points(s), cam.focal, cam.cx, cam.cy)
            err = np.abs(s.expression - h["e"])
            per_exp.append(err)
            rows.append(
                dict(
                    rmse=_rms(proj - h["obs"]),
                    rmse_clean=_rms(proj - h["clean"]),
                    rot=rot_err_deg(h["rot"], s.rotation),
                    exp_mae=float(err[observable].mean()),
                    exp_mae_all=float(err.mean()),
                    id_err=float(np.abs(s.identity - h["a"]).mean()),
                )
            )
    per = np.stack(per_exp).mean(0)
    names = fitter.model.expression_names
    return dict(
        n=len(heads),
        landmark_rmse_px_mean=statistics.mean(r["rmse"] for r in rows),
        landmark_rmse_px_max=max(r["rmse"] for r in rows),
        landmark_rmse_vs_noise_free_px_mean=statistics.mean(r["rmse_clean"] for r in rows),
        rotation_error_deg_mean=statistics.mean(r["rot"] for r in rows),
        rotation_error_deg_max=max(r["rot"] for r in rows),
        expression_mae_observable=statistics.mean(r["exp_mae"] for r in rows),
        expression_mae_all=statistics.mean(r["exp_mae_all"] for r in rows),
        identity_mae=statistics.mean(r["id_err"] for r in rows),
        n_observable=int(observable.sum()),
        fit_ms_median=statistics.median(times),
        per_blendshape={
            n: dict(mae=round(float(per[i]), 4), max_landmark_shift_cm=round(float(disp[i]), 3), observable=bool(observable[i]))
            for i, n in enumerate(names)
        },
    )


EYE_WEIGHTS = ("eyeWide_L", "eyeWide_R", "eyeBlink_L", "eyeBlink_R", "eyeSquint_L", "eyeSquint_R")


def eye_aperture(p: np.ndarray) -> tuple[float, float]:
    """Lid height / eye width of the subject's right (159-145 / 33-133) and left eye (386-374 / 362-263)."""
    d = lambda i, j: float(np.linalg.norm(p[i] - p[j]))  # noqa: E731
    return d(159, 145) / d(33, 133), d(386, 374) / d(362, 263)


def bench_real(fitter, repeats: int):
    import matplotlib.cbook as cb
    from skimage import data

    from emoshift.fitting import load_image

    photos = {
        "astronaut": load_image(data.astronaut()),
        "grace_hopper": load_image(cb.get_sample_data("grace_hopper.jpg", asfileobj=False)),
    }
    out = {}
    for name, img in photos.items():
        for _ in range(3):  # warm-up
            fitter.fit(img)
        fits = [fitter.fit(img) for _ in range(repeats)]
        f = fits[-1]
        out[name] = dict(
            size=list(f.image_size),
            landmark_rmse_px=f.landmark_rmse_px,
            interocular_px=f.interocular_px,
            rmse_percent_interocular=100 * f.landmark_rmse_iod,
            mouthSmile_L=f.weight("mouthSmile_L"),
            mouthSmile_R=f.weight("mouthSmile_R"),
            rotation_pyr_deg=[round(float(v), 2) for v in f.rotation_euler_deg],
            focal_factor=round(f.focal_factor, 3),
            eye_aperture_fitted=[round(float(v), 3) for v in eye_aperture(f.landmarks_fitted)],
            eye_aperture_detected=[round(float(v), 3) for v in eye_aperture(f.landmarks_detected)],
            eye_weights={k: round(f.weight(k), 3) for k in EYE_WEIGHTS},
            top_expressions={k: round(v, 3) for k, v in sorted(f.expression_dict().items(), key=lambda kv: -kv[1])[:6]},
            total_ms_median=statistics.median(x.time_ms for x in fits),
            detect_ms_median=statistics.median(x.time_detect_ms for x in fits),
            fit_ms_median=statistics.median(x.time_fit_ms for x in fits),
        )
    return out


def bench_photos(fitter, folder: Path) -> dict:
    """One fit of each photo in ``folder``: landmark RMSE (px, % of the inter-ocular distance), the weights."""
    from emoshift.fitting import load_image

    out = {}
    for path in sorted(folder.glob("*.jpg")):
        f = fitter.fit(load_image(path))
        out[path.stem] = dict(landmark_rmse_px=f.landmark_rmse_px, rmse_percent_interocular=100 * f.landmark_rmse_iod,
                              expression=[float(v) for v in f.expression])
    return out


def photos_main(args) -> int:
    from emoshift.fitting import Fitter
    from emoshift.io import atomic_write

    res = bench_photos(Fitter(), Path(args.photos))
    old = json.loads(Path(args.compare).read_text())["photos"] if args.compare else {}
    print(f"{'photo':40s} {'RMSE px':>8s} {'%IOD':>6s}" + (f" {'old RMSE':>9s} {'diff px':>9s} {'max |de|':>9s}" if old else ""))
    for name, r in res.items():
        line = f"{name:40s} {r['landmark_rmse_px']:>8.4f} {r['rmse_percent_interocular']:>6.3f}"
        if name in old:
            o = old[name]
            de = np.abs(np.subtract(r["expression"], o["expression"])).max()
            line += f" {o['landmark_rmse_px']:>9.4f} {r['landmark_rmse_px'] - o['landmark_rmse_px']:>+9.1e} {de:>9.1e}"
        print(line)
    mean = statistics.mean(r["landmark_rmse_px"] for r in res.values())
    print(f"{'mean':40s} {mean:>8.4f}" + (f" {statistics.mean(o['landmark_rmse_px'] for o in old.values()):>16.4f}" if old else ""))
    out = Path(args.out if args.out != str(RESULTS) else RESULTS.with_name("fitting_photos.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, (json.dumps(dict(photos=res, mean_rmse_px=mean), indent=1) + "\n").encode())
    print(f"\nwrote {out}")
    return 0


def build_eos_model(model):
    import eos

    from emoshift.headmodel import load_arrays

    arrays = load_arrays()
    keep = model.vertex_ids
    k = model.n_identity
    mean = arrays["neutral_vertices"][keep].reshape(-1).astype(np.float32)
    ident = arrays["identity_deltas"][:k][:, keep].reshape(k, -1).T.astype(np.float32)  # (3V, K)
    norms = np.linalg.norm(ident, axis=0)
    tris = model.triangles.tolist()
    # eos uses basis * sqrt(eigenvalue) (the "rescaled" basis): unit columns + squared norms give back the ICT modes
    shape = eos.morphablemodel.PcaModel(mean, ident / norms, (norms**2).astype(np.float32), tris)
    blend = [
        eos.morphablemodel.Blendshape(n, arrays["expression_deltas"][i][keep].reshape(-1).astype(np.float32))
        for i, n in enumerate(model.expression_names)
    ]
    mm = eos.morphablemodel.MorphableModel(shape, blend, eos.morphablemodel.PcaModel())
    # region index of each Multi-PIE landmark vertex
    from emoshift.headmodel.regions import MULTIPIE_68

    remap = {int(v): i for i, v in enumerate(keep)}
    lmk_vertices = [remap[int(v)] for v in MULTIPIE_68]
    return eos, mm, lmk_vertices


def bench_eos(fitter, heads, cam):
    from emoshift.fitting.fitter import single_thread
    from emoshift.fitting.solver import LandmarkSolver

    m = fitter.model
    ours = LandmarkSolver(m.lmk68_neutral, m.lmk68_identity, m.lmk68_expression, fitter.solver.config)
    res = {"emoshift_68": [], "eos": []}
    try:
        eos, mm, lmk_vertices = build_eos_model(m)
    except Exception as err:  # noqa: BLE001 - report exactly what failed
        return dict(status=f"eos-py unusable: {type(err).__name__}: {err}")
    mapper = eos.core.LandmarkMapper()
    w, h = cam.width, cam.height
    for hd in heads:
        obs = hd["obs68"]
        with single_thread():
            t0 = time.perf_counter()
            s = ours.fit(obs, cam.focal, cam.cx, cam.cy)
            dt = (time.perf_counter() - t0) * 1000
        proj = ours.project(ours.points(s), cam.focal, cam.cx, cam.cy)
        res["emoshift_68"].append(
            dict(rmse=_rms(proj - obs), rot=rot_err_deg(hd["rot"], s.rotation), ms=dt)
        )
        lms = [eos.core.Landmark(str(v), obs[i].astype(np.float32)) for i, v in enumerate(lmk_vertices)]
        t0 = time.perf_counter()
        mesh, pose, shape_c, blend_c = eos.fitting.fit_shape_and_pose(mm, lms, mapper, w, h, num_iterations=5)
        dt = (time.perf_counter() - t0) * 1000
        cam34 = eos.fitting.get_3x4_affine_camera_matrix(pose, w, h)
        v = np.asarray(mesh.vertices)[lmk_vertices]
        uv = (cam34 @ np.c_[v, np.ones(len(v))].T).T[:, :2]
        # eos' 3x4 affine camera maps model space to image pixels (y down), like the observations
        r_eos = _quat_to_matrix(pose.get_rotation())  # same head frame: checked on yaw/pitch/roll
        res["eos"].append(
            dict(rmse=float(np.sqrt(((uv - obs) ** 2).sum(1).mean())), rot=rot_err_deg(hd["rot"], r_eos), ms=dt)
        )
    summary = {}
    for k, rows in res.items():
        summary[k] = dict(
            landmark_rmse_px_mean=statistics.mean(r["rmse"] for r in rows),
            rotation_error_deg_mean=statistics.mean(r["rot"] for r in rows),
            fit_ms_median=statistics.median(r["ms"] for r in rows),
        )
    summary["status"] = "ok"
    summary["eos_version"] = _version("eos-py")
    summary["note"] = (
        "eos fits a scaled-orthographic camera; the heads are rendered with the perspective default camera, "
        "so part of eos' error is the camera model. Both fit 50 identity modes + 53 blendshapes to 68 points."
    )
    return summary


def _quat_to_matrix(q) -> np.ndarray:
    x, y, z, w = (float(v) for v in q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _version(pkg: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heads", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--active", type=int, default=6, help="blendshapes active per synthetic head (default 6)")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--photos", help="only fit the photos (*.jpg) of this directory, once each")
    ap.add_argument("--compare", help="with --photos: a previous --photos JSON to compare with")
    args = ap.parse_args(argv)
    if args.photos:
        return photos_main(args)

    from emoshift.fitting import Fitter
    from emoshift.fitting.solver import LandmarkSolver

    fitter = Fitter()
    m = fitter.model
    solver68 = LandmarkSolver(m.lmk68_neutral, m.lmk68_identity, m.lmk68_expression)
    cam, heads = synthetic_heads(fitter.solver, solver68, args.heads, args.seed, active=args.active)
    syn = bench_synthetic(fitter, heads, cam)
    real = bench_real(fitter, args.repeats)
    try:
        import eos  # noqa: F401

        eos_res = bench_eos(fitter, heads, cam)
    except ImportError as err:
        eos_res = dict(status=f"eos-py not importable: {err}")

    print(f"\nemoshift.fitting benchmark ({platform.processor() or platform.machine()}, torch {torch.__version__})")
    print(f"{'synthetic round trip':34s} {'value':>10s} {'target':>8s}")
    print(f"{'  landmark RMSE px (mean / max)':34s} {syn['landmark_rmse_px_mean']:>5.2f}/{syn['landmark_rmse_px_max']:<4.2f} {'<= 1.5':>8s}")
    print(f"{'  RMSE to noise-free landmarks px':34s} {syn['landmark_rmse_vs_noise_free_px_mean']:>10.2f}")
    print(f"{'  rotation error deg (mean / max)':34s} {syn['rotation_error_deg_mean']:>5.2f}/{syn['rotation_error_deg_max']:<4.2f} {'<= 1.5':>8s}")
    print(f"{'  expression MAE, observable':34s} {syn['expression_mae_observable']:>10.3f} {'<= 0.08':>8s}  ({syn['n_observable']}/53 weights)")
    print(f"{'  expression MAE, all 53':34s} {syn['expression_mae_all']:>10.3f}")
    print(f"{'  fit ms (median, no detection)':34s} {syn['fit_ms_median']:>10.1f}")
    weak = [(n, v["mae"]) for n, v in syn["per_blendshape"].items()]
    weak.sort(key=lambda kv: -kv[1])
    print("  worst blendshapes:", ", ".join(f"{n} {v:.3f}" for n, v in weak[:6]))
    print(f"\n{'photo':14s} {'RMSE px':>8s} {'%IOD':>6s} {'smile L/R':>11s} {'total ms':>9s} {'detect':>7s} {'fit':>6s}")
    for name, r in real.items():
        print(
            f"{name:14s} {r['landmark_rmse_px']:>8.2f} {r['rmse_percent_interocular']:>6.2f} "
            f"{r['mouthSmile_L']:>5.2f}/{r['mouthSmile_R']:<5.2f} {r['total_ms_median']:>9.1f} "
            f"{r['detect_ms_median']:>7.1f} {r['fit_ms_median']:>6.1f}"
        )
        ew = r["eye_weights"]
        print(
            f"{'':14s} focal x{r['focal_factor']:.2f}, pitch {r['rotation_pyr_deg'][0]:.1f} deg, eyeWide L/R "
            f"{ew['eyeWide_L']:.2f}/{ew['eyeWide_R']:.2f}, eye aperture R/L fitted "
            f"{r['eye_aperture_fitted'][0]:.3f}/{r['eye_aperture_fitted'][1]:.3f} vs detected "
            f"{r['eye_aperture_detected'][0]:.3f}/{r['eye_aperture_detected'][1]:.3f}"
        )
    print(f"\n68-point comparison on the same synthetic heads: {eos_res.get('status')}")
    if eos_res.get("status") == "ok":
        print(f"{'method':14s} {'RMSE px':>8s} {'rot deg':>8s} {'ms':>7s}")
        for k in ("emoshift_68", "eos"):
            r = eos_res[k]
            print(f"{k:14s} {r['landmark_rmse_px_mean']:>8.2f} {r['rotation_error_deg_mean']:>8.2f} {r['fit_ms_median']:>7.1f}")
    result = dict(
        synthetic=syn,
        photos=real,
        eos_comparison=eos_res,
        config=dict(heads=args.heads, repeats=args.repeats, seed=args.seed, active=args.active, observable_cm=OBSERVABLE_CM),
        machine=dict(python=sys.version.split()[0], torch=torch.__version__, cpus=torch.get_num_threads()),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from emoshift.io import atomic_write

    atomic_write(out, (json.dumps(result, indent=1) + "\n").encode())
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
