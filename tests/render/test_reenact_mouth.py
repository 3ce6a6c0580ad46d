"""The re-synthesized open mouth: teeth where the model shows teeth (the photo's own where it shows them,
else plausible defaults, never the photo's lips), no per-pixel photo/paint mosaic, anti-aliased edges."""

import numpy as np
import pytest
from scipy.ndimage import binary_dilation, binary_erosion

from emoshift.render.reenact import INNER_LIPS, MOUTH_KEEP_PX, SKIN, TEETH, Reenactor

TRANSLATION = (0.0, -1.0, -60.0)
SIZE = 384  # the mouth spans ~45 pixels


def expr(model, **weights):
    return model.expression_vector(weights)


def parts_image(r: Reenactor, e, rot=None):
    """Independent raster of the posed head: (H, W) part code, -1 on the background."""
    rot = r.source_rotation if rot is None else rot
    screen = r.screens(np.asarray(e, np.float32)[None], np.asarray(rot, np.float32)[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    return part


def tooth_bodies(r: Reenactor, e, rot=None, least: float = 0.8) -> np.ndarray:
    """(H, W) bool: teeth pixels away from the part edges where the teeth's albedo detail
    (:mod:`emoshift.render.teeth`) keeps at least ``least`` of their colour: the bodies of the front teeth,
    not the darkened sides between teeth, the incisal edges, the side or the lower teeth."""
    from emoshift.render.mesh_tables import model_tables

    rot = r.source_rotation if rot is None else rot
    screen = r.screens(np.asarray(e, np.float32)[None], np.asarray(rot, np.float32)[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    detail = frags.interpolate(model_tables(r.model).teeth_detail, r.triangles).mean(2)
    return binary_erosion(parts_image(r, e, rot) == TEETH) & (detail >= least)


def model_landmarks(model, fit, e):
    """(478, 2) MediaPipe landmarks of the model in expression e, as a detector would report them."""
    lmk = model.landmarks(np.zeros((1, 50)), np.asarray(e, np.float32)[None], np.zeros((1, 3)), np.array([TRANSLATION]))[0]
    return fit.camera.project(lmk)


def teeth_like(pixels: np.ndarray) -> np.ndarray:
    """(n, 3) -> (n,) bool: light and nearly grey (teeth, not lips, skin or a dark mouth). At least 80 on
    every channel: the tooth bodies right under the upper lip, in its shadow as the light through the lips
    falls off towards it (:func:`emoshift.render.teeth.aperture_light`) and under the lip's own shadow on the
    teeth (:data:`emoshift.render.mouth.TEETH_LIP_SHADOW`), measure down to the 80s (a few right at the lip
    below 80: test_a_closed_mouth_photo_gives_teeth_not_lips allows for them) on these synthetic photos
    (112-126 before that shadow; grey: 0-24 levels of chroma), the rest 150-240; the lips 55-150 (and red:
    excluded by the chroma), the mouth behind the teeth below 75. Chroma at most 52: since that shadow is a narrow
    band (TEETH_LIP_REACH 0.5, session 27) the bodies under it on the warm-lit photos of the slit and closed-mouth
    tests are as light as the rest, (200-235, 168-203, 154-188): 46-47 levels of chroma (under the former reach
    darker, within 45); that skin (190, 150, 130) has 60, the lips 95."""
    p = pixels.astype(int)
    return (p.min(1) >= 80) & (p.max(1) - p.min(1) <= 52)


def photo_with_teeth(model, fit_factory, texture_factory, fitted_jaw: float, photo_jaw: float):
    """A photo whose open mouth (inside the detected inner-lip contour of the model at jawOpen=photo_jaw)
    shows white teeth, fitted with jawOpen=fitted_jaw (the fit never matches the lips exactly)."""
    from skimage.draw import polygon

    fit = fit_factory(size=(SIZE, SIZE), expression=expr(model, jawOpen=fitted_jaw))
    fit.landmarks_detected = model_landmarks(model, fit, expr(model, jawOpen=photo_jaw))
    photo = texture_factory(SIZE, SIZE, seed=2)
    poly = fit.landmarks_detected[list(INNER_LIPS)]
    rr, cc = polygon(poly[:, 1], poly[:, 0], photo.shape[:2])
    photo[rr, cc] = (240, 236, 228)
    return photo, fit


def test_an_opening_mouth_shows_teeth_only_on_the_teeth(full_model, fit_factory, texture_factory):
    """Teeth pixels look like the photo's teeth; the tongue, gums and socket behind them do not take the
    photo's teeth (no white fragments where the model shows the inside of the mouth)."""
    photo, fit = photo_with_teeth(full_model, fit_factory, texture_factory, fitted_jaw=0.25, photo_jaw=0.4)
    r = Reenactor(photo, fit, full_model)
    assert np.array_equal(r.render(fit.expression, fit.rotation), photo)  # exact at the source
    e = expr(full_model, jawOpen=0.6, mouthUpperUp_L=1.0, mouthUpperUp_R=1.0)
    frame = r.render(e, fit.rotation)
    part = parts_image(r, e)
    teeth = tooth_bodies(r, e)  # away from the (anti-aliased) edges and the teeth's darker sides
    inside = binary_erosion((part > SKIN) & (part < TEETH), iterations=2)
    assert teeth.sum() > 40 and inside.sum() > 100
    assert teeth_like(frame[teeth]).mean() > 0.85
    assert teeth_like(frame[inside]).mean() < 0.05
    lum = frame.astype(float).mean(2)
    assert np.median(lum[inside]) < 0.5 * np.median(lum[teeth])  # a darker mouth behind the teeth


def test_teeth_are_no_photo_paint_mosaic(full_model, fit_factory, texture_factory):
    """The fitted mouth is more open than the photo's, so part of the model's teeth lands on the photo's
    lips and skin: those teeth are painted in the photo's teeth colour, not warped from the lips, and the
    teeth are smooth (the mean absolute vertical second difference of the luminance is low)."""
    photo, fit = photo_with_teeth(full_model, fit_factory, texture_factory, fitted_jaw=0.4, photo_jaw=0.25)
    r = Reenactor(photo, fit, full_model)
    e = expr(full_model, jawOpen=0.45, mouthUpperUp_L=1.0, mouthUpperUp_R=1.0)
    frame = r.render(e, fit.rotation)
    teeth = tooth_bodies(r, e)
    assert teeth.sum() > 40
    assert teeth_like(frame[teeth]).mean() > 0.9
    lum = frame.astype(float).mean(2)
    # vertical second difference: the teeth's own structure (darker sides between teeth) runs vertically
    lap = np.abs(2 * lum[1:-1] - lum[:-2] - lum[2:])
    # measured 17.5 (8.2 before the light through the lips, which shades the top row under the upper lip: these
    # tooth bodies are 4 rows tall); photo/paint switching on a checkerboard: 73
    assert lap[teeth[1:-1]].mean() < 30


def test_a_closed_mouth_photo_gives_teeth_not_lips(full_model, fit_factory):
    """The photo's mouth is shut (the detected inner lips meet) though the fitted model's is slightly open:
    the teeth an open mouth shows are tooth-coloured, not the photo's lip colour (the Grace Hopper case)."""
    size = SIZE
    skin, lips = np.array([205, 160, 140], np.uint8), np.array([150, 55, 60], np.uint8)
    e_src = expr(full_model, jawOpen=0.25)
    fit = fit_factory(size=(size, size), expression=e_src)
    lm = model_landmarks(full_model, fit, np.zeros(53, np.float32))
    inner = np.asarray(INNER_LIPS)
    lm[inner[10:]] = lm[inner[:10]][::-1]  # lower inner lip on the upper: a shut mouth
    fit.landmarks_detected = lm
    photo = np.broadcast_to(skin, (size, size, 3)).copy()
    src_part = parts_image(Reenactor(photo, fit, full_model), e_src)
    ys, xs = np.nonzero(binary_dilation((src_part > SKIN) & (src_part <= TEETH), iterations=3))
    photo[ys, xs] = lips  # lips around the model's (open) mouth
    r = Reenactor(photo, fit, full_model)
    assert (parts_image(r, e_src) == TEETH).sum() >= 15  # the fitted model shows teeth the photo does not
    e = expr(full_model, jawOpen=0.6, mouthUpperUp_L=0.8, mouthUpperUp_R=0.8)
    frame = r.render(e, r.source_rotation)
    teeth = tooth_bodies(r, e)
    assert teeth.sum() > 30
    # measured 0.98 (0.94 while the upper lip's shadow on the teeth, mouth.TEETH_LIP_SHADOW, reached 2 x the lip
    # shadow's reach: bodies under it fell below teeth_like's floor; 1.0 before it); warping the photo's lips
    # there: ~0.8, and red (below)
    assert teeth_like(frame[teeth]).mean() > 0.9
    assert np.median(frame[teeth].astype(int) @ [1, -1, 0]) < 30  # not red like the lips


def test_lip_edges_are_anti_aliased(full_model, fit_factory):
    """A pixel the lips cover only partly mixes lip and mouth by that coverage (measured on a 4 x 4 finer
    raster of the same head), instead of being all one or the other (stair steps)."""
    from scipy.ndimage import uniform_filter

    size = 256
    photo = np.broadcast_to(np.array([190, 150, 130], np.uint8), (size, size, 3)).copy()
    r = Reenactor(photo, fit_factory(size=(size, size)), full_model)
    e = expr(full_model, jawOpen=0.8, mouthStretch_L=0.5, mouthStretch_R=0.5)
    lum = r.render(e, r.source_rotation).astype(float).mean(2)
    fine = r.screens(e[None], r.source_rotation[None])[0] * np.array([4, 4, 1], np.float32)
    frags = r._raster_full(fine, 4 * size, 4 * size)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    cover = ((part > SKIN) & (part <= TEETH)).reshape(size, 4, size, 4).mean((1, 3))  # mouth coverage

    def around(mask):  # mean luminance of the mask's pixels in the 5 x 5 neighbourhood
        den = uniform_filter(mask.astype(float), 5)
        return uniform_filter(np.where(mask, lum, 0.0), 5) / np.maximum(den, 1e-9), den > 0

    inside, ok_in = around(cover >= 1)
    outside, ok_out = around(cover <= 0)
    partial = (cover > 0.1) & (cover < 0.9) & ok_in & ok_out
    assert partial.sum() > 30
    expected = cover * inside + (1 - cover) * outside
    # hard masks: ~22; anti-aliased 12.9, 15.3 with the lip rim (mouth.LIP_RIM_UPPER / LOWER: the lip pixels
    # along the opening darkened by design, which this coverage mix of their neighbours does not model)
    assert np.abs(lum - expected)[partial].mean() < 18


def test_the_photos_mouth_is_kept_until_the_lips_move(full_model, fit_factory, texture_factory):
    photo, fit = photo_with_teeth(full_model, fit_factory, texture_factory, fitted_jaw=0.25, photo_jaw=0.4)
    r = Reenactor(photo, fit, full_model)
    src = np.asarray(fit.expression, np.float32)
    brows = src + expr(full_model, browInnerUp_L=1.0, browInnerUp_R=1.0)
    jaw = [src + expr(full_model, jawOpen=w) for w in (0.01, 0.3)]
    keep = r._keep(np.stack([src, brows, *jaw]), r._lip_basis, MOUTH_KEEP_PX)
    assert keep[0] == 1.0 and keep[1] > 0.99  # the brows (all but) do not move the lips
    assert 0.0 < keep[2] < 1.0 and keep[3] == 0.0
    # a brow-only frame keeps the photo's own open mouth (teeth and all), pixel for pixel
    frame = r.render(brows, fit.rotation)
    poly = fit.landmarks_detected[list(INNER_LIPS)]
    x0, y0 = np.floor(poly.min(0)).astype(int)
    x1, y1 = np.ceil(poly.max(0)).astype(int)
    assert np.abs(frame[y0:y1, x0:x1].astype(int) - photo[y0:y1, x0:x1]).mean() < 3


@pytest.mark.parametrize("inside", [(70, 50, 50), (110, 90, 88)])
def test_a_dark_slit_between_the_lips_is_not_taken_for_teeth(full_model, fit_factory, inside, monkeypatch):
    """A barely parted mouth shows a shadowed slit, not teeth: when the photo's "teeth" inside its open mouth
    (the model shows 138 teeth pixels there) are darker than TEETH_MIN_SKIN_LUMA of the face skin (here
    luma 56 and 94 on skin of 160; the dev01 photo: 105 on 140), neither their colour nor their pixels are
    used: the teeth are painted in the default colour (tooth bodies light and grey, teeth_like: measured
    0.97 of them, the median of their darkest channel 149; 0.947 and 133 since the incisors are not lowered under
    this raised upper lip, reenact.TEETH_DROP_RAISED: more of them in its shadow; 0.971 and 173.5 since that
    shadow is a narrow band, mouth.TEETH_LIP_REACH 0.5). Control: with that check off, the slit's colour paints
    them dark (that median 49 and 85, now 43 and 76; teeth_like none and, its floor lowered to 80 for the lip's
    shadow on painted teeth, 0.43 of the lighter slit's), which fails 120."""
    from skimage.draw import polygon

    import emoshift.render.source_parts as source_parts

    e_src = expr(full_model, jawOpen=0.3, mouthUpperUp_L=1.0, mouthUpperUp_R=1.0)
    fit = fit_factory(size=(SIZE, SIZE), expression=e_src)
    fit.landmarks_detected = model_landmarks(full_model, fit, e_src)
    photo = np.empty((SIZE, SIZE, 3), np.uint8)
    photo[:] = (190, 150, 130)
    poly = fit.landmarks_detected[list(INNER_LIPS)]
    rr, cc = polygon(poly[:, 1], poly[:, 0], photo.shape[:2])
    photo[rr, cc] = inside
    e = expr(full_model, jawOpen=0.6, mouthUpperUp_L=1.0, mouthUpperUp_R=1.0)
    shares = []
    for least in (source_parts.TEETH_MIN_SKIN_LUMA, 0.0):
        monkeypatch.setattr(source_parts, "TEETH_MIN_SKIN_LUMA", least)
        r = Reenactor(photo, fit, full_model)
        teeth = tooth_bodies(r, e)
        assert teeth.sum() > 30
        px = r.render(e, fit.rotation)[teeth]
        shares.append((teeth_like(px).mean(), float(np.median(px.astype(int).min(1)))))
    assert shares[0][0] > 0.92 and shares[0][1] > 120 and shares[1][1] < 100, shares


def test_painted_teeth_are_no_brighter_than_the_faces_light(full_model, fit_factory, monkeypatch):
    """A face in shade (skin luma 80, dev02's) gets painted teeth at most TEETH_OVER_SKIN x its skin's luma,
    in the frame too (tooth bodies' median); a well-lit face (skin luma 162) keeps the default's brightness.
    Control: without the cap the shaded face's teeth glow at the default's luma (measured 193 on dev02), in the
    frame 1.37 x the capped teeth's (1.42 before the incisors were no longer lowered under this raised upper lip,
    reenact.TEETH_DROP_RAISED: more of them in its shadow; bound 1.3)."""
    import emoshift.render.source_parts as source_parts

    LUMA = np.array([0.299, 0.587, 0.114])
    fit = fit_factory(size=(SIZE, SIZE), expression=expr(full_model, jawOpen=0.05))
    fit.landmarks_detected = model_landmarks(full_model, fit, expr(full_model, jawOpen=0.05))
    e = expr(full_model, jawOpen=0.5, mouthUpperUp_L=1.0, mouthUpperUp_R=1.0)

    def teeth(skin, cap):
        monkeypatch.setattr(source_parts, "TEETH_OVER_SKIN", cap)
        photo = np.empty((SIZE, SIZE, 3), np.uint8)
        photo[:] = skin
        r = Reenactor(photo, fit, full_model)
        bodies = tooth_bodies(r, e)
        assert bodies.sum() > 30
        return float(r.part_colours[TEETH] @ LUMA), float(np.median(r.render(e, fit.rotation)[bodies] @ LUMA))

    dark, bright = (95, 74, 72), (190, 150, 130)
    cap = source_parts.TEETH_OVER_SKIN
    colour, frame = teeth(dark, cap)
    assert colour <= cap * (np.array(dark) @ LUMA) + 1 and frame <= 1.1 * colour
    uncapped, frame0 = teeth(dark, 100.0)
    assert uncapped > 180 and frame0 > 1.3 * frame  # control: studio-white teeth in a shaded face
    assert teeth(bright, cap)[0] > 0.97 * teeth(bright, 100.0)[0]  # a lit face: (all but) the default
