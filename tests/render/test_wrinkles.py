"""Strain-driven expression wrinkles (emoshift.render.wrinkles, emoshift.render.wrinkle_shader): where,
which way, how far apart, how deep. The shading is tested through the product's shader
(:func:`shade_folds` over a frame's fragments) and through the reenactor's frames."""

import numpy as np
import pytest

from emoshift.camera import Camera
from emoshift.render.raster import rasterize
from emoshift.render.reenact import Reenactor
from emoshift.render.wrinkle_shader import FOLD_WIDTH_CM, MAX_DARKEN, SPACING_CM, _fold, shade_folds
from emoshift.render.wrinkles import DEAD_ZONE, ICT_SKIN_VERTICES, SATURATION, WrinkleField

DEPTH_CM = 50.0
PX_PER_CM = 20.0


def flat_patch(size_cm=4.0, step=0.1):
    """A flat grid in the z = 0 plane: (V, 3) vertices, (T, 3) counter-clockwise triangles, (V, 2) chart."""
    n = int(round(size_cm / step)) + 1
    ys, xs = np.mgrid[0:n, 0:n] * step - size_cm / 2
    verts = np.stack([xs.ravel(), ys.ravel(), np.zeros(n * n)], 1).astype(np.float32)
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    tris = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)]).astype(np.int32)
    return verts, tris, verts[:, :2].copy()


def patch_field(verts, tris, uv):
    return WrinkleField.from_shapes(verts, tris, verts, uv=uv, mask=np.ones(len(verts), np.float32))


def camera_and_screen(verts, size=96):
    """Pinhole camera DEPTH_CM in front of the origin, PX_PER_CM pixels per cm there; screen (V, 3) of
    head-frame ``verts``."""
    cam = Camera(PX_PER_CM * DEPTH_CM, size / 2, size / 2, size, size)
    depth = DEPTH_CM - verts[:, 2]
    screen = np.stack(
        [cam.cx + cam.focal * verts[:, 0] / depth, cam.cy - cam.focal * verts[:, 1] / depth, depth], 1
    ).astype(np.float32)
    return cam, screen


GREY = 200


def shading_of(field, frame, tensor):
    """The product shader over the fragments of ``frame`` (the patch drawn by :func:`camera_and_screen`) on
    a flat grey picture: (H, W) float shading (the frame over the grey; 1 where nothing changed) and the
    fragments."""
    cam, screen = camera_and_screen(frame)
    frags = rasterize(screen, field.tris, cam.width, cam.height, cull_back=True)
    out = np.full((cam.height, cam.width, 3), GREY, np.uint8)
    shade_folds(field.view(tensor, cam), screen, field.tris, len(field.tris), frags.tri_id, frags.bary, 0, 0, out)
    assert (out == out[..., :1]).all()  # grey stays grey: the crease tint follows the pixel's saturation
    return out[..., 0] / GREY, frags


def compression(field, frames):
    """Amplitude (B, V) and unit fold-normal direction (B, V, 2) in the chart of the field's tensors."""
    t = field.tensors(frames)
    ang = 0.5 * np.arctan2(t[..., 1], t[..., 0])
    return np.hypot(t[..., 0], t[..., 1]), np.stack([np.cos(ang), np.sin(ang)], -1)


def test_no_wrinkles_at_the_source_expression():
    verts, tris, uv = flat_patch()
    field = patch_field(verts, tris, uv)
    assert np.abs(field.tensors(verts)).max() == 0.0
    shade, frags = shading_of(field, verts, field.tensors(verts))
    assert frags.mask.sum() > 5000 and np.all(shade == 1.0)


def test_compression_gives_lines_perpendicular_to_it_at_the_spacing():
    verts, tris, uv = flat_patch()
    field = patch_field(verts, tris, uv)
    lam = 1.0 - SATURATION + 0.03
    frame = verts * np.array([lam, 1.0, 1.0], np.float32)  # compressed along x
    amp, direction = compression(field, frame[None])
    inner = (np.abs(verts[:, 0]) < 1.5) & (np.abs(verts[:, 1]) < 1.5)
    assert amp[0, inner].min() > 0.9  # just below SATURATION's compression: near full amplitude
    assert np.abs(direction[0, inner, 0]).min() > 0.999  # fold normal along the compression axis

    shade, frags = shading_of(field, frame, field.tensors(frame))
    assert shade.min() < 1 - 0.75 * MAX_DARKEN and shade.max() == 1.0
    rows = shade[28:68, 16:80].astype(np.float64)  # 64 px across the compressed patch
    gx = np.abs(np.diff(rows, axis=1)).mean()
    gy = np.abs(np.diff(rows, axis=0)).mean()
    assert gx > 3 * gy  # lines run along y, i.e. perpendicular to the compression
    spectrum = np.abs(np.fft.rfft(rows - rows.mean(1, keepdims=True), axis=1)).mean(0)
    period_px = SPACING_CM * lam * PX_PER_CM  # spacing on the rest skin, carried by the compressed skin
    assert abs(np.argmax(spectrum[1:]) + 1 - 64 / period_px) <= 1


def test_stretching_adds_nothing():
    verts, tris, uv = flat_patch()
    field = patch_field(verts, tris, uv)
    for scale in ([1.25, 1.0, 1.0], [1.2, 1.2, 1.0], [1.0, 1.1, 1.0]):
        frame = verts * np.array(scale, np.float32)
        assert np.abs(field.tensors(frame)).max() == 0.0
        shade, _ = shading_of(field, frame, field.tensors(frame))
        assert np.all(shade == 1.0)


def test_amplitude_is_monotone_in_compression():
    verts, tris, uv = flat_patch(2.0, 0.2)
    field = patch_field(verts, tris, uv)
    lams = np.linspace(1.0, 0.6, 21)
    frames = np.stack([verts * np.array([1.0, lam, 1.0], np.float32) for lam in lams])
    t = field.tensors(frames)
    amp = np.hypot(t[..., 0], t[..., 1]).mean(1)
    assert np.all(np.diff(amp) >= -1e-6)
    comp = 1 - lams
    assert np.all(amp[comp <= DEAD_ZONE] < 1e-6)
    assert np.all(np.diff(amp[(comp > DEAD_ZONE) & (comp < SATURATION)]) > 0)
    assert np.allclose(amp[comp >= SATURATION], 1.0, atol=1e-4)
    assert np.allclose(np.abs(t[-1, :, 0]), 1.0, atol=1e-4)  # cos 2t = -1: fold normal along y


@pytest.fixture(scope="module")
def ict(full_model):
    neutral = full_model.neutral.astype(np.float32)
    basis = full_model.expression_basis.reshape(53, -1, 3)
    tris = full_model.triangles
    skin = tris[(tris < ICT_SKIN_VERTICES).all(1)]
    return full_model, neutral, basis, np.ascontiguousarray(skin, np.int32)


def ict_regions(neutral):
    from emoshift.headmodel.regions import MULTIPIE_68

    lm = neutral[MULTIPIE_68]
    x, y, z = neutral.T
    brow_y, eye_y = lm[17:27, 1].mean(), lm[36:48, 1].mean()
    return {
        "forehead": (np.abs(x) < 3) & (y > brow_y + 1) & (y < brow_y + 4) & (z > 0),
        "nose_root": (np.abs(x) < 1.5) & (y > eye_y - 1.5) & (y < eye_y + 0.5) & (z > lm[27, 2] - 1.5),
    }


def test_ict_expressions_fold_the_right_places(ict):
    model, neutral, basis, skin = ict
    field = WrinkleField.from_shapes(neutral, skin, neutral)
    regions = ict_regions(neutral)

    def amp(**weights):
        e = model.expression_vector(weights)
        t = field.tensors(neutral + np.tensordot(e, basis, 1))
        return np.hypot(t[:, 0], t[:, 1]), 0.5 * np.arctan2(t[:, 1], t[:, 0])

    brows, ang = amp(browInnerUp_L=1, browInnerUp_R=1, browOuterUp_L=1, browOuterUp_R=1)
    fh = regions["forehead"]
    assert brows[fh].mean() > 0.3
    strong = fh & (brows > 0.5)
    assert np.abs(np.sin(ang[strong])).mean() > 0.9  # compressed vertically: horizontal forehead lines
    sneer, _ = amp(noseSneer_L=1, noseSneer_R=1)
    assert sneer[regions["nose_root"]].mean() > 0.2
    jaw, _ = amp(jawOpen=1)
    assert jaw[fh].max() < 0.02
    assert np.abs(amp()[0]).max() == 0.0

    # relative to the source: at the source expression nothing, a relaxing frame adds nothing either
    raised = neutral + np.tensordot(model.expression_vector({"browInnerUp_L": 1, "browInnerUp_R": 1}), basis, 1)
    from_raised = WrinkleField.from_shapes(raised, skin, neutral)
    assert np.abs(from_raised.tensors(raised)).max() == 0.0
    assert np.hypot(*from_raised.tensors(neutral)[fh].T).max() < 0.1


def test_lowered_brows_fold_the_glabella_not_the_forehead(ict):
    """AU4 draws the brows together: vertical lines between them (corrugator lines), none fanning out over
    the forehead above the brows' middle and outer parts (that fan reads as drawn on, and as worry).
    Measured with browDown at 1, mean amplitude of vertical lines: glabella 0.78; forehead 0-2 cm above
    the brows at |x| 2-4 cm: 0.02-0.06. Control: the same field without the glabella restriction (vmask 1)
    has 0.41-0.44 there."""
    from dataclasses import replace

    from emoshift.headmodel.regions import MULTIPIE_68

    model, neutral, basis, skin = ict
    field = WrinkleField.from_shapes(neutral, skin, neutral)
    lm = neutral[MULTIPIE_68]
    x, y, z = neutral.T
    brow_y = lm[17:27, 1].mean()
    glabella = (np.abs(x) < 0.8) & (y > brow_y - 0.6) & (y < brow_y + 1.0) & (z > 0)
    fan = (np.abs(x) > 2) & (np.abs(x) < 4) & (y > brow_y) & (y < brow_y + 2) & (z > 0)
    frame = neutral + np.tensordot(model.expression_vector({"browDown_L": 1, "browDown_R": 1}), basis, 1)

    def vertical(f):
        t = f.tensors(frame)
        return np.hypot(t[:, 0], t[:, 1]) * (t[:, 0] > 0)  # cos 2t > 0: fold normal along u

    v = vertical(field)
    assert v[glabella].mean() > 0.5, v[glabella].mean()
    assert v[fan].mean() < 0.15, v[fan].mean()
    assert vertical(replace(field, vmask=np.ones_like(field.vmask)))[fan].mean() > 0.3  # control


def test_fold_profile_has_no_sign():
    """A line field has no orientation: (phase, along, up) and its negation must shade alike, or the folds
    would break where the interpolated direction flips."""
    rng = np.random.default_rng(0)
    for phase, along, up in rng.uniform(-5, 5, (200, 3)):
        up = float(np.clip(up / 5, -1, 1))
        a = _fold(phase, along, up, SPACING_CM, FOLD_WIDTH_CM, 12.0)
        b = _fold(-phase, -along, -up, SPACING_CM, FOLD_WIDTH_CM, 12.0)
        assert abs(a - b) < 1e-9
    # creases are narrow: darkest at integer phases, near zero half-way (before the depth noise)
    vals = np.array([_fold(p, 0.3, 0.0, SPACING_CM, FOLD_WIDTH_CM, 12.0) for p in np.linspace(-3, 3, 601)])
    assert vals.max() > 0.3 and np.median(vals) < 0.1 * vals.max()


def test_folds_fade_towards_the_silhouette():
    verts, tris, uv = flat_patch()
    field = patch_field(verts, tris, uv)
    frame = verts * np.array([0.8, 1.0, 1.0], np.float32)
    tensor = field.tensors(frame)
    darkest = []
    for deg in (0, 50, 80):
        c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
        turned = frame @ np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]], np.float32).T  # turn about y
        shade, frags = shading_of(field, turned, tensor)
        assert frags.mask.sum() > 500
        darkest.append(1 - shade.min())
    assert darkest[0] > 0.5 * MAX_DARKEN and darkest[2] == 0.0 and darkest[1] < darkest[0]


# ------------------------------------------------------------------------------ through the reenactor
@pytest.fixture(scope="module")
def skin_photo(full_model, fit_factory):
    """A reenactor of a flat skin-coloured photo (whatever darkens is the expression's shading or folds)."""
    colour = np.array([150, 120, 100], np.uint8)
    return Reenactor(np.broadcast_to(colour, (256, 256, 3)).copy(), fit_factory(), full_model)


def with_and_without_folds(r, e):
    """(H, W, 3) frames of expression ``e`` with the folds and with their strength set to 0."""
    folded = r.render(e, r.source_rotation)
    strength = r.wrinkles.strength
    r.wrinkles.strength = 0.0
    try:
        plain = r.render(e, r.source_rotation)
    finally:
        r.wrinkles.strength = strength
    return folded.astype(float), plain.astype(float)


def forehead_box(r, e):
    """Rows and columns of the frame's forehead: between the outer brow ends, up to 3 cm above the brows."""
    from emoshift.headmodel.regions import MULTIPIE_68

    screen = r.screens(e[None], r.source_rotation[None])[0]
    brows = screen[MULTIPIE_68[17:27]]
    px_per_cm = float(r.camera.focal) / float(brows[:, 2].mean())
    top, bottom = int(brows[:, 1].min() - 3 * px_per_cm), int(brows[:, 1].min())
    return slice(top, bottom), slice(int(brows[:, 0].min()), int(brows[:, 0].max()))


def glabella_box(r, e):
    """Rows and columns of the frame's glabella: between the inner brow ends, from 1.5 cm above the brows
    to the eyes."""
    from emoshift.headmodel.regions import MULTIPIE_68

    screen = r.screens(e[None], r.source_rotation[None])[0]
    brows, eyes = screen[MULTIPIE_68[17:27]], screen[MULTIPIE_68[36:48]]
    inner = screen[MULTIPIE_68[[21, 22]]]
    px_per_cm = float(r.camera.focal) / float(brows[:, 2].mean())
    top, bottom = int(brows[:, 1].min() - 1.5 * px_per_cm), int(eyes[:, 1].mean())
    return slice(top, bottom), slice(int(inner[:, 0].min()), int(inner[:, 0].max()))


def test_reenacted_forehead_folds_across_its_compression(skin_photo, full_model):
    """Raised brows compress the forehead vertically: the frame gets darker lines there that run across
    (darkening changes from row to row much more than from column to column); a jaw drop (no forehead
    compression) gets none; red darkens least (warm creases)."""
    r = skin_photo
    brows = full_model.expression_vector({f"brow{s}Up_{lr}": 1.0 for s in ("Inner", "Outer") for lr in "LR"})
    folded, plain = with_and_without_folds(r, brows)
    rows, cols = forehead_box(r, brows)
    dark = (plain - folded).mean(2)[rows, cols]
    assert (dark > 3).sum() > 30 and dark.max() < 0.3 * plain.mean()  # lines, of bounded depth
    across = np.abs(np.diff(dark, axis=0)).mean()
    along = np.abs(np.diff(dark, axis=1)).mean()
    assert across > 2 * along, (across, along)
    assert not np.abs(np.diff(dark.T, axis=0)).mean() > 2 * np.abs(np.diff(dark.T, axis=1)).mean()  # control
    lines = dark > 3
    drop = 1 - folded[rows, cols][lines] / plain[rows, cols][lines]  # (n, 3) relative darkening per channel
    assert drop[:, 0].mean() < drop[:, 1].mean() < drop[:, 2].mean()

    jaw = full_model.expression_vector({"jawOpen": 1.0})
    folded, plain = with_and_without_folds(r, jaw)
    rows, cols = forehead_box(r, jaw)
    assert np.abs(plain - folded)[rows, cols].max() == 0


def test_source_expression_frames_have_no_folds(full_model, fit_factory):
    """Folds count compression relative to the photo: a photo with raised brows re-rendered at its own
    expression gets no folds, nor does its forehead relaxing to neutral (it stretches back); lowering the
    brows from there (compression) folds it."""
    raised = full_model.expression_vector({"browInnerUp_L": 1.0, "browInnerUp_R": 1.0})
    photo = np.full((256, 256, 3), (150, 120, 100), np.uint8)
    r = Reenactor(photo, fit_factory(expression=raised), full_model)
    folded, plain = with_and_without_folds(r, raised)
    assert np.array_equal(folded, plain) and np.abs(folded - photo).max() <= 1
    neutral = np.zeros(53, np.float32)
    folded, plain = with_and_without_folds(r, neutral)
    rows, cols = forehead_box(r, neutral)
    assert np.array_equal(folded[rows, cols], plain[rows, cols])
    lowered = full_model.expression_vector({"browDown_L": 1.0, "browDown_R": 1.0})
    folded, plain = with_and_without_folds(r, lowered)
    rows, cols = glabella_box(r, lowered)
    # the control: the same measure sees folds, on 0.15 of the box's pixels (0.17 before session 21; the box,
    # between the inner brow heads, narrowed from 9 to 7 px as AU4 draws them together: render/brows.py)
    assert ((plain - folded)[rows, cols].mean(2) > 2).mean() > 0.1
