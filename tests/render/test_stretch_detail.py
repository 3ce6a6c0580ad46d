"""Skin the warp stretches one way (mouth corners pulled out, lips rolled by a dropping jaw) keeps the photo's
texture at the photo's own scale, not drawn out into streaks along the stretch (:func:`warp.detail_tris`,
:func:`warp.detail_pass`, :func:`filters.texture_detail`); smooth skin and edges are left alone. Thresholds from
synthetic photos over several seeds (numbers in the docstrings), each with a control that must fail.
``bench/bench_mouth_texture.py`` (``ow_hf``, ``ow_coh``) measures the same on the development photos."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

LUMA = np.float32([0.299, 0.587, 0.114])
SIZE = 160


def _spline(image):
    """The photo's spline coefficients and their origin (as the reenactor's SourceView holds them)."""
    from emoshift.render.shaders import spline_coefficients

    return spline_coefficients(image, 0, 0, image.shape[1], image.shape[0]), np.zeros(2, np.int64)


def _texture(seed: int) -> np.ndarray:
    """(SIZE, SIZE, 3) uint8: isotropic skin texture (white noise after a Gaussian of 1 px, about 7 levels)."""
    rng = np.random.default_rng(seed)
    tex = gaussian_filter(rng.normal(0, 25.0, (SIZE, SIZE)), 1.0)
    return np.clip(128 + tex + 0.5, 0, 255).astype(np.uint8)[..., None].repeat(3, 2)


def _warp(img: np.ndarray, mx: float, my: float, detail: bool = True, gated: bool = True) -> tuple[np.ndarray, tuple]:
    """``img`` warped by the skin pass (and the detail pass), magnified mx x my about its centre (one triangle
    carrying that map): the frame and each pixel's source pixel (qx, qy)."""
    from emoshift.render.filters import texture_detail
    from emoshift.render.flow import CELL
    from emoshift.render.shaders import DETAIL_EDGE, DETAIL_EDGE_SIGMA, DETAIL_SIGMA
    from emoshift.render.warp import _skin_pass, detail_pass, magnified_share

    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    flow = np.zeros((SIZE, SIZE, 5), np.float32)
    flow[..., 0] = (xx - SIZE / 2) * (1 / mx - 1)
    flow[..., 1] = (yy - SIZE / 2) * (1 / my - 1)
    flow[..., 2] = 1.0  # exact flow
    flow[..., 3] = 1.0  # no shading
    src = np.float32([[0, 0, 1], [10, 0, 1], [0, 10, 1]])
    frame = np.float32([[0, 0, 1], [10 * mx, 0, 1], [0, 10 * my, 1]])
    tris = np.int32([[0, 1, 2]])
    lost = magnified_share(src, frame, tris, 1)
    tri_id = np.zeros((SIZE, SIZE), np.int32)
    g = (SIZE + CELL - 1) // CELL
    zero = np.zeros((g, g), np.float32)
    out = img.copy()
    _skin_pass(img, *_spline(img), img, np.zeros((1, 1, 3), np.uint8),
               np.zeros((1, 1, 3), np.float32), np.zeros(4, np.int64), 0.0, np.zeros((1, 1, 3), np.float32), 0, 0,
               tri_id, np.ones(1, np.bool_), np.ones((SIZE, SIZE), np.float32), flow, zero, zero,
               np.ones((g, g), np.float32), np.float32(0.0), lost, 0, 0, 0, out)  # fmt: skip
    if detail:
        edge = DETAIL_EDGE if gated else (1e9, 2e9)
        layer = texture_detail(img, DETAIL_SIGMA, edge, DETAIL_EDGE_SIGMA)
        detail_pass(layer, 0, 0, src, frame, tris, 1, tri_id, flow, 0, 0, out)
    qx = np.clip(np.floor(xx + flow[..., 0]).astype(int), 0, SIZE - 1)
    qy = np.clip(np.floor(yy + flow[..., 1]).astype(int), 0, SIZE - 1)
    return out, (qx, qy)


def _layers(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The luma less its Gaussian of 2 px, and that layer's structure-tensor coherence (0 isotropic, 1 lines)."""
    lum = img.astype(np.float32) @ LUMA
    hf = lum - gaussian_filter(lum, 2.0)
    gy, gx = np.gradient(hf)
    jxx, jyy, jxy = (gaussian_filter(a, 2.0) for a in (gx * gx, gy * gy, gx * gy))
    return hf, np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / np.maximum(jxx + jyy, 1e-6)


def _streaks(img: np.ndarray, out: np.ndarray, q: tuple) -> tuple[float, float]:
    """(texture energy of ``out`` / the photo's at the same points, coherence of ``out``'s texture less the
    photo's), away from the border."""
    hf_o, coh_o = _layers(out)
    hf_p, coh_p = _layers(img)
    qx, qy = q
    m = np.zeros(qx.shape, bool)
    m[12:-12, 12:-12] = True
    m &= (qx >= 12) & (qx < SIZE - 12) & (qy >= 12) & (qy < SIZE - 12)  # sampling the photo, not its border
    energy = np.sqrt(np.mean(hf_o[m] ** 2)) / np.sqrt(np.mean(hf_p[qy, qx][m] ** 2))
    return float(energy), float(np.median(coh_o[m]) - np.median(coh_p[qy, qx][m]))


@pytest.mark.parametrize("mx,my", [(2.0, 0.5), (1.6, 0.6)])
def test_one_way_stretched_skin_keeps_the_photos_texture_not_streaks(mx, my):
    """Isotropic skin texture stretched mx one way and squeezed to my across (the area kept or shrunk: the
    magnification grain gives nothing back): with the detail pass its texture is about as isotropic as the
    photo's (structure-tensor coherence less the photo's +0.01 to +0.05 at 2 x 0.5, +0.03 to +0.06 at 1.6 x 0.6;
    3 seeds) and as strong (energy 0.97-1.00, 0.98-1.00). Control: the skin pass alone draws it into streaks
    along the stretch, coherence +0.41 to +0.45 (2 x 0.5), +0.29 to +0.33 (1.6 x 0.6), which fails."""
    for seed in range(3):
        img = _texture(seed)
        energy, coh = _streaks(img, *_warp(img, mx, my))
        assert coh < 0.12 and 0.85 < energy < 1.15, (seed, energy, coh)
        _, coh_before = _streaks(img, *_warp(img, mx, my, detail=False))
        assert coh_before > 0.2, (seed, coh_before)  # control: the streaks without it


def test_unstretched_skin_is_untouched():
    """A warp that only moves or shrinks the skin evenly gets no detail (beta 0): the frame equals the skin
    pass's to the bit; a uniform 1.1x or a 1.3 x 0.9 stretch (ratios under DETAIL_FROM) neither."""
    img = _texture(0)
    for mx, my in ((1.0, 1.0), (0.7, 0.7), (1.1, 1.1), (1.3, 0.9)):
        with_detail, _ = _warp(img, mx, my)
        without, _ = _warp(img, mx, my, detail=False)
        assert np.array_equal(with_detail, without), (mx, my)


def test_detail_tris_beta_and_rotation():
    """Per triangle: beta 1 for a one-way stretch of 2 x 0.5 (ratio 4 >= DETAIL_FULL) with the map
    rotation - A = diag(1 - 0.5, 1 - 2); beta 0 for a rotated,
    unscaled triangle, an even shrink, a folded triangle; between 0 and 1 for an even 2x magnification.
    Control: the area alone (magnified_share) gives the one-way stretch nothing: 0."""
    from emoshift.render.warp import detail_tris, magnified_share

    src = np.float32([[0, 0, 1], [10, 0, 1], [0, 10, 1]])
    c, s = np.cos(0.5), np.sin(0.5)
    frames = {
        "oneway": [[0, 0], [20, 0], [0, 5]], "rotated": [[0, 0], [10 * c, 10 * s], [-10 * s, 10 * c]],
        "shrunk": [[0, 0], [5, 0], [0, 5]], "folded": [[0, 0], [0, 10], [10, 0]], "magnified": [[0, 0], [20, 0], [0, 20]],
    }  # fmt: skip
    got = {}
    for name, f in frames.items():
        frame = np.concatenate([np.float32(f), np.ones((3, 1), np.float32)], 1)
        tris = np.int32([[0, 1, 2]])
        got[name] = (detail_tris(src, frame, tris, 1)[0], magnified_share(src, frame, tris, 1)[0])
    d, area = got["oneway"]
    np.testing.assert_allclose(d, [1.0, 0.5, 0.0, 0.0, -1.0], atol=1e-5)
    assert area == 0.0  # control: what the grain saw
    for name in ("rotated", "shrunk", "folded"):
        np.testing.assert_allclose(got[name][0], 0.0, atol=1e-6, err_msg=name)
    d, area = got["magnified"]
    assert 0.3 < d[0] < 1.0 and abs(area - 0.75) < 1e-5
    np.testing.assert_allclose(d[1:], [0.5, 0.0, 0.0, 0.5], atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smooth_lips_and_edges_get_no_noise_or_ghosts(seed):
    """A smooth lip (flat colour, noise 1 level) meeting skin in a sharp edge (a 60-level step, blurred 1 px),
    stretched 2 x 0.5 across the edge: the detail pass changes the frame by at most 5 grey levels anywhere
    (3 seeds; the edge gate keeps the outline's own pixels, the flat lip has only its noise to give), no ghost
    of the edge. Control: the same layer without the edge gate copies the edge's overshoot several pixels off:
    29-35 levels, which fails."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    edge = 0.6 * SIZE + 0.25 * (xx - SIZE / 2) + rng.uniform(-3, 3)  # an oblique lip outline
    lum = gaussian_filter(np.where(yy < edge, 170.0, 110.0), 1.0) + rng.normal(0, 1.0, (SIZE, SIZE))
    img = np.clip(lum + 0.5, 0, 255).astype(np.uint8)[..., None].repeat(3, 2)
    base, _ = _warp(img, 2.0, 0.5, detail=False)
    gated, _ = _warp(img, 2.0, 0.5)
    ungated, _ = _warp(img, 2.0, 0.5, gated=False)
    s = slice(25, -25)
    diff = np.abs(gated.astype(int) - base)[s, s].max()
    diff_ungated = np.abs(ungated.astype(int) - base)[s, s].max()
    assert diff <= 6, diff
    assert diff_ungated > 15, diff_ungated  # control
