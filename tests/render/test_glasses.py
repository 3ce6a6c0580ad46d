"""Glasses stay rigid (:mod:`emoshift.render.glasses`): a synthetic skin-coloured photo of the model's own face with
painted sunglasses (dark lenses, a darker rim, a bridge) or clear glasses (a rim only) around its eyes, rendered
with the brows raised and the cheeks squinted. The lenses' and rims' pixels must stay where the photo has them
(the head does not turn); the former renderer (``keep_glasses = False``) moved them with the brows (the control).
The same photo without glasses: nothing found, the frame byte-identical to the former renderer's. The fill under
the glasses keeps a grainy skin's grain (the former clear fill, pull-push, was smooth: the control), and the mask
takes in a lens edge's tint beside the rim and an aviator's skin-hued top bar (the former mask did not). A skin-hued
reflection in a wayfarer's dark lens does not stop its outline (the former outline stopped there: the lens's corner and
rim bent), and the bridge search starts at the lenses' top even where the rays towards the bridge are dropped."""

import numpy as np
import pytest

from emoshift.render.glasses import detect_glasses
from emoshift.render.reenact import Reenactor

SIZE = 512
SKIN = np.array([205.0, 150.0, 128.0])
LENS = np.array([28.0, 30.0, 36.0])
RIM = np.array([12.0, 10.0, 10.0])
#: The expression: brows raised, cheeks squinted (surprise's brows, happiness's cheeks).
RAISE = {"browInnerUp_L": 1.0, "browInnerUp_R": 1.0, "browOuterUp_L": 1.0, "browOuterUp_R": 1.0,
         "cheekSquint_L": 0.8, "cheekSquint_R": 0.8}  # fmt: skip
#: Measured (seeds 0-2 x sunglasses / clear x round / wide lenses): the share of the painted glasses in the found
#: mask 0.987-1.0; the frame against the photo over the painted glasses: mean |luma| 0.0-0.36 levels, IoU of the
#: dark outlines (luma < 90, the glasses' box grown by 12 px) 0.993-1.0; the former renderer 21-92 levels, IoU
#: 0.21-0.72. The skin above the glasses still moves: mean |frame - photo| 4.2-4.8 levels over the 34 rows
#: above them.
FOUND_MIN = 0.95
RIGID_ERR_MAX = 2.0
RIGID_IOU_MIN = 0.97
FORMER_ERR_MIN = 10.0
FORMER_IOU_MAX = 0.85
ABOVE_MOVES_MIN = 2.0


#: A wayfarer lens (:func:`_photo`'s ``shape``): its centre this many eye widths outwards of the eye's, its half axes.
WAYFARER_OUT = 0.25
WAYFARER_AXES = (1.0, 0.78)


def _fit(full_model, fit_factory):
    fit = fit_factory(size=(SIZE, SIZE))
    lmk = full_model.landmarks(np.zeros((1, 50)), np.zeros((1, 53)), np.zeros((1, 3)), np.array([(0.0, -1.0, -60.0)]))[0]
    fit.landmarks_detected = fit.camera.project(lmk).astype(np.float32)
    return fit


def _photo(fit, seed: int, kind: str, shape: str):
    """A skin photo (a faint smooth texture) with painted glasses; returns it and the glasses' (h, w) bool mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    tex = sum(np.sin(2 * np.pi * (rng.uniform(2, 8) * xx + rng.uniform(2, 8) * yy) + rng.uniform(0, 6)) for _ in range(4))
    img = SKIN[None, None, :] * (1.0 + 0.03 * tex[..., None])
    lm = np.asarray(fit.landmarks_detected, np.float64)
    glasses = np.zeros((SIZE, SIZE), bool)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    for outer, inner in ((33, 133), (263, 362)):
        c = 0.5 * (lm[outer] + lm[inner]) + np.array([0.0, 3.0 + rng.uniform(-1, 1)])
        we = float(np.linalg.norm(lm[outer] - lm[inner]))
        ax, ay = (0.85 * we, 0.85 * we) if shape == "round" else (0.95 * we, 0.68 * we)
        p = 4.0 if shape != "round" else 2.0  # a superellipse: wide lenses are squarer
        if shape == "wayfarer":  # large, reaching past the eye's outer corner (feat multi_face's)
            c = c + np.array([WAYFARER_OUT * we * np.sign(lm[outer][0] - lm[inner][0]), 0.1 * we])
            ax, ay = WAYFARER_AXES[0] * we, WAYFARER_AXES[1] * we
        r = (np.abs(xx - c[0]) / ax) ** p + (np.abs(yy - c[1]) / ay) ** p
        lens = r <= 1.0
        rim = lens & (r >= (1.0 - 3.5 / ax) ** p)
        if kind == "none":
            continue
        if kind == "sun":
            img[lens] = LENS
        img[rim] = RIM
        glasses |= rim | (lens if kind == "sun" else False)
    if kind == "none":
        return np.clip(img + 0.5, 0, 255).astype(np.uint8), glasses
    # the bridge: a bar between the lenses' upper parts
    y = int(lm[33][1] - 2)
    bar = (slice(y - 2, y + 2), slice(int(lm[133][0]) + 2, int(lm[362][0]) - 2))
    img[bar] = RIM
    glasses[bar] = True
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), glasses


def _measure(frame, photo, mask):
    luma = np.array([0.299, 0.587, 0.114])
    lf, lp = frame.astype(float) @ luma, photo.astype(float) @ luma
    err = float(np.abs(lf - lp)[mask].mean())
    ys, xs = np.nonzero(mask)
    box = np.s_[ys.min() - 12 : ys.max() + 13, xs.min() - 12 : xs.max() + 13]
    a, b = lf[box] < 90, lp[box] < 90
    return err, float((a & b).sum() / (a | b).sum())


def _render(photo, fit, model, expr, keep=True):
    Reenactor.keep_glasses = keep
    try:
        re = Reenactor(photo, fit, model)
        return re, re.render(expr, fit.rotation)
    finally:
        Reenactor.keep_glasses = True


@pytest.mark.parametrize("seed,kind,shape", [(0, "sun", "round"), (1, "sun", "wide"), (2, "clear", "round"),
                                             (1, "clear", "wide")])  # fmt: skip
def test_glasses_stay_rigid(full_model, fit_factory, seed, kind, shape):
    fit = _fit(full_model, fit_factory)
    photo, mask = _photo(fit, seed, kind, shape)
    expr = full_model.expression_vector(RAISE)
    re, frame = _render(photo, fit, full_model, expr)
    assert re.glasses is not None and re.glasses.kind == kind
    # the painted glasses are all in the found mask
    found = np.zeros(mask.shape, bool)
    (x0, y0), (h, w) = re.glasses.origin, re.glasses.mask.shape
    found[y0 : y0 + h, x0 : x0 + w] = re.glasses.mask
    assert found[mask].mean() > FOUND_MIN, found[mask].mean()
    err, iou = _measure(frame, photo, mask)
    assert err <= RIGID_ERR_MAX and iou >= RIGID_IOU_MIN, (err, iou)
    # the control: the former renderer bends them with the brows and cheeks
    _, former = _render(photo, fit, full_model, expr, keep=False)
    err0, iou0 = _measure(former, photo, mask)
    assert err0 >= FORMER_ERR_MIN and iou0 <= FORMER_IOU_MAX, (err0, iou0)
    # the face around them still moves (the expression is not lost): skin above the glasses changes
    ys, xs = np.nonzero(mask)
    above = np.s_[max(ys.min() - 40, 0) : ys.min() - 6, xs.min() : xs.max()]
    assert np.abs(frame[above].astype(int) - photo[above].astype(int)).mean() > ABOVE_MOVES_MIN
    # at the photo's own expression and pose, the photo
    same = re.render(fit.expression, fit.rotation)
    assert np.array_equal(same, photo)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_glasses_nothing_changes(full_model, fit_factory, seed):
    fit = _fit(full_model, fit_factory)
    photo2, _ = _photo(fit, seed, "none", "round")  # skin only
    assert detect_glasses(photo2, np.asarray(fit.landmarks_detected)) is None
    expr = full_model.expression_vector(RAISE)
    re, frame = _render(photo2, fit, full_model, expr)
    assert re.glasses is None
    _, former = _render(photo2, fit, full_model, expr, keep=False)
    assert np.array_equal(frame, former)


# --- lens22: the fill under the glasses looks photographed; the mask takes in a lens edge's tint and a top bar ---

#: Measured (seeds 0-2, grain: Gaussian noise of 9 levels blurred by 0.7 px, a 40-level shading gradient): the
#: fill's grain (robust std of the luma less a Gaussian of 1.5 px, over the mask) over the true skin's there:
#: sunglasses 0.82-0.95, clear rims 0.94-0.98; the former clear fill (pull-push across the band) 0.13-0.16. The
#: fill's shading (Gaussian of 4 px) off the true skin's: sunglasses 2.1-4.9 levels, clear 0.7-1.0.
GRAIN_MIN = 0.6
FORMER_GRAIN_MAX = 0.3
SHADING_ERR_MAX = 7.0
#: Measured (seeds 0-2): the share of a light blue tint over 4 px inside the rims and of a skin-hued top bar in the
#: found mask 1.0 and 1.0; the former mask (no edge growth, no top bar) 0.38-0.39 and 0.14-0.20.
TINT_FOUND_MIN = 0.9
BAR_FOUND_MIN = 0.9
FORMER_FOUND_MAX = 0.6


def _grainy(fit, seed, kind, shape):
    """The glasses photo and the true skin under it (the same photo without glasses) with a photograph's grain and
    shading, and the painted glasses' mask."""
    from emoshift.render.filters import gaussian_filter

    photo, mask = _photo(fit, seed, kind, shape)
    truth, _ = _photo(fit, seed, "none", shape)
    rng = np.random.default_rng(100 + seed)
    noise = gaussian_filter(rng.normal(0.0, 9.0, (SIZE, SIZE)).astype(np.float32), 0.7)[..., None]
    shade = (40.0 * (np.mgrid[0:SIZE, 0:SIZE][0] / SIZE - 0.5))[..., None]
    skin = np.clip(truth.astype(np.float32) + noise + shade + 0.5, 0, 255).astype(np.uint8)
    out = photo.copy()
    out[~mask] = skin[~mask]
    return out, skin, mask


def _fill_stats(filled, truth, glasses):
    from emoshift.render.filters import gaussian_filter

    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    lf = filled[y0 : y0 + h, x0 : x0 + w].astype(np.float32) @ luma
    lt = truth[y0 : y0 + h, x0 : x0 + w].astype(np.float32) @ luma
    m = glasses.mask

    def rstd(v):
        return 1.4826 * float(np.median(np.abs(v - np.median(v))))

    grain = rstd((lf - gaussian_filter(lf, 1.5))[m]) / rstd((lt - gaussian_filter(lt, 1.5))[m])
    shading = float(np.abs(gaussian_filter(lf, 4.0) - gaussian_filter(lt, 4.0))[m].mean())
    return grain, shading


@pytest.mark.parametrize("seed,kind,shape", [(0, "sun", "round"), (1, "sun", "wide"), (2, "clear", "round"),
                                             (1, "clear", "wide")])  # fmt: skip
def test_fill_keeps_the_skins_grain(full_model, fit_factory, seed, kind, shape):
    from emoshift.render.fill import fill_holes
    from emoshift.render.glasses import fill_glasses

    fit = _fit(full_model, fit_factory)
    photo, truth, _ = _grainy(fit, seed, kind, shape)
    g = detect_glasses(photo, np.asarray(fit.landmarks_detected))
    assert g is not None and g.kind == kind
    filled = fill_glasses(photo, g)
    (x0, y0), (h, w) = g.origin, g.mask.shape
    box = np.s_[y0 : y0 + h, x0 : x0 + w]
    assert np.array_equal(filled[box][~g.mask], photo[box][~g.mask])  # only the mask is filled
    grain, shading = _fill_stats(filled, truth, g)
    assert grain >= GRAIN_MIN and shading <= SHADING_ERR_MAX, (grain, shading)
    if kind == "clear":  # the control: the former clear fill, pull-push across the band, is smooth
        former = photo.copy()
        smooth = fill_holes(photo[box], (~g.mask).astype(np.float32))
        former[box][g.mask] = np.clip(smooth[g.mask] + 0.5, 0, 255).astype(np.uint8)
        assert _fill_stats(former, truth, g)[0] <= FORMER_GRAIN_MAX


def _with_tint_and_bar(fit, seed):
    """Clear round glasses (grainy skin) with a light blue tint over 4 px inside each rim (a lens edge) and a top bar
    between the lenses above the bridge, skin-hued and 0.8 of the skin's level (an aviator's gold bar): their masks."""
    photo, _, _ = _grainy(fit, seed, "clear", "round")
    rng = np.random.default_rng(seed)
    lm = np.asarray(fit.landmarks_detected, np.float64)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    tint = np.zeros((SIZE, SIZE), bool)
    cs = []
    for outer, inner in ((33, 133), (263, 362)):  # the lenses as _photo paints them (same draws)
        c = 0.5 * (lm[outer] + lm[inner]) + np.array([0.0, 3.0 + rng.uniform(-1, 1)])
        we = float(np.linalg.norm(lm[outer] - lm[inner]))
        ax = 0.85 * we
        d = np.hypot(xx - c[0], yy - c[1])
        tint |= (d <= ax - 3.5) & (d > ax - 3.5 - 4.0)
        cs.append((c, we))
    img = photo.astype(np.float32)
    img[tint] += np.array([-4.0, 4.0, 22.0])
    (cl, we), (cr, _) = sorted(cs, key=lambda v: v[0][0])
    yb = 0.5 * (cl[1] + cr[1]) - 0.6 * we
    half = np.sqrt((0.85 * we) ** 2 - (0.6 * we) ** 2)  # where the bar's row crosses the lenses
    xl, xr = cl[0] + half - 2, cr[0] - half + 2
    bar = (np.abs(yy - yb) <= 1.5) & (xx >= xl) & (xx <= xr)
    img[bar] = 0.8 * SKIN
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), tint, bar


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mask_takes_in_lens_tint_and_top_bar(full_model, fit_factory, monkeypatch, seed):
    import emoshift.render.glasses as glasses

    fit = _fit(full_model, fit_factory)
    photo, tint, bar = _with_tint_and_bar(fit, seed)

    def found(g):
        out = np.zeros((SIZE, SIZE), bool)
        (x0, y0), (h, w) = g.origin, g.mask.shape
        out[y0 : y0 + h, x0 : x0 + w] = g.mask
        return out[tint].mean(), out[bar].mean()

    g = detect_glasses(photo, np.asarray(fit.landmarks_detected))
    assert g is not None and g.kind == "clear"
    t, b = found(g)
    assert t >= TINT_FOUND_MIN and b >= BAR_FOUND_MIN, (t, b)
    # the control: without the edge growth and the top bar (the former mask) they stay with the skin
    monkeypatch.setattr(glasses, "EDGE_PX", 0)
    monkeypatch.setattr(glasses, "BAR_DARK", 1e9)
    t0, b0 = found(detect_glasses(photo, np.asarray(fit.landmarks_detected)))
    assert t0 <= FORMER_FOUND_MAX and b0 <= FORMER_FOUND_MAX, (t0, b0)


# --- lens23: the fold lift is the filled photo's (the dark lens made a lens-shaped lift: a pale crescent where a cheek
# losing its smile moved out from under the rigid lens, dev06 at sadness, fear, surprise) ---

#: Measured (seeds 0-2, round / wide sunglasses): the fold lift's mean |luma| over the glasses' mask grown by 6 px:
#: the renderer's (the filled photo's) 0.42-1.04 levels; the photo's own (the former lift, the control) 9.3-9.7.
LIFT_MAX = 2.5
FORMER_LIFT_MIN = 5.0


@pytest.mark.parametrize("seed,shape", [(0, "round"), (1, "wide"), (2, "round")])
def test_fold_lift_is_the_filled_photos(full_model, fit_factory, seed, shape):
    from emoshift.render.filters import binary_dilation
    from emoshift.render.folds import fold_lift

    fit = _fit(full_model, fit_factory)
    photo, _ = _photo(fit, seed, "sun", shape)
    re = Reenactor(photo, fit, full_model)
    g = re.glasses
    assert g is not None and re.fold_lift is not None
    (gx, gy), (h, w) = g.origin, g.mask.shape
    (ox, oy), (bh, bw) = re.src_origin, re.src_tri.shape
    near = np.zeros(photo.shape[:2], bool)
    near[gy : gy + h, gx : gx + w] = binary_dilation(g.mask, np.ones((3, 3), bool), 6)
    near = near[oy : oy + bh, ox : ox + bw]
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    lift = float(np.abs(re.fold_lift @ luma)[near].mean())
    former = fold_lift(photo[oy : oy + bh, ox : ox + bw], re._face_h)
    lift0 = float(np.abs(former @ luma)[near].mean())
    assert lift <= LIFT_MAX, lift
    assert lift0 >= FORMER_LIFT_MIN, lift0


# --- glasses26: a skin-hued reflection in a dark lens (feat multi_face's right lens mirrored a reddish face or wall at
# its outer end: the rays stopped there, the lens's outer third and its frame moved with the cheek, torn) ---

#: The reflection's colour over the skin's (feat multi_face's right lens: (141, 80, 66) on skin (150, 110, 98)): luma
#: 0.80 of the skin's, 0.25 off its hue (NON_SKIN_DARK 0.55, NON_SKIN_HUE 0.3: skin to the rays).
REFLECTION = np.array([0.94, 0.73, 0.68])
#: Measured (seeds 0-2, wayfarer lenses, the reflection 0.45-0.50 eye widths squared), over that lens's glasses: the share
#: in the found mask 1.0, the frame against the photo 0.0 levels, IoU of the dark outlines 1.0; without the lens's holes
#: (HOLE_MAX 0: the former outline, to the reflection's edge) 0.87-0.91, 8.7-10.4 levels, IoU 0.92-0.93.
REFLECT_FORMER_FOUND_MAX = 0.94
REFLECT_FORMER_ERR_MIN = 5.0
REFLECT_FORMER_IOU_MAX = 0.95
#: The reflection: the lens's outer lower corner beyond the line x + y = REFLECT_FROM eye widths from the eye's centre
#: (image y down; past the ring the lens is found on: its contour + 0.33 eye widths, 0.83 at most).
REFLECT_FROM = 1.0


def _reflecting(fit, seed):
    """Wayfarer sunglasses (:func:`_photo`) whose image-right lens mirrors a skin-hued patch over its outer lower corner
    (inside the rim); the photo, the mask of that lens's glasses (the image's right half) and the patch's."""
    photo, mask = _photo(fit, seed, "sun", "wayfarer")
    lm = np.asarray(fit.landmarks_detected, np.float64)
    c = 0.5 * (lm[263] + lm[362])
    we = float(np.linalg.norm(lm[263] - lm[362]))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    lens = np.all(np.abs(photo.astype(float) - LENS) < 1.0, -1)  # the lens's own colour: not the rim
    patch = lens & ((xx - c[0]) + (yy - c[1]) > REFLECT_FROM * we)  # image y down: the outer lower corner
    out = photo.copy()
    out[patch] = np.clip(SKIN * REFLECTION + 0.5, 0, 255).astype(np.uint8)
    return out, mask & (xx > 0.5 * (lm[133][0] + lm[362][0])), patch  # that lens, its rim and half the bridge


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reflection_in_a_lens_stays_rigid(full_model, fit_factory, monkeypatch, seed):
    import emoshift.render.glasses as glasses

    fit = _fit(full_model, fit_factory)
    photo, mask, _ = _reflecting(fit, seed)
    expr = full_model.expression_vector(RAISE)

    def run():
        re, frame = _render(photo, fit, full_model, expr)
        assert re.glasses is not None and re.glasses.kind == "sun"
        found = np.zeros(mask.shape, bool)
        (x0, y0), (h, w) = re.glasses.origin, re.glasses.mask.shape
        found[y0 : y0 + h, x0 : x0 + w] = re.glasses.mask
        return (found[mask].mean(),) + _measure(frame, photo, mask)

    found, err, iou = run()
    assert found >= FOUND_MIN and err <= RIGID_ERR_MAX and iou >= RIGID_IOU_MIN, (found, err, iou)
    # the control: without the lens's holes (the former outline, stopped at the reflection) its corner bends
    monkeypatch.setattr(glasses, "HOLE_MAX", 0.0)
    found0, err0, iou0 = run()
    assert found0 <= REFLECT_FORMER_FOUND_MAX and err0 >= REFLECT_FORMER_ERR_MIN and iou0 <= REFLECT_FORMER_IOU_MAX, (
        found0, err0, iou0)  # fmt: skip


def _outline(centre, corners, angles):
    """(n, 2) the points where rays from ``centre`` at ``angles`` (degrees, image y down) leave the convex polygon
    ``corners`` (a lens's outline as :func:`~emoshift.render.glasses._scan_eye` finds it)."""
    out = []
    for a in np.radians(angles):
        u = np.array([np.cos(a), np.sin(a)])
        best = 0.0
        for p, q in zip(corners, np.roll(corners, -1, axis=0)):
            m = np.array([[u[0], p[0] - q[0]], [u[1], p[1] - q[1]]])
            if abs(np.linalg.det(m)) > 1e-9:
                t, v = np.linalg.solve(m, p - centre)
                if t > 0 and 0 <= v <= 1:
                    best = max(best, t)
        out.append(centre + best * u)
    return np.array(out)


#: A rolled face's wayfarers (feat multi_face's, eye width 50 px): each lens's inner edge slants to a tip beside the nose,
#: below the bridge (the bridge BRIDGE_H px tall from the lenses' upper inner corners), and the rays leaving the lens
#: beside the bridge are dropped (dark to the midline). Measured (roll 4 and 6 degrees): the lenses' top at their inner
#: ends (the closed outline's, its points joined) 8.2 and 3.3 px below the upper inner corner: within the bridge's upper
#: half, where the bridge search starts; the former top (the outline's points only: no point above the tip within 0.15
#: eye widths of it) 21.2 px below it, the tip's, below the bridge: the bridge left out, bent with the brows.
BRIDGE_H = 20.0
BRIDGE_TOP_ERR_MAX = 0.5 * BRIDGE_H
BRIDGE_FORMER_ERR_MIN = BRIDGE_H


@pytest.mark.parametrize("roll", [4.0, 6.0])
def test_bridge_top_across_dropped_rays(monkeypatch, roll):
    import emoshift.render.glasses as glasses

    a = np.radians(roll)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    o = np.array([300.0, 250.0])
    # the left lens (image left) around its eye at (-55, 0) from the point between the eyes: upper inner corner (-12,
    # -25), inner tip beside the nose (-4, 25); the right lens its mirror image
    left = np.array([[-12.0, -25.0], [-4.0, 25.0], [-30.0, 45.0], [-90.0, 45.0], [-110.0, 0.0], [-105.0, -35.0]])
    eyes = []
    for sign in (1.0, -1.0):
        corners = left * [sign, 1.0]
        centre = np.array([-55.0 * sign, 0.0])
        pts = _outline(centre, corners, np.arange(0.0, 360.0, 5.0))
        # dropped: the rays leaving the lens through its inner edge beside the bridge (its upper BRIDGE_H px)
        near = np.abs(pts[:, 0] - (corners[0, 0] + (pts[:, 1] - corners[0, 1]) * (corners[1, 0] - corners[0, 0]) / 50.0))
        drop = (near < 0.5) & (pts[:, 1] < corners[0, 1] + BRIDGE_H)
        eyes.append(glasses._Eye("sun", pts[~drop] @ rot.T + o, None, 50.0))
    true_top = float(min((c @ rot.T + o)[1] for c in (left[0], left[0] * [-1.0, 1.0])))
    top = glasses._between_lenses(eyes)[2]
    monkeypatch.setattr(glasses, "_joined", lambda points: points)
    top0 = glasses._between_lenses(eyes)[2]
    assert top - true_top <= BRIDGE_TOP_ERR_MAX, (top, true_top)
    assert top0 - true_top >= BRIDGE_FORMER_ERR_MIN, (top0, true_top)
