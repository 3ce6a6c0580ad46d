"""The glasses' set-up without scipy.ndimage (:func:`emoshift.render.filters.distance_transform_edt`, numba, in
place of ``scipy.ndimage.distance_transform_edt`` in :func:`emoshift.render.glasses._feather` and
:func:`~emoshift.render.glasses.fill_glasses`): its set-up time on a photo with glasses and its apex renders, run
once on the code before (``--label before --renders DIR``) and once after (``--label after --renders DIR2
--compare DIR``).

- ``setup_cold_s``: a fresh process (emoshift's render modules already imported, the numba kernels in the cache)
  times its first :func:`~emoshift.render.glasses.detect_glasses` + :func:`~emoshift.render.glasses.fill_glasses`
  of the photo (before: the import of scipy.ndimage inside; after: loading the new kernel from numba's cache);
  median of ``--cold`` processes, and whether the process then holds scipy.ndimage. On the new code also the
  variant ``scipy`` (filters.distance_transform_edt replaced by scipy's, imported at the call as the former code
  did), its processes interleaved with the default's: the before/after difference under the same load.
- ``setup_warm_s``: the same calls again in one process (median of 7); ``reenactor_warm_s`` the whole
  renderer's set-up of the photo (``Reenactor(photo, fit, model)``, median of 3).
- ``edt_ms``: the distance transforms alone on the photo's two masks (``~mask`` for the feather, the grown mask
  with indices for the fill), scipy's and (after) the numba one's, median of 20.
- the apex frames of the photos with glasses (dev06, dev08, dev10) at 7 emotions (:class:`ApexRenderer`, seed 0),
  saved as .npy in ``--renders`` (a scratch folder: never commit renders of the dev photos); with ``--compare`` the
  largest |difference| from the earlier run's frames and how many pixels differ at all.

    nice -n 10 .venv/bin/python bench/bench_edt.py --label before --renders /tmp/edt/before
    nice -n 10 .venv/bin/python bench/bench_edt.py --label after --renders /tmp/edt/after --compare /tmp/edt/before
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import PHOTOS_DIR, ApexRenderer, load_pipeline  # noqa: E402

EMOTIONS = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
GLASSES_PHOTOS = ("dev06", "dev08", "dev10")

COLD = """
import sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from emoshift.render import fill, filters, glasses  # imported by the renderer before the glasses' set-up
photo = np.load(sys.argv[1]); lm = np.load(sys.argv[2])
if sys.argv[3] == "scipy" and hasattr(filters, "distance_transform_edt"):  # the former code: scipy's, imported at the call
    def _scipy_edt(*a, **k):
        from scipy.ndimage import distance_transform_edt
        return distance_transform_edt(*a, **k)
    filters.distance_transform_edt = _scipy_edt
had = "scipy.ndimage" in sys.modules
t0 = time.perf_counter()
g = glasses.detect_glasses(photo, lm)
glasses.fill_glasses(photo, g)
t = time.perf_counter() - t0
print(t, had, "scipy.ndimage" in sys.modules)
"""


def _median_time(fn, n: int) -> float:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def setup_times(photo: np.ndarray, fit, model, n_cold: int, scratch: Path) -> dict:
    from emoshift.render import filters
    from emoshift.render.glasses import GRAIN_RING, detect_glasses, fill_glasses
    from emoshift.render.reenact import Reenactor

    lm = np.asarray(fit.landmarks_detected, np.float64)
    scratch.mkdir(parents=True, exist_ok=True)
    np.save(scratch / "photo.npy", photo)
    np.save(scratch / "lm.npy", lm)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore")
    variants = ("default", "scipy") if hasattr(filters, "distance_transform_edt") else ("default",)
    cold: dict = {v: [] for v in variants}
    imports: dict = {}
    for _ in range(n_cold):  # the variants interleaved (the shared machine's load drifts)
        for v in variants:
            out = subprocess.run([sys.executable, "-c", COLD, str(scratch / "photo.npy"), str(scratch / "lm.npy"), v],
                                 capture_output=True, text=True, env=env, check=True)  # fmt: skip
            t, had, has = out.stdout.split()
            cold[v].append(float(t))
            imports[v] = has == "True"
            assert had == "False", "scipy.ndimage imported before the set-up"
    g = detect_glasses(photo, lm)
    warm = _median_time(lambda: fill_glasses(photo, detect_glasses(photo, lm)), 7)
    reen = _median_time(lambda: Reenactor(photo, fit, model), 3)
    # the transforms alone
    grown = filters.binary_dilation(g.mask, np.ones((3, 3), bool), iterations=GRAIN_RING)
    from scipy.ndimage import distance_transform_edt as scipy_edt

    edt = {"scipy": 1e3 * _median_time(lambda: (scipy_edt(~g.mask), scipy_edt(grown, return_indices=True)), 20)}
    if hasattr(filters, "distance_transform_edt"):
        ours = filters.distance_transform_edt
        edt["numba"] = 1e3 * _median_time(lambda: (ours(~g.mask), ours(grown, return_indices=True)), 20)
    return {"setup_cold_s": {v: float(np.median(c)) for v, c in cold.items()}, "setup_cold_all_s": cold,
            "cold_imports_scipy_ndimage": imports,
            "setup_warm_s": warm, "reenactor_warm_s": reen, "edt_ms": edt, "mask_shape": list(g.mask.shape),
            "mask_px": int(g.mask.sum())}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", required=True, help="before | after (the key of this run in the JSON)")
    ap.add_argument("--renders", required=True, help="scratch folder for the apex frames (.npy)")
    ap.add_argument("--compare", default=None, help="an earlier run's --renders folder")
    ap.add_argument("--photos", default=str(PHOTOS_DIR))
    ap.add_argument("--cold", type=int, default=5, help="fresh processes timed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "edt.json"))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    files = {p.stem.split("_")[0]: p for p in sorted(Path(args.photos).iterdir()) if p.suffix.lower() in (".jpg", ".png")}
    apexes = ApexRenderer(load_pipeline())
    out_dir = Path(args.renders)
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict = {"apex": []}
    for name in GLASSES_PHOTOS:
        photo = apexes.load(str(files[name]))
        g = apexes.renderer.glasses
        assert g is not None, f"no glasses found on {name}"
        if name == "dev06":
            res["setup_dev06"] = setup_times(photo, apexes.fit, apexes.renderer.model, args.cold, out_dir / "cold")
        for emotion in EMOTIONS:
            frame = apexes.apex(emotion, args.seed).frame
            np.save(out_dir / f"{name}_{emotion}.npy", frame)
            row = {"photo": name, "emotion": emotion}
            if args.compare:
                ref = np.load(Path(args.compare) / f"{name}_{emotion}.npy")
                d = np.abs(frame.astype(np.int16) - ref.astype(np.int16))
                row.update(max_abs_diff=int(d.max()), px_differ=int((d.max(-1) > 0).sum()))
            res["apex"].append(row)
    s = res["setup_dev06"]
    print(f"{'label':8s} {'variant':8s} {'cold s (median)':>16s} {'scipy.ndimage':>14s}  cold runs")
    for v, c in s["setup_cold_all_s"].items():
        print(f"{args.label:8s} {v:8s} {s['setup_cold_s'][v]:16.3f} {str(s['cold_imports_scipy_ndimage'][v]):>14s}  "
              + " ".join(f"{t:.3f}" for t in c))
    print(f"\n{'label':8s} {'warm s':>8s} {'Reenactor s':>12s} {'edt scipy ms':>13s} {'edt numba ms':>13s}  mask")
    print(f"{args.label:8s} {s['setup_warm_s']:8.3f} {s['reenactor_warm_s']:12.3f} {s['edt_ms']['scipy']:13.2f} "
          f"{s['edt_ms'].get('numba', float('nan')):13.2f}  {s['mask_shape']}")
    if args.compare:
        print(f"\n{'photo':6s} {'emotion':10s} {'max |diff|':>10s} {'px differ':>10s}")
        for r in res["apex"]:
            print(f"{r['photo']:6s} {r['emotion']:10s} {r['max_abs_diff']:10d} {r['px_differ']:10d}")
    path = Path(args.out)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[args.label] = res
    path.write_text(json.dumps(data, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
