"""The hidden side of a turned smile (issue 11 part 3: "the target is absolute").

On a face pitched and turned 20-45 degrees the nose hides the far mouth corner; MediaPipe then reports
that half of the mouth as an unsmiling guess. Measured on frontal smilers (dev03, dev04, dev12) re-rendered
with their known smile at 30-40 degrees down and 20-30 turned: the fit gave the far side's mouthSmile
0.00-0.21 where the truth was 0.51-0.76 (near side 0.65-0.99), so at a sad or angry target the far side's
smile was never removed. The fit therefore (1) drops ``hidden_discount`` of the hidden half's lower-face
landmark weight and (2) ties paired lower-face weights (``_L``/``_R``) with ``symmetry_weight``, both in
proportion to how hidden one side is (:func:`emoshift.fitting.terms.hidden_side`: 0 below 20 degrees
off-axis and on faces only pitched). Here a head with a known smile is posed off-axis and the hidden half
of its landmarks replaced by those of the same head without the smile on that side (MediaPipe's guess)."""

import numpy as np
import pytest

import emoshift.fitting.solver as solver_mod
from emoshift.camera import Camera
from emoshift.fitting.solver import with_config
from emoshift.fitting.terms import FitConfig, hidden_side, side_masks, symmetry_pairs
from emoshift.headmodel.ops import euler_to_matrix
import posed
from posed import expr, fit_posed

#: Pitched and turned like dev05 / dev11 and the re-rendered smilers (pitch down, yaw, roll degrees).
POSES = ((38.0, -20.0, 20.0), (35.0, 25.0, -15.0), (40.0, -25.0, 20.0), (30.0, 30.0, 0.0))
SEEDS = (0, 1, 2)


def _observe(solver, a, e, pyr, seed, hide=True, noise=0.5):
    """MediaPipe-like landmarks (478, 3) of a head (identity ``a``, expression ``e``) at pose ``pyr``: the
    shipped observation model (lower face attenuated off-axis), and with ``hide`` the hidden half of the
    lower face (:func:`side_masks`, :func:`hidden_side`) placed as if its pairs' weights were 0 there."""
    rng = np.random.default_rng(seed)
    cam = Camera.default(1000, 1000, 1.5)
    rot = euler_to_matrix(np.array([pyr], float))[0]
    t = np.array([0.0, 0.0, -cam.focal * 16.0 / 450.0])
    x = solver.shape(a.astype(np.float32), e.astype(np.float32), rot).astype(np.float64)
    if hide:
        h, side = hidden_side(rot, FitConfig())
        assert h == 1.0
        e_guess = e.copy()
        e_guess[solver.pairs[:, side]] = 0.0  # the unseen half as MediaPipe guesses it: no smile
        xg = solver.shape(a.astype(np.float32), e_guess.astype(np.float32), rot).astype(np.float64)
        m = side_masks(solver.mu)[side].astype(np.float64)[:, None]
        x = (1 - m) * x + m * xg
    x = x @ rot.T + t
    uv = cam.project(x) + noise * rng.standard_normal((len(x), 2))
    z = -x[:, 2]
    d = cam.focal * z / z[:468].mean()
    return np.c_[uv, d - d.mean()], rot


def _fits(fitter, solver, e_true, poses=POSES, hide=True):
    """Per pose x seed: (near smile, far smile) of the fit (near: the side the turn shows)."""
    names = fitter.model.expression_names
    i_s = np.array([names.index("mouthSmile_L"), names.index("mouthSmile_R")])

    def read(fit, rot):
        far = hidden_side(rot, FitConfig())[1]
        return float(fit.expression[i_s[1 - far]]), float(fit.expression[i_s[far]])

    return fit_posed(fitter, solver, lambda shipped, a, pyr, seed: _observe(shipped, a, e_true, pyr, seed, hide),
                     poses, SEEDS, read)  # fmt: skip


@pytest.fixture(scope="module")
def smile(fitter):
    return posed.smile(fitter.model.expression_names, 0.7)


@pytest.fixture(scope="module")
def smirk(fitter):
    """A one-sided smile (contempt's AU14 / a smirk) on the subject's left."""
    n = fitter.model.expression_names
    return expr(n, mouthSmile_L=0.7, mouthDimple_L=0.4, cheekSquint_L=0.2)


@pytest.fixture(scope="module")
def no_symmetry(fitter):
    """The fit before: no symmetry prior, no discount of the hidden half."""
    return with_config(fitter.solver, symmetry_weight=0.0, hidden_discount=0.0)


@pytest.fixture(scope="module")
def hidden_smile(fitter, smile, no_symmetry):
    return _fits(fitter, fitter.solver, smile), _fits(fitter, no_symmetry, smile)


def test_hidden_side_keeps_its_smile(hidden_smile):
    new, old = hidden_smile
    # measured over 4 poses x 3 seeds (true 0.7): far side 0.55-0.64, near 0.58-0.66 (0.63-0.71 before)
    assert new[:, 1].min() > 0.45
    assert new[:, 1].mean() > 0.52
    # the near (visible) side stays a smile of about the truth's strength
    assert np.abs(new[:, 0] - 0.7).max() < 0.2


def test_control_old_fit_loses_the_hidden_smile(hidden_smile):
    """The same observations without the symmetry terms: the hidden side's smile is lost."""
    new, old = hidden_smile
    assert old[:, 1].mean() < 0.25  # measured 0.12-0.22
    assert (new[:, 1] - old[:, 1]).min() > 0.25  # measured 0.40-0.47


def test_frontal_smirk_keeps_its_asymmetry(fitter, smirk):
    """A one-sided smile seen from the front (or nearly) is not symmetrised: the terms vanish there."""
    poses = ((0.0, 0.0, 0.0), (10.0, -10.0, 5.0), (-8.0, 12.0, -10.0))
    r = _fits(fitter, fitter.solver, smirk, poses, hide=False)
    asym = np.abs(r[:, 0] - r[:, 1])
    assert asym.min() > 0.45  # measured 0.66-0.72 (true 0.7)


def test_control_symmetry_everywhere_erases_the_smirk(fitter, smirk, monkeypatch):
    """Control: the same prior applied whatever the pose (h = 1 everywhere) symmetrises the smirk."""
    monkeypatch.setattr(solver_mod, "hidden_side", lambda rot, cfg: (1.0, 1))
    plain = with_config(fitter.solver, hidden_discount=0.0)
    r = _fits(fitter, plain, smirk, ((0.0, 0.0, 0.0), (10.0, -10.0, 5.0)), hide=False)
    assert np.abs(r[:, 0] - r[:, 1]).max() < 0.4  # measured 0.31-0.35: the test above would fail


def test_frontal_fits_unchanged(fitter, smile, no_symmetry):
    """Below 20 degrees off-axis (and on a face only pitched) the fit is the plain fit (float noise: a
    focal-search start may pass 20 degrees; the 9 near-frontal photos fit bit-identically)."""
    for pyr in ((0.0, 0.0, 0.0), (12.0, -10.0, 20.0), (35.0, 0.0, 0.0)):
        rot = euler_to_matrix(np.array([pyr], float))[0]
        assert hidden_side(rot, FitConfig())[0] == 0.0
    new = _fits(fitter, fitter.solver, smile, ((12.0, -10.0, 20.0), (35.0, 0.0, 0.0)), hide=False)
    old = _fits(fitter, no_symmetry, smile, ((12.0, -10.0, 20.0), (35.0, 0.0, 0.0)), hide=False)
    assert np.abs(new - old).max() < 1e-5  # measured <= 6e-7


def test_pairs_are_mirrors(fitter):
    n = fitter.model.expression_names
    p = symmetry_pairs(n)
    assert len(p) == 10
    for i, j in p:
        assert n[i].endswith("_L") and n[j] == n[i][:-2] + "_R"
    assert not any(n[i].startswith(("eyeLook", "eyeBlink", "brow")) for i in p.ravel())
