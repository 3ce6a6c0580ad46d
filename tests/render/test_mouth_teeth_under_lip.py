"""A photo's own teeth right under its upper lip lie in that lip's shadow; once the frame's lip moves off them they
must not stand as a dark band across the teeth, between the painted crowns a raised lip bares above them and the
photo's lit teeth below (session 23, "teeth smeared" on the smiling photos dev04, dev06, dev12 at anger and fear;
:data:`emoshift.render.source_parts.TEETH_UNDER_LIP`). A synthetic smile: the model's upper teeth show in the photo's
opening (its detected upper inner lip lowered onto their top, as a real smile's contour hugs its teeth), painted
ivory with the lip's shadow (half their luma at the contour, none 8 % of the mouth's width below it); the frame
raises the upper lip (AU10: anger, disgust). Control: without the fade the band is there. And the lips' pink edge
inside the detected opening is not taken as teeth (:data:`emoshift.render.source_parts.TEETH_RED_CHROMA`, dev03's pink
stripe across its teeth), an orange stain on the teeth still is."""

import numpy as np
import pytest
from skimage.draw import polygon

from emoshift.headmodel.mp_indices import INNER_LIPS
from emoshift.render import source_parts
from emoshift.render.reenact import Reenactor
from emoshift.render.teeth import tooth_coordinates
from emoshift.render.view import TEETH
from render_helpers import make_fit, smooth_texture

LUMA = np.float32([0.299, 0.587, 0.114])
SIZE, DEPTH = 512, 24.0  # the mouth ~185 pixels wide
SHIFT_PX = 13.0  # the model's upper teeth start 12-15 rows below its inner upper lip at this smile
BAND = 0.8


def _smile(model, jaw: float, seed: int):
    """(photo, fit): a smile (jawOpen ``jaw``, mouthSmile 0.7, mouthUpperUp 0.2) whose opening is filled with teeth in
    the upper lip's shadow, its detected upper inner lip SHIFT_PX lower in the middle (tapering to the corners)."""
    e = model.expression_vector({"jawOpen": jaw, "mouthSmile_L": 0.7, "mouthSmile_R": 0.7, "mouthUpperUp_L": 0.2,
                                 "mouthUpperUp_R": 0.2})  # fmt: skip
    fit = make_fit(size=(SIZE, SIZE), expression=e, translation=(0.0, -1.0, -DEPTH))
    lmk = model.landmarks(np.zeros((1, 50)), e[None], np.zeros((1, 3)), np.array([(0.0, -1.0, -DEPTH)]))[0]
    fit.landmarks_detected = fit.camera.project(lmk)
    upper = np.asarray(INNER_LIPS)[1:10]  # corner to corner
    fit.landmarks_detected[upper, 1] += np.float32(SHIFT_PX * np.sin(np.pi * np.arange(1, 10) / 10.0))
    poly = np.asarray(fit.landmarks_detected, np.float64)[list(INNER_LIPS)]
    inside = np.zeros((SIZE, SIZE), bool)
    rr, cc = polygon(poly[:, 1], poly[:, 0], inside.shape)
    inside[rr, cc] = True
    rows = np.arange(SIZE)[:, None] - np.argmax(inside, axis=0)[None, :]
    shade = 1.0 - 0.5 * (1.0 - np.clip(rows / (0.08 * np.ptp(poly[:, 0])), 0.0, 1.0))
    rng = np.random.default_rng(seed)
    teeth = np.float32([225, 215, 190]) * shade[..., None] + rng.normal(0, 3, (SIZE, SIZE, 1))
    photo = np.where(inside[..., None], teeth, smooth_texture(SIZE, SIZE, seed).astype(np.float32))
    return np.clip(photo, 0, 255).astype(np.uint8), fit


def _band(r, frame: np.ndarray, expression: np.ndarray) -> tuple[float, int]:
    """The share of the frame's upper front teeth (incisors, canines) pixels, per column the run of them from the top
    less its first and last 2 rows, darker than BAND x the lesser of the brightest above and below them in the run
    (bench_mouth_texture's ``teeth_band``), and their count."""
    rot = np.zeros((1, 3), np.float32)
    f = r._raster_full(r.screens(expression[None], rot)[0], r.width, r.height)
    tri = np.where(f.mask, f.tri_id, 0)
    coords = tooth_coordinates(r.base, r.vertex_part == TEETH, r.triangles)
    v = r.triangles[tri, 0]
    upper = f.mask & (r.tri_part[tri] == TEETH) & (coords[v, 2] < 0.5) & (coords[v, 3] >= 0) & (coords[v, 3] <= 2)
    luma = frame.astype(np.float32) @ LUMA
    n = dark = 0
    for x in np.flatnonzero(upper.any(0)):
        rows = np.flatnonzero(upper[:, x])
        gaps = np.flatnonzero(np.diff(rows) > 1)
        run = rows[: gaps[0] + 1] if len(gaps) else rows
        if len(run) < 7:
            continue
        lum = luma[run, x]
        above = np.maximum.accumulate(lum)[1:-3]
        below = np.maximum.accumulate(lum[::-1])[::-1][3:-1]
        n += len(lum) - 4
        dark += int((lum[2:-2] < BAND * np.minimum(above, below)).sum())
    return dark / max(n, 1), n


@pytest.mark.parametrize("jaw, seed", [(0.1, 0), (0.2, 1)])
def test_photos_lip_shadow_on_its_teeth_makes_no_band(full_model, jaw, seed, monkeypatch):
    """Anger's raised lip (mouthUpperUp 1, jaw + 0.15) and disgust's (0.7, a sneer): no dark band across the upper
    front teeth (share <= 0.01 of their pixels; measured 0.000 at jawOpen 0.1, 0.2), and the photo's lit teeth below
    the fade still reused (mask >= 0.95). Control: without the fade (TEETH_UNDER_LIP 0) the photo's shadowed teeth
    stand as a band under the painted crowns (0.07-0.13; bound 0.04)."""
    photo, fit = _smile(full_model, jaw, seed)
    frames = {
        "raise": full_model.expression_vector({"jawOpen": jaw + 0.15, "mouthUpperUp_L": 1.0, "mouthUpperUp_R": 1.0}),
        "disgust": full_model.expression_vector({"jawOpen": jaw + 0.05, "mouthUpperUp_L": 0.7, "mouthUpperUp_R": 0.7,
                                                 "noseSneer_L": 0.5, "noseSneer_R": 0.5}),  # fmt: skip
    }
    for under in (source_parts.TEETH_UNDER_LIP, 0.0):
        monkeypatch.setattr(source_parts, "TEETH_UNDER_LIP", under)
        r = Reenactor(photo, fit, full_model)
        if under > 0.0:  # the photo's lit teeth below the fade are still its own
            lit = (source_parts._under_lip_fade(r._mouth_opening) >= 1.0) & (r._parts_in_box == TEETH)
            lit &= r._mouth_opening > 0.99
            assert lit.sum() >= 150 and r.photo_masks[TEETH - 1][lit].mean() >= 0.95
        for name, e in frames.items():
            band, n = _band(r, r.render(e, np.zeros(3, np.float32)), e)
            assert n >= 1000, (name, n)
            if under > 0.0:
                assert band <= 0.01, (name, band)
            else:
                assert band >= 0.04, (name, band)


def test_fade_runs_from_the_contour_over_its_share_of_the_width():
    """The fade is 0 on the opening's top row, rises monotonically, and is 1 from TEETH_UNDER_LIP x the opening's width
    below it, per column (a slanted opening: each column from its own top)."""
    h, w = 60, 100
    yy, xx = np.mgrid[0:h, 0:w]
    top = (10 + 0.1 * xx[0]).astype(int)
    opening = ((yy >= top[None, :]) & (yy < 50) & (xx >= 0)).astype(np.float32)
    fade = source_parts._under_lip_fade(opening)
    reach = source_parts.TEETH_UNDER_LIP * (w - 1)
    for x in (0, 40, 99):
        col = fade[top[x] :, x]
        assert col[0] == 0.0
        assert np.all(np.diff(col) >= 0.0)
        assert col[int(np.ceil(reach))] == pytest.approx(1.0)
        assert 0.3 < col[int(reach / 2)] < 0.7
    assert source_parts._under_lip_fade(None) == 1.0


def _lip_in_the_opening(model, seed: int):
    """(photo, fit, pink, stain): :func:`_smile`'s photo with its opening's lowest rows (1/4 of its height per column)
    pink, the lower lip's wet edge inside the detected contour (dev03's (235, 166, 161), (214, 127, 120)), and a
    patch of its lit teeth orange-brown (dev06's stained tooth, (217, 112, 47))."""
    photo, fit = _smile(model, 0.2, seed)
    poly = np.asarray(fit.landmarks_detected, np.float64)[list(INNER_LIPS)]
    inside = np.zeros((SIZE, SIZE), bool)
    rr, cc = polygon(poly[:, 1], poly[:, 0], inside.shape)
    inside[rr, cc] = True
    rows = np.arange(SIZE)[:, None]
    top, bottom = np.argmax(inside, axis=0), SIZE - 1 - np.argmax(inside[::-1], axis=0)
    pink = inside & (rows > bottom - 0.25 * (bottom - top))
    rng = np.random.default_rng(seed)
    photo[pink] = np.clip(np.where(rng.random((int(pink.sum()), 1)) < 0.5, [235, 166, 161], [214, 127, 120])
                          + rng.normal(0, 3, (int(pink.sum()), 1)), 0, 255)  # fmt: skip
    cx = int(poly[:, 0].mean())
    stain = inside & ~pink & (np.abs(np.arange(SIZE) - cx) < 8)[None, :] & (rows > top + 0.5 * (bottom - top))
    photo[stain] = (217, 112, 47)
    return photo, fit, pink, stain


@pytest.mark.parametrize("seed", [0, 1])
def test_the_lips_edge_in_the_opening_is_not_taken_as_teeth(full_model, seed, monkeypatch):
    """The photo's pink lip pixels inside its detected opening, where the model's teeth project, are not its teeth (mask
    <= 0.05 on them, a pixel in from their edge; measured 0.0; TEETH_RED_*: they stood as a pink stripe across dev03's
    teeth), its lit teeth and an orange stain on them still are (>= 0.9; measured 1.0, 0.995). Control: without the
    rule (TEETH_RED_CHROMA beyond any chroma) the pink is taken as teeth (1.0; bound 0.5)."""
    photo, fit, pink, stain = _lip_in_the_opening(full_model, seed)

    def masks():
        r = Reenactor(photo, fit, full_model)
        (x0, y0), (h, w) = r.src_origin, r.src_tri.shape
        m = r.photo_masks[TEETH - 1]
        teeth = (r._parts_in_box == TEETH) & (r._mouth_opening > 0.99)
        lit = teeth & (source_parts._under_lip_fade(r._mouth_opening) >= 1.0)
        at = (slice(y0, y0 + h), slice(x0, x0 + w))
        p, s = teeth & pink[at], lit & stain[at]
        q = lit & ~pink[at] & ~stain[at]
        assert p.sum() >= 100 and s.sum() >= 30 and q.sum() >= 100, (p.sum(), s.sum(), q.sum())
        from scipy.ndimage import binary_erosion

        inner = np.ones((3, 3), bool)  # away from the 3 x 3 blur's reach into the neighbouring region
        p, s, q = (binary_erosion(a, inner) for a in (p, s, q))
        return m[p].max(), m[s].min(), m[q].min()

    on_pink, on_stain, on_teeth = masks()
    assert on_pink <= 0.05 and on_stain >= 0.9 and on_teeth >= 0.9, (on_pink, on_stain, on_teeth)
    monkeypatch.setattr(source_parts, "TEETH_RED_CHROMA", (9.0, 10.0))
    assert masks()[0] >= 0.5
