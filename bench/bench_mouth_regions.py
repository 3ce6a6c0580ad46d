"""Fine detail of the mouth region, per region, at the apexes of the development photos (issue 11 realism: the
blind panels' most common note, "mouth smeared / smudged / blurred / pasted" on non-happy renders).

bench_sharpness measures the moved face as a whole (0.93-1.00 of the photo's Laplacian); here the frame's
front-of-face skin is split by its surface point's head-frame position into ``lips`` (inside the 68-point
outer-lip contour), ``peri`` (the skin within 1.9 lip half-widths around them, chin excluded), ``chin`` and
``cheeks`` (bench_skin's regions), and per region three luma bands are compared with the photo's, as robust
deviations (1.4826 x MAD: texture, not the few edges): ``fine`` (3 x 3 residual), ``mid`` (Gaussian 1 - 2.5),
``low`` (2.5 - 5); ``q`` over the photo at the same surface points, ``q_r`` over the photo's own pixels of the
same region (what a viewer compares: the render's lips against the photo's lips).

    nice -n 10 .venv/bin/python bench/bench_mouth_regions.py [--tag after] [--save DIR]

Results (session 20, seed 0, the 12 development photos; mouth_regions_before.json / _after.json):

- The reconstruction is the photo (0.92-1.00; the lips' mid band 0.92 where the lip residual moves them).
- The fine grain is 0.96-1.13 of the photo's everywhere (the grain given back hides any loss there); the mid
  and low bands of the lips 0.87-1.04 and 0.89-1.04 per emotion (medians), peri-oral 0.94-1.06 / 0.82-1.09,
  chin >= 1.04, cheeks 0.90-1.03 / 0.72-1.07 (fear, sadness, surprise 0.72-0.74 in the low band).
- The deficits are on the smiling photos' painted-shut mouths (lips' mid band dev05 0.58, dev11 0.71,
  dev03 0.81, dev06 0.82, dev04 / dev12 0.88, medians over the six non-happy apexes; the neutral photos
  0.93-1.05) and, around the mouth, on the two faces looking down (peri-oral mid dev05 0.77, dev11 0.62).
- source_parts.lip_bands (the lips' coarser texture in the painted-shut opening): lips' mid band per emotion
  0.87-1.04 -> 0.92-1.08 (sadness 0.87 -> 0.92, contempt 0.89 -> 0.99); dev12 0.88 -> 0.98, dev06 0.82 ->
  0.99, dev04 0.88 -> 1.08; dev05 0.58 -> 0.59, dev11 unchanged (their deficit is not the fill); the other
  regions unchanged.
"""
import sys, time, json, argparse
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, ApexRenderer, list_photos, load_pipeline
from bench_skin import vertex_regions
from common import report, residual
from scipy.ndimage import gaussian_filter, binary_erosion
from matplotlib.path import Path as MPath

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
EMOS = ("recon",) + tuple(e for e in EMOTIONS8 if e != "neutral")
def mad(x): return float(1.4826 * np.median(np.abs(x - np.median(x)))) if len(x) else float("nan")
def layers(img):
    l = img.astype(np.float32) @ LUMA
    g1, g25, g5 = gaussian_filter(l, 1.0), gaussian_filter(l, 2.5), gaussian_filter(l, 5.0)
    return {"fine": residual(img), "mid": g1 - g25, "low": g25 - g5}

def vregions(r):
    from emoshift.headmodel.regions import MULTIPIE_68
    base = r.base
    reg = vertex_regions(base)
    lm = base[MULTIPIE_68]
    poly = lm[48:60, :2]
    x, y = base[:, 0], base[:, 1]
    lips = MPath(poly).contains_points(base[:, :2])
    c = poly.mean(0); h = np.ptp(poly, 0) / 2
    de = np.hypot((x - c[0]) / h[0], (y - c[1]) / h[1])
    out = np.zeros(len(base), np.int8)
    out[reg == 2] = 4            # cheeks
    out[reg == 3] = 3            # chin
    out[(de < 1.9) & ~lips & (reg != 3)] = 2  # peri-oral
    out[lips] = 1
    out[r.vertex_part != 0] = 0
    return out
NAMES = {1: "lips", 2: "peri", 3: "chin", 4: "cheeks"}

def raster(r, screen, h, w):
    from emoshift.render.raster import raster_box
    _, tid, bary, _ = raster_box(screen, r.triangles, r.n_skin, 0, 0, w, h)
    return tid, bary

def measure(r, photo, frame, expr, rot, vreg, src_regmap):
    h, w = photo.shape[:2]
    screen = r.screens(expr[None], rot[None])[0]
    tid, bary = raster(r, screen, h, w)
    skin = (tid >= 0) & (tid < r.n_skin)
    t = np.where(skin, tid, 0); tv = r.triangles[t]
    src = r.source.screen[:, :2]
    sxy = (bary[..., :, None] * src[tv]).sum(-2)
    ew = (bary * r.exact_weight[tv]).sum(-1)
    front = binary_erosion(skin & (ew > 0.9), np.ones((5, 5), bool))
    ii, jj = np.mgrid[0:h, 0:w]
    reg = vreg[tv[ii, jj, bary.argmax(-1)]]
    si = np.clip(np.floor(sxy[..., 1]).astype(int), 0, h - 1)
    sj = np.clip(np.floor(sxy[..., 0]).astype(int), 0, w - 1)
    LF, LP = layers(frame), layers(photo)
    out = {}
    for k, name in NAMES.items():
        m = front & (reg == k)
        mp = src_regmap == k
        o = {"n": int(m.sum())}
        if m.sum() >= 100:
            for q in LF:
                o[q] = mad(LF[q][m]) / max(mad(LP[q][si[m], sj[m]]), 0.2)  # same surface points
                o[q + "_r"] = mad(LF[q][m]) / max(mad(LP[q][mp]), 0.2)     # region vs photo's region
        out[name] = o
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", default="/work/shared/photos")
    ap.add_argument("--tag", default="")
    ap.add_argument("--save", default="")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    pipe = load_pipeline(); ar = ApexRenderer(pipe)
    rows = []; t0 = time.time()
    for name, sp in list_photos(a.photos, False, samples=False):
        if a.only and a.only not in name: continue
        photo = ar.load(sp); r = ar.renderer
        vreg = vregions(r)
        h, w = photo.shape[:2]
        stid, sbary = raster(r, r.source.screen, h, w)
        sk = (stid >= 0) & (stid < r.n_skin)
        st = np.where(sk, stid, 0); stv = r.triangles[st]
        sew = (sbary * r.exact_weight[stv]).sum(-1)
        sfront = binary_erosion(sk & (sew > 0.9), np.ones((5, 5), bool))
        ii, jj = np.mgrid[0:h, 0:w]
        sreg = np.where(sfront, vreg[stv[ii, jj, sbary.argmax(-1)]], 0)
        frames = {"photo": photo}
        for emo in EMOS:
            if emo == "recon":
                expr, rot = r.source_expression, r.source_rotation
                frame = r.render(expr, rot)
            else:
                ax = ar.apex(emo, 0); expr, rot, frame = ax.expression, ax.rotation, ax.frame
            frames[emo] = frame
            m = measure(r, photo, frame, np.asarray(expr, np.float32), np.asarray(rot, np.float32), vreg, sreg)
            rows.append({"photo": name, "emotion": emo, **m})
        if a.save:
            Path(a.save).mkdir(parents=True, exist_ok=True)
            np.savez_compressed(Path(a.save) / f"{name}.npz", **frames)
        print(f"{name}: {time.time()-t0:.0f}s", file=sys.stderr, flush=True)
    keys = [(n, q) for n in NAMES.values() for q in ("fine", "mid", "low", "fine_r", "mid_r", "low_r")]
    table = []
    for e in EMOS:
        sel = [x for x in rows if x["emotion"] == e]
        table.append({"emotion": e, **{f"{n}_{q}": float(np.nanmedian([x[n].get(q, np.nan) for x in sel]))
                                       for n, q in keys}})
    report("mouth_regions" + (f"_{a.tag}" if a.tag else ""), table, {"renders": rows, "seed": 0})


if __name__ == "__main__":
    main()
