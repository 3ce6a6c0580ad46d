"""Issue 11, "teeth blurred" (80 of the 1344 notes of panels 54-57; 12 on dev04's renders, 9 on dev12's): the photo's
own teeth keep their separations once the lips move. The photo's teeth pixels are used only where they look like its
teeth (TEETH_LIKE: a luma gate against its dark cavity); gated pixel by pixel, the dark lines between its teeth were
cut out of them and filled with the painted teeth's lighter colour, so a frame showed the photo's teeth with grey,
smeared separations. The gate now reads the photo's rows closed over TEETH_SEPARATION x the opening's width
(:func:`emoshift.render.source_parts.close_rows`): a dark line no wider than that between teeth is teeth.

On the warm-teeth photos of :mod:`test_mouth_teeth_colour` with dark separations drawn across their teeth (2-3 px
wide, every 14-18 px, as dev04's 2-4 px every 20-30 px; 0.3-0.45 of the teeth's luma; seeds and jaw openings vary),
the frame of a raised upper lip and a dropped jaw is measured: the contrast of the frame's pixels whose source point
lies on a separation (1 - their median luma over that of the pixels sampling the teeth within 5 px of one) over the
photo's own contrast. Control: TEETH_SEPARATION 0 (each pixel gated alone, before).
"""

import numpy as np
import pytest
from scipy.ndimage import binary_dilation, binary_erosion
from test_mouth_teeth_colour import LIPS, LUMA, WARM_TEETH
from test_reenact_mouth import expr

from emoshift.render import source_parts
from emoshift.render.reenact import INNER_LIPS, TEETH, Reenactor

SIZE, DISTANCE = 640, 30.0
BOUND = 0.18
#: (jaw, seed, line width px, spacing px, line luma over the teeth's)
CASES = [(0.4, 2, 2, 14, 0.3), (0.4, 3, 3, 16, 0.4), (0.35, 5, 2, 18, 0.45), (0.45, 6, 3, 15, 0.35)]


def separated_teeth_photo(model, fit_factory, texture_factory, jaw, seed, width, spacing, dark):
    """A photo of warm teeth in an open mouth (:func:`test_mouth_teeth_colour.warm_teeth_photo`'s, the face at
    DISTANCE cm: the mouth ~150 px wide) with vertical dark lines (``width`` px every ``spacing`` px, ``dark`` x the
    pixel's colour) across its teeth, 3 px or more inside its open mouth; its fit; the (H, W) bool masks of the lines
    and of that inside."""
    from scipy.ndimage import distance_transform_edt
    from skimage.draw import polygon

    translation = (0.0, -1.0, -DISTANCE)
    fit = fit_factory(size=(SIZE, SIZE), expression=expr(model, jawOpen=jaw), translation=translation)
    lmk = model.landmarks(np.zeros((1, 50)), np.asarray(expr(model, jawOpen=jaw + 0.05), np.float32)[None],
                          np.zeros((1, 3)), np.array([translation]))[0]  # fmt: skip
    fit.landmarks_detected = fit.camera.project(lmk)
    photo = texture_factory(SIZE, SIZE, seed=2)
    poly = fit.landmarks_detected[list(INNER_LIPS)]
    rr, cc = polygon(poly[:, 1], poly[:, 0], photo.shape[:2])
    inside = np.zeros(photo.shape[:2], bool)
    inside[rr, cc] = True
    t = np.clip(distance_transform_edt(inside)[rr, cc] / 2.0, 0, 1)[:, None]  # 0 at the lips, 1 two pixels in
    rng = np.random.default_rng(seed)
    photo[rr, cc] = np.clip(t * WARM_TEETH * (0.9 + 0.1 * rng.random((len(rr), 1))) + (1 - t) * 0.7 * LIPS, 0, 255)
    inside = binary_erosion(inside, iterations=3)
    cols = np.arange(photo.shape[1])
    lines = inside & ((cols - int(cc.min()) - spacing // 2) % spacing < width)[None]
    photo[lines] = (photo[lines] * dark).astype(np.uint8)
    return photo, fit, lines, inside


def separation_contrast(model, fit_factory, texture_factory, case) -> tuple[float, int]:
    """(the frame's separation contrast over the photo's, the frame's separation pixels) for one case."""
    jaw = case[0]
    photo, fit, lines, inside = separated_teeth_photo(model, fit_factory, texture_factory, *case)
    r = Reenactor(photo, fit, model)
    assert r._photo_teeth_vertices is not None  # the photo's teeth are measured and reused
    e = np.asarray(expr(model, jawOpen=jaw + 0.15, mouthUpperUp_L=0.4, mouthUpperUp_R=0.4), np.float32)
    rot = np.zeros(3, np.float32)
    frame = r.render(e, rot)
    screen = r.screens(e[None], rot[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    tri = np.where(frags.mask, frags.tri_id, 0)
    part = np.where(frags.mask, r.tri_part[tri], -1)
    q = (r.source.screen[r.triangles[tri], :2] * frags.bary[..., None]).sum(2)
    qx = np.clip(np.floor(q[..., 0]).astype(int), 0, photo.shape[1] - 1)
    qy = np.clip(np.floor(q[..., 1]).astype(int), 0, photo.shape[0] - 1)
    near = binary_dilation(lines, np.ones((1, 11), bool)) & inside & ~lines  # teeth within 5 px of a line
    core = lines
    teeth = part == TEETH
    on_line, on_teeth = teeth & core[qy, qx], teeth & near[qy, qx]
    luma, src = frame.astype(np.float32) @ LUMA, photo.astype(np.float32) @ LUMA
    made = 1 - np.median(luma[on_line]) / np.median(luma[on_teeth])
    real = 1 - np.median(src[core & inside]) / np.median(src[near])
    return float(made / real), int(on_line.sum())


def test_close_rows_fills_narrow_dark_gaps_only():
    """:func:`~emoshift.render.source_parts.close_rows` is scipy's grey closing along the rows (away from the edges);
    a gap of ``span`` pixels is filled, a wider one kept."""
    from scipy.ndimage import grey_closing

    from emoshift.render.source_parts import close_rows

    img = np.random.default_rng(0).random((16, 48)).astype(np.float32) * 255
    for span in (1, 2, 4, 6):
        ref = grey_closing(img, size=(1, span + 1), mode="nearest")
        assert np.array_equal(close_rows(img, span)[:, span + 1 : -span - 1], ref[:, span + 1 : -span - 1])
    row = np.array([[200, 200, 40, 40, 40, 200, 200, 10, 10, 10, 10, 10, 200, 200]], np.float32)
    out = close_rows(row, 3)[0]
    assert np.all(out[2:5] == 200) and np.all(out[7:12] == 10)
    assert np.array_equal(close_rows(row, 0), row)


@pytest.mark.parametrize("case", CASES)
def test_the_photos_teeth_keep_their_separations(full_model, fit_factory, texture_factory, case):
    """Measured over the cases: 0.23-0.47 of the photo's separation contrast kept (the rest: the painted teeth the
    frame mixes in where the photo's teeth mask is soft, about 0.4 on these thin synthetic teeth); bound 0.18."""
    kept, n = separation_contrast(full_model, fit_factory, texture_factory, case)
    assert n >= 100 and kept > BOUND, (kept, n)


def test_control_gated_pixel_by_pixel_the_separations_fade(full_model, fit_factory, texture_factory, monkeypatch):
    """Control (each pixel gated alone): 0.05-0.28 kept, three of the four cases below the bound (fails)."""
    monkeypatch.setattr(source_parts, "TEETH_SEPARATION", 0.0)
    kept = [separation_contrast(full_model, fit_factory, texture_factory, case)[0] for case in CASES]
    assert min(kept) < BOUND and sum(k < BOUND for k in kept) >= 2, kept
