"""A clip's shared identity comes from its resting face (issue 17, :mod:`emoshift.videoin.rest`): an
expression the person holds over part of the clip is not fitted into the identity.

The clip: the astronaut reenacted talking (jaw), grinning (mouthSmile 0.9) in its first ``smiling``
frames, not smiling in the rest. The reference is the identity fitted from the not-smiling frames alone
(:func:`shared_identity`). Measured (4 clips: jaw seeds 0-3, 10-14 smiling frames of 24): the resting
keyframes' identity's neutral mouth is within 0.006 cm of the reference's; the old rule's (keyframes
spread over the clip, half of them grinning) 0.081-0.160 cm wider (the control, which must fail).
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

N, FPS, SIZE = 24, 24.0, 256
#: |rest - reference| mouth width: measured <= 0.006 cm; the old rule's >= 0.081 cm.
WIDTH_TOL = 0.04
#: Warm-started candidate fits vs from scratch (:func:`candidate_fits`): largest |expression energy|
#: difference (cm) and fitting energy above the cold fit's (relative). Fitted from the clip's stored landmarks
#: (:data:`LANDMARKS`), not a render of it: the clip's detected landmarks move with the renderer's look, and a
#: renderer change moved the gap to 0.021 (grain14's detail layer on the old fitter). Measured on the stored
#: landmarks 0.0005 (seed 0) and 0.0006 (seed 2), on fresh renders of seeds 0-5 0.0002-0.0007, 0.0019 on
#: bench_video_cpu's 48-frame clip (energies 0.42-0.49); relative energy <= 3e-5 here, 0.009 on the bench clip's
#: worst candidate. The control, warm starts that keep the previous frame's identity (fix_identity), differs by
#: 0.047 and 0.060 (stored; fresh renders of seeds 0-5: 0.041-0.056), its energies 0.35-0.46 above the cold
#: fits'. Iterations: 0.52-0.53 of the cold fits'.
ENERGY_TOL = 0.01
COST_TOL = 0.02
#: The detected landmarks (24, 478, 3; x, y, MediaPipe z in pixels x 32, int16) of :func:`_clip` (12 smiling
#: frames) for jaw seeds 0 and 2, as rendered and detected at grain15 (:func:`write_landmarks`).
LANDMARKS = Path(__file__).parent / "data" / "rest_clip_landmarks.npz"


def _width(model, identity) -> float:
    """Neutral inner-lip width (cm; MediaPipe points 78-308) of an identity."""
    a, b = model.landmarks(np.asarray(identity, np.float32)[None])[0, [78, 308]]
    return float(np.linalg.norm((a - b)[:2]))


@pytest.fixture(scope="module")
def fitter():
    from emoshift.fitting import Fitter

    return Fitter()


def _clip(fitter, smiling: int, seed: int) -> np.ndarray:
    from PIL import Image

    from emoshift.fitting.lids import smile_cheeks
    from emoshift.render.reenact import Reenactor
    from emoshift.samples import sample_photo
    from emoshift.videoin.synthetic import CROP, jaw_curve

    y0, x0, side = CROP
    face = sample_photo("astronaut")[y0 : y0 + side, x0 : x0 + side]
    photo = np.asarray(Image.fromarray(face).resize((SIZE, SIZE), Image.Resampling.BOX))
    fit = fitter.fit(photo)
    names = list(fit.expression_names)
    expr = np.repeat(np.asarray(fit.expression, np.float32)[None], N, 0)
    for c in ("mouthSmile_L", "mouthSmile_R"):
        expr[:, names.index(c)] = 0.0
        expr[:smiling, names.index(c)] = 0.9
    for c in ("cheekSquint_L", "cheekSquint_R"):  # the smile's cheek raise (fitting.lids.smile_cheeks) goes with it
        expr[:, names.index(c)] = 0.0
        expr[:smiling, names.index(c)] = smile_cheeks(0.9)
    expr[:, names.index("jawOpen")] = 0.5 * jaw_curve(N, FPS, seed)
    rot = np.repeat(np.asarray(fit.rotation, np.float32)[None], N, 0)
    return Reenactor(photo, fit).render_batch(expr, rot)


@pytest.mark.parametrize(("smiling", "seed"), [(12, 0), (14, 2)])
def test_identity_does_not_absorb_a_held_smile(fitter, smiling, seed):
    from emoshift.fitting.video import KEYFRAMES, fit_frames, fixed_focal, shared_identity, spread
    from emoshift.headmodel import HeadModel
    from emoshift.videoin.rest import resting_keyframes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = _clip(fitter, smiling, seed)
        seen = {}

        def old_rule(f, landmarks, size):
            seen["landmarks"], seen["size"] = landmarks, size
            return spread(len(landmarks), KEYFRAMES)

        rest = fit_frames(fitter, enumerate(frames), progress=False, keyframes=resting_keyframes)
        old = fit_frames(fitter, enumerate(frames), progress=False, keyframes=old_rule)
        lms, size = seen["landmarks"], seen["size"]
        assert len(lms) == N and len(rest) == N
        with fixed_focal(fitter, lms, size):
            keys = resting_keyframes(fitter, lms, size)
            reference = shared_identity(fitter, lms[smiling:], size)
    model = HeadModel.load(n_identity=len(reference))
    ref_w = _width(model, reference)
    assert keys.min() >= smiling, keys  # the keyframes are resting frames
    assert abs(_width(model, rest[0].identity) - ref_w) < WIDTH_TOL
    assert _width(model, old[0].identity) - ref_w > WIDTH_TOL  # control: the old rule takes in the smile
    # the smile stays in the smiling frames' fits
    smile = [list(rest[0].expression_names).index(c) for c in ("mouthSmile_L", "mouthSmile_R")]
    assert np.mean([f.expression[smile] for f in rest[:smiling]]) > 0.5
    assert np.mean([f.expression[smile] for f in rest[smiling:]]) < 0.2


def test_expression_energy():
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.headmodel import HeadModel
    from emoshift.videoin.rest import expression_energy

    model = HeadModel.load()
    names = list(EXPRESSION_NAMES)
    e = np.zeros((4, len(names)), np.float32)
    e[1, names.index("mouthSmile_L")] = 0.5
    e[2, names.index("mouthSmile_L")] = 1.0
    e[3, names.index("jawOpen")] = 0.5
    got = expression_energy(model, e)
    assert got[0] == 0.0
    assert got[1] > 0.01 and got[3] > 0.01
    np.testing.assert_allclose(got[2], 2 * got[1], rtol=1e-5)  # linear in the weights


def test_resting_keyframes_small_clip_keeps_all(fitter):
    from emoshift.fitting.video import spread
    from emoshift.videoin.rest import resting_keyframes

    assert resting_keyframes(fitter, [None] * 5, (256, 256), n=8).tolist() == [0, 1, 2, 3, 4]  # nothing fitted
    assert spread(100, 4).tolist() == [0, 33, 66, 99]


def _detected(fitter, frames: np.ndarray) -> tuple[list, tuple[int, int]]:
    """The landmarks fit_frames detects in ``frames`` and the frame size."""
    from emoshift.fitting.video import KEYFRAMES, fit_frames, spread

    seen = {}

    def capture(f, landmarks, size):
        seen["landmarks"], seen["size"] = landmarks, size
        return spread(len(landmarks), KEYFRAMES)

    fit_frames(fitter, enumerate(frames), progress=False, keyframes=capture)
    return seen["landmarks"], seen["size"]


def write_landmarks() -> None:
    """Write :data:`LANDMARKS` from fresh renders (``python -c "import test_rest_identity as t; t.write_landmarks()"``
    in tests/videoin)."""
    from emoshift.fitting import Fitter

    fitter, out = Fitter(), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in (0, 2):
            lms, size = _detected(fitter, _clip(fitter, 12, seed))
            assert size == (SIZE, SIZE) and len(lms) == N
            out[f"seed{seed}"] = np.round(np.stack(lms).astype(np.float64) * 32).astype(np.int16)
    LANDMARKS.parent.mkdir(exist_ok=True)
    np.savez_compressed(LANDMARKS, **out)


@pytest.mark.parametrize("seed", [0, 2])
def test_warm_started_candidates_fit_as_from_scratch(fitter, seed):
    """The resting keyframes' candidates are fitted in runs, each from the previous one's identity and head
    pose (:func:`candidate_fits`, half the CPU): the same fits as from scratch within the solver's
    tolerance, and the same keyframes; the control, warm starts that also keep the previous identity, does not
    fit as from scratch. A head turned past WARM_MAX_TURN starts from scratch."""
    from emoshift.fitting.video import KEYFRAMES, WARM_MAX_TURN, fixed_focal, warm_start
    from emoshift.headmodel.ops import axis_angle_to_matrix
    from emoshift.videoin.rest import candidate_fits, expression_energy

    lms = list(np.load(LANDMARKS)[f"seed{seed}"].astype(np.float64) / 32)
    size = (SIZE, SIZE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fixed_focal(fitter, lms, size):
            cold = [fitter.fit_landmarks(lm, size)[1] for lm in lms]
            warm = candidate_fits(fitter, lms, size, range(len(lms)))
            held = [cold[0]]  # the control: the previous identity held
            for lm in lms[1:]:
                held.append(fitter.fit_landmarks(lm, size, init=warm_start(fitter, lm, size, held[-1]),
                                                 fix_identity=True)[1])  # fmt: skip
            iters = [len(s.history) for s in cold], [len(s.history) for s in warm]
            turned = cold[5].copy()
            turn = np.radians(WARM_MAX_TURN + 5.0)
            turned.rotation = (axis_angle_to_matrix(np.array([[0.0, turn, 0.0]], np.float32))[0] @ turned.rotation).astype(
                np.float32)  # fmt: skip
            assert warm_start(fitter, lms[6], size, cold[5]) is not None  # the next frame: warm-started
            assert warm_start(fitter, lms[6], size, turned) is None  # control: a turned head starts afresh
    energy = lambda fits: expression_energy(fitter.model, np.stack([s.expression for s in fits]))  # noqa: E731
    e_cold, e_warm = energy(cold), energy(warm)
    keep = lambda e: np.sort(np.argsort(e, kind="stable")[:KEYFRAMES]).tolist()  # noqa: E731
    assert keep(e_warm) == keep(e_cold)
    assert np.abs(e_warm - e_cold).max() < ENERGY_TOL, np.abs(e_warm - e_cold).max()
    assert np.abs(energy(held) - e_cold).max() > 2 * ENERGY_TOL  # the control (measured 0.047, 0.060)
    # the final fitting energies (history[-1]): as low as from scratch, within COST_TOL of it
    rel = np.array([(w.history[-1] - c.history[-1]) / c.history[-1] for w, c in zip(warm, cold, strict=True)])
    assert rel.max() < COST_TOL, rel.max()
    assert sum(iters[1]) < 0.75 * sum(iters[0]), iters  # fewer iterations (the point of it)


def test_early_candidates_give_the_same_clip_fits(fitter):
    """:class:`EarlyCandidates` fits the provisional focal factor and the resting candidates while the
    frames are detected (a thread, fed by on_detect): the clip's fits are those of the fits made after the
    last frame, to the bit, and the early work is taken. Controls: expecting one frame more (a count the
    detections do not reach), or given other landmark arrays, it is dropped (fitted as before: the same fits)."""
    from emoshift.fitting.video import fit_frames
    from emoshift.videoin.rest import EarlyCandidates, resting_keyframe_fits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = _clip(fitter, 10, 1)
        size = (SIZE, SIZE)
        base = fit_frames(fitter, enumerate(frames), progress=False, keyframes=resting_keyframe_fits)
        for expected, copies, taken in ((N, False, True), (N + 1, False, False), (N, True, False)):
            early = EarlyCandidates(fitter, size, expected)
            got = {"provisional": None, "runs": None}
            prov, runs = early.provisional, early.runs

            def provisional(lms, sz):
                got["provisional"] = prov(lms, sz)
                return got["provisional"]

            def keyframes(f, lms, sz):
                def record(*a):
                    got["runs"] = runs(*a)
                    return got["runs"]

                early.runs = record
                return resting_keyframe_fits(f, lms, sz, early=early)

            def on_detect(i, rgb, lm):
                early.add(lm.copy() if copies else lm)

            try:
                fits = fit_frames(fitter, enumerate(frames), progress=False, keyframes=keyframes,
                                  on_detect=on_detect, provisional=provisional)  # fmt: skip
            finally:
                early.close()
            assert (got["provisional"] is not None, got["runs"] is not None) == (taken, taken)
            for a, b in zip(fits, base):
                for k in ("expression", "identity", "rotation", "translation"):
                    np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
            assert fits[0].camera.focal == base[0].camera.focal
