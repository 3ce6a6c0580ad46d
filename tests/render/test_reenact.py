"""Photo reenactment on a synthetic fitted photo: exact reconstruction, correct flow, untouched background,
painted mouth interior, blinks."""

import numpy as np
import pytest

from emoshift.render.reenact import EYE, IRIS, SKIN, Reenactor


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


def expr(model, **weights):
    return model.expression_vector(weights)


def parts_image(r: Reenactor, e, rot):
    """Independent raster of the posed head: (H, W) part code, -1 on the background."""
    screen = r.screens(e[None], np.asarray(rot, np.float32)[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    return part


def test_source_expression_reproduces_the_photo(synthetic_reenactor, synthetic_photo):
    r = synthetic_reenactor
    frame = r.render(r.source_expression, r.source_rotation)
    assert psnr(frame, synthetic_photo) >= 35.0
    assert np.abs(frame.astype(int) - synthetic_photo).max() <= 1


def test_surface_points_carry_their_photo_colour(synthetic_reenactor, synthetic_photo, full_model):
    """A front-face vertex seen at pixel p in the source shows the photo's colour at p wherever it moves."""
    r, m = synthetic_reenactor, full_model
    e = expr(m, mouthSmile_L=1.0, mouthSmile_R=1.0, browInnerUp_L=1.0, browInnerUp_R=1.0)
    rot = np.array([0.05, 0.12, 0.0], np.float32)
    frame = r.render(e, rot)
    # independent projection through the head model and the camera
    ident = np.zeros((1, 50), np.float32)
    t = np.array([[0.0, -1.0, -60.0]], np.float32)
    v0 = m(ident, np.zeros((1, 53)), np.zeros((1, 3)), t).vertices[0]
    v1 = m(ident, e[None], rot[None], t).vertices[0]
    n0 = m(ident).vertices[0]
    p0, p1 = r.camera.project(v0), r.camera.project(v1)
    from emoshift.headmodel.mesh import vertex_normals

    normals = vertex_normals(n0, m.triangles)
    front = np.nonzero((normals[:11248, 2] > 0.85) & (n0[:11248, 1] > -8))[0]
    assert len(front) > 200
    errs = []
    for v in front[::5]:
        x0, y0 = p0[v]
        x1, y1 = p1[v]
        expected = synthetic_photo[int(y0), int(x0)].astype(int)
        errs.append(np.abs(frame[int(y1), int(x1)].astype(int) - expected).max())
    # nearest-pixel lookups on a smooth texture: small differences, no systematic mismatch
    assert np.median(errs) <= 6 and np.mean(np.array(errs) > 25) < 0.05
    # and the frame did change where the face moved
    assert psnr(frame, synthetic_photo) < 30


def test_background_far_from_the_head_is_untouched(full_model, fit_factory, texture_factory):
    synthetic_photo = texture_factory(320, 320, seed=1)
    r = Reenactor(synthetic_photo, fit_factory((320, 320), translation=(0, -1, -110)), full_model)
    frame = r.render(expr(full_model, jawOpen=1.0), np.array([0.1, 0.2, 0.05], np.float32))
    part = parts_image(r, r.source_expression, r.source_rotation)
    ys, xs = np.nonzero(part >= 0)
    far = np.ones(frame.shape[:2], bool)
    pad = int(r.falloff_px) + 24  # the falloff plus one coarse cell and its blur
    far[max(ys.min() - pad, 0) : ys.max() + pad, max(xs.min() - pad, 0) : xs.max() + pad] = False
    assert far.sum() > 1000
    assert np.array_equal(frame[far], synthetic_photo[far])


def test_open_mouth_is_painted_dark_with_teeth(synthetic_reenactor, synthetic_photo, full_model):
    r, m = synthetic_reenactor, full_model
    e = expr(m, jawOpen=0.8)
    frame = r.render(e, r.source_rotation)
    part = parts_image(r, e, r.source_rotation)
    inner = (part > SKIN) & (part < EYE)
    assert inner.sum() > 30  # the mouth opens
    lum = frame.astype(float).mean(2)
    skin_lum = lum[part == SKIN].mean()
    assert lum[inner].mean() < 0.7 * skin_lum  # a dark mouth
    # with brighter teeth in it: measured + 33 (the few teeth a jaw drop shows lie at the lips' edge, in their
    # shadow since the mouth is lit through the lips; + 43 before)
    assert lum[inner].max() > lum[inner].mean() + 25
    assert not np.array_equal(frame[inner], synthetic_photo[inner])


def test_blink_covers_the_eyes_with_skin(full_model, fit_factory, texture_factory):
    photo = texture_factory(256, 256, seed=3)
    r = Reenactor(photo, fit_factory(), full_model)
    src_parts = parts_image(r, r.source_expression, r.source_rotation)
    eyes = (src_parts == EYE) | (src_parts == IRIS)
    assert eyes.sum() > 20
    blue = photo.copy()
    blue[eyes] = (0, 0, 255)
    r = Reenactor(blue, fit_factory(), full_model)
    frame = r.render(expr(full_model, eyeBlink_L=1.0, eyeBlink_R=1.0), r.source_rotation)
    is_blue = (frame[..., 2] > 200) & (frame[..., 0] < 60)
    assert is_blue[eyes].mean() < 0.25  # the lids close over the painted eyes
    open_ = r.render(r.source_expression, r.source_rotation)
    assert ((open_[..., 2] > 200) & (open_[..., 0] < 60))[eyes].mean() > 0.95


def test_batch_matches_single_frames_and_is_deterministic(synthetic_reenactor, full_model):
    r = synthetic_reenactor
    es = np.stack([expr(full_model, jawOpen=0.3), expr(full_model, mouthFrown_L=1.0), r.source_expression])
    rots = np.array([[0, 0.1, 0], [0.05, 0, 0], r.source_rotation], np.float32)
    batch = r.render_batch(es, rots)
    assert batch.shape == (3, 256, 256, 3) and batch.dtype == np.uint8
    for k in range(3):  # BLAS may round a batched product differently in the last bit: allow 1 level
        diff = np.abs(batch[k].astype(int) - r.render(es[k], rots[k]))
        assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    assert np.array_equal(batch, r.render_batch(es, rots))


def test_bad_inputs(full_model, fit_factory, synthetic_photo):
    with pytest.raises(ValueError):
        Reenactor(synthetic_photo.astype(np.float32), fit_factory(), full_model)
    with pytest.raises(ValueError):
        Reenactor(synthetic_photo, fit_factory(size=(128, 128)), full_model)
    r = Reenactor(synthetic_photo, fit_factory(), full_model)
    with pytest.raises(ValueError):
        r.render_batch(np.zeros((2, 53)), np.zeros((3, 3)))


def test_off_centre_head_in_a_wide_photo(full_model, fit_factory, texture_factory):
    """The source render covers only the head's box: visibility and colours must use its offset."""
    photo = texture_factory(240, 400, seed=5)
    fit = fit_factory((400, 240), translation=(14.0, 4.0, -70.0))
    r = Reenactor(photo, fit, full_model)
    assert r.src_origin[0] > 100 and r.src_tri.shape[1] < 300  # a box, not the whole photo
    assert np.array_equal(r.render(r.source_expression, r.source_rotation), photo)
    e = expr(full_model, jawOpen=0.8)
    frame = r.render(e, r.source_rotation)
    part = parts_image(r, e, r.source_rotation)
    inner = (part > SKIN) & (part < EYE)
    assert inner.sum() > 20
    lum = frame.astype(float).mean(2)
    assert lum[inner].mean() < 0.7 * lum[part == SKIN].mean()


def test_expression_shading_is_bounded_and_shows_folds(full_model, fit_factory):
    """On a flat-coloured photo the warp changes nothing, so every change is the shading ratio."""
    from scipy.ndimage import binary_dilation

    from emoshift.render.reenact import SHADING_RATIO_RANGE

    colour = np.array([150, 120, 100])
    photo = np.broadcast_to(colour.astype(np.uint8), (256, 256, 3)).copy()
    r = Reenactor(photo, fit_factory(), full_model)
    e = expr(full_model, noseSneer_L=1.0, noseSneer_R=1.0, browDown_L=1.0, browDown_R=1.0)
    frame = r.render(e, r.source_rotation).astype(float)
    part = parts_image(r, e, r.source_rotation)
    rim = binary_dilation(part > SKIN, np.ones((3, 3), bool))  # anti-aliased edges mix in the eyes' colour
    skin = frame[(part == SKIN) & ~rim]
    lo, hi = SHADING_RATIO_RANGE
    assert (skin >= lo * colour - 1.5).all() and (skin <= hi * colour + 1.5).all()
    assert (skin[:, 0] < 0.93 * colour[0]).sum() > 20  # creases darken
    outside = part < 0
    assert np.abs(frame[outside] - colour).max() <= 1  # off the head: untouched


def test_closing_lips_do_not_carry_the_photos_teeth(full_model, fit_factory, texture_factory):
    """A photo with an open mouth (white teeth inside the detected inner-lip contour) whose lips close."""
    from skimage.draw import polygon

    from emoshift.render.reenact import INNER_LIPS

    e_src = expr(full_model, jawOpen=0.35)
    fit = fit_factory(expression=e_src)
    lmk = full_model.landmarks(np.zeros((1, 50)), e_src[None], np.zeros((1, 3)), np.array([[0.0, -1.0, -60.0]]))[0]
    fit.landmarks_detected = fit.camera.project(lmk)
    photo = texture_factory(256, 256, seed=2)
    poly = fit.landmarks_detected[list(INNER_LIPS)]
    rr, cc = polygon(poly[:, 1], poly[:, 0], photo.shape[:2])
    assert len(rr) > 20
    photo[rr, cc] = 255  # teeth
    closing = Reenactor(photo, fit, full_model)
    assert np.array_equal(closing.render(e_src, fit.rotation), photo)  # still exact at the source
    blind = Reenactor(photo, fit_factory(expression=e_src), full_model)  # no landmarks: no mouth painting
    blind.source = blind.source._replace(mouth_blur=-1.0)  # the carried teeth pixel-sharp (no seam blur) to count
    shut = expr(full_model, mouthClose=0.3)
    white = lambda img: int((img.min(2) > 235).sum())  # noqa: E731
    a, b = white(closing.render(shut, fit.rotation)), white(blind.render(shut, fit.rotation))
    assert b >= 8 and a < 0.5 * b  # without the painted-shut mouth the lips carry teeth


def test_wrinkles_fold_the_forehead_when_the_brows_rise(full_model, fit_factory, monkeypatch):
    """Every frame gets the strain-driven folds: raised brows darken lines on the forehead skin; a jaw drop
    (no forehead compression) leaves the forehead as the warp and shading made it."""
    colour = np.array([150, 120, 100])
    photo = np.broadcast_to(colour.astype(np.uint8), (256, 256, 3)).copy()
    r = Reenactor(photo, fit_factory(), full_model)
    brows = expr(full_model, browInnerUp_L=1.0, browInnerUp_R=1.0, browOuterUp_L=1.0, browOuterUp_R=1.0)
    jaw = expr(full_model, jawOpen=1.0)
    with_folds = {k: r.render(e, r.source_rotation) for k, e in (("brows", brows), ("jaw", jaw))}
    monkeypatch.setattr(r.wrinkles, "strength", 0.0)
    without = {k: r.render(e, r.source_rotation) for k, e in (("brows", brows), ("jaw", jaw))}
    from emoshift.headmodel.regions import MULTIPIE_68

    eyes_top = r.screens(brows[None], r.source_rotation[None])[0][MULTIPIE_68[36:48], 1].min()
    darker = {k: without[k].astype(float).mean(2) - with_folds[k].astype(float).mean(2) for k in with_folds}
    rows = np.arange(photo.shape[0])[:, None]
    assert ((darker["brows"] > 3) & (rows < eyes_top)).sum() > 30  # fold lines above the eyes
    assert np.abs(darker["brows"]).max() < 0.3 * colour.mean()  # bounded darkening
    assert (np.abs(darker["jaw"][: int(eyes_top)]) > 1).sum() == 0  # nothing on the forehead
