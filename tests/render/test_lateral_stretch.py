"""The drawn mouthStretch is FACS's AU20 (emoshift.render.mesh_tables.lateral_stretch; issue 11, fear's "face stretched",
"mouth warped"): the lip corners pulled out as ICT's shape pulls them, and at fear's strong stretch not down
(mesh_tables.StretchDown: the downward pull taken back by the weight over STRETCH_DOWN_DROP, session 27), the cheek and
the face's outline beside them left in place; anger's AU20 B-C, and any mouthStretch up to 0.8, drawn with ICT's pull
as before; the planner's view of the mouth (:class:`emoshift.mouth_view.MouthView`) sees the corners as they are drawn.

Measured on the drawn tables of the full head (neutral identity and five random ones, seed 0), at fear's anchors (the
generator's apex: mouthStretch 0.99, mouthLowerDown 0.62 / 0.56, jawOpen 0.24) and its three prototypes:

- the face's outline (skin at |x| >= 5.5 cm of the neutral head, between the nose and the chin, facing forward) moved
  outwards: drawn at most 0.108-0.165 cm (jawOpen's share), ICT's 0.291-0.324 (the control);
- the jaw and the skin under it (-12 < y < -7 cm, 1.5 <= |x| < 6, facing forward) moved outwards, median: drawn
  0.086-0.127 cm, ICT's 0.341-0.379 (surprise's dropped jaw 0.165 either way);
- the corners (68-point 48 / 54) below the upper inner lip's middle (62), over the mouth's width, minus the neutral
  face's: drawn 0.025-0.055 (the apex 0.032-0.046: jawOpen's share), ICT's 0.079-0.109 (the control: main before
  session 27; surprise's dropped jaw 0.084-0.092 either way);
- anger's three prototypes (mouthStretch 0.4-0.6) and mouthStretch at the lowering's cap 0.8: every drawn vertex as
  with ICT's downward pull (STRETCH_DOWN_KEPT 1, main's), to 1e-6 cm; drawn with the pull removed at every weight
  (STRETCH_DOWN_KEPT 0, session 27's first try: the control) anger's corners sit 0.026-0.048 mouth widths higher;
- MouthView's corners and inner lips' middles are the drawn mesh's: their fear apex deltas differ by under 1e-4 cm;
  ICT's landmark bases (the control) put the corners 0.39-0.40 cm lower;
- the corners' widening (eye-corner distances) unchanged, 0.170-0.189: fear's stretched lips stay (surprise -0.03).
"""

import numpy as np
import pytest

from emoshift.emotions import EXPRESSION_NAMES, prototype
from emoshift.headmodel import HeadModel
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render import mesh_tables
from emoshift.render.view import SKIN

APEX = {"jawOpen": 0.24, "mouthLowerDown_L": 0.62, "mouthLowerDown_R": 0.56, "mouthStretch_L": 0.99, "mouthStretch_R": 0.99}


@pytest.fixture(scope="module")
def model():
    return HeadModel.load(region="full")


@pytest.fixture(scope="module")
def tables(model):
    """(drawn tables, ICT's: the control, with ICT's downward pull in the basis: main's, the drawn pull at every weight
    removed: session 27's first try) of the full head."""
    drawn = mesh_tables._build_tables(model)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mesh_tables, "STRETCH_SHAPES", ())
        ict = mesh_tables._build_tables(model)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mesh_tables, "STRETCH_DOWN_KEPT", 1.0)
        pulled = mesh_tables._build_tables(model)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mesh_tables, "STRETCH_DOWN_KEPT", 0.0)
        level = mesh_tables._build_tables(model)
    return drawn, ict, pulled, level


@pytest.fixture(scope="module")
def down(tables):
    """The renderer's corrective of the drawn tables (the Reenactor's, :meth:`Reenactor._correct`)."""
    return mesh_tables.StretchDown.of(EXPRESSION_NAMES, tables[0].expression_basis)


def _fear():
    apex = np.zeros(len(EXPRESSION_NAMES), np.float32)
    for k, v in APEX.items():
        apex[EXPRESSION_NAMES.index(k)] = v
    return [apex] + [prototype("fear", v) for v in range(3)]


def _identities(t):
    rng = np.random.default_rng(0)
    k = t.identity_basis.shape[0]
    return [np.zeros(k, np.float32)] + [rng.normal(size=k).astype(np.float32) for _ in range(5)]


def _vertices(t, e, identity, down=None):
    """(V, 3) head-frame vertices of tables ``t`` at expression ``e``, with the corrective ``down`` if given."""
    base = t.neutral + (identity @ t.identity_basis).reshape(-1, 3)
    v = (base + (np.asarray(e, np.float32) @ t.expression_basis).reshape(-1, 3))[None]
    if down is not None:
        down.apply(v, np.asarray(e, np.float32)[None])
    return base, v[0]


def _measure(t, e, identity, down=None):
    """(corners below the upper inner lip's middle over the width, widening over the eye-corner distance, the outline's
    largest outward move in cm)."""
    vid = list(t.vertex_ids)
    p = {k: vid.index(MULTIPIE_68[k]) for k in (36, 45, 48, 54, 62)}
    base, v = _vertices(t, e, identity, down)
    width = np.linalg.norm(v[p[48]] - v[p[54]])
    drop = (v[p[62], 1] - (v[p[48], 1] + v[p[54], 1]) / 2) / width
    widen = (width - np.linalg.norm(base[p[48]] - base[p[54]])) / np.linalg.norm(base[p[36]] - base[p[45]])
    n = t.neutral
    outline = (t.vertex_part == SKIN) & (np.abs(n[:, 0]) >= 5.5) & (n[:, 1] < -1) & (n[:, 1] > -9) & (n[:, 2] > 0)
    out = float((np.abs(v[:, 0]) - np.abs(base[:, 0]))[outline].max())
    return float(drop), float(widen), out


def _over_neutral(t, e, down=None):
    rest = np.zeros(len(EXPRESSION_NAMES), np.float32)
    rows = []
    for i in _identities(t):
        d, w, o = _measure(t, e, i, down)
        rows.append((d - _measure(t, rest, i, down)[0], w, o))
    return np.array(rows)


def test_fear_leaves_the_face_outline(tables):
    drawn, ict, _, _ = tables
    for e in _fear():
        got, control = _over_neutral(drawn, e), _over_neutral(ict, e)
        assert got[:, 2].max() <= 0.2, got[:, 2]  # measured 0.108-0.165 (the jaw's drop)
        assert control[:, 2].min() >= 0.25, control[:, 2]  # ICT's shape: 0.291-0.324


def _jaw_out(t, e):
    """The median outward move (cm) of the jaw and the skin under it."""
    n = t.neutral
    d = (np.asarray(e, np.float32) @ t.expression_basis).reshape(-1, 3)
    jaw = (t.vertex_part == SKIN) & (n[:, 1] < -7) & (n[:, 1] > -12) & (np.abs(n[:, 0]) >= 1.5) & (np.abs(n[:, 0]) < 6)
    jaw &= n[:, 2] > 0
    return float(np.median(d[jaw, 0] * np.sign(n[jaw, 0])))


def test_fear_leaves_the_jaw(tables):
    drawn, ict, _, _ = tables
    for e in _fear():
        assert _jaw_out(drawn, e) <= 0.16, _jaw_out(drawn, e)  # measured 0.086-0.127
        assert _jaw_out(ict, e) >= 0.3, _jaw_out(ict, e)  # ICT's shape: 0.341-0.379


def test_fear_corners_pulled_out_not_down(tables, down):
    drawn, ict, pulled, _ = tables
    for e in _fear():
        got, control, main = _over_neutral(drawn, e, down), _over_neutral(ict, e), _over_neutral(pulled, e)
        assert got[:, 0].max() <= 0.07, got[:, 0]  # measured 0.025-0.055 (jawOpen's share)
        assert control[:, 0].min() >= 0.075, control[:, 0]  # ICT's shape: 0.079-0.109
        assert np.allclose(main[:, 0], control[:, 0], atol=1e-4)  # without the corrective: ICT's corners (main's)
        assert got[:, 1].min() >= 0.15 and np.allclose(got[:, 1], control[:, 1], atol=1e-4)  # the stretch kept


def _anger():
    """anger's three prototypes (mouthStretch 0.6, 0.4, 0.6) and the first with mouthStretch at the lowering's cap
    (emoshift.mouth_view.LOWERING_MAX: seen from above the planner may raise it to 0.8)."""
    out = [prototype("anger", v) for v in range(3)]
    capped = out[0].copy()
    for n in mesh_tables.STRETCH_SHAPES:
        capped[EXPRESSION_NAMES.index(n)] = 0.8
    return out + [capped]


#: how much higher anger's corners sit (mouth widths over neutral) drawn without the downward pull at every weight
#: (STRETCH_DOWN_KEPT 0) than as drawn: measured 0.026-0.027 (variant 1, mouthStretch 0.4), 0.036-0.038 (0 and 2,
#: 0.6), 0.046-0.048 (0.8)
ANGER_LEVEL = 0.02


def test_anger_drawn_as_main(tables, down):
    """At mouthStretch up to 0.8 every vertex is drawn as with ICT's downward pull (main's); the control, the pull
    removed at every weight (STRETCH_DOWN_KEPT 0), raises anger's corners."""
    drawn, _, pulled, level = tables
    for e in _anger():
        for i in _identities(drawn):
            got, main = _vertices(drawn, e, i, down)[1], _vertices(pulled, e, i)[1]
            assert np.abs(got - main).max() <= 1e-6, np.abs(got - main).max()
        got, control = _over_neutral(drawn, e, down), _over_neutral(level, e)
        higher = got[:, 0] - control[:, 0]  # the control's corners drop less below the upper lip's middle
        assert higher.min() >= ANGER_LEVEL, higher


def test_mouth_view_sees_the_drawn_corners(model, tables, down, monkeypatch):
    """The planner's MouthView (ICT's 68-point landmark bases) moves the corners and inner lips' middles as drawn."""
    from emoshift.mouth_view import CORNER_68, MIDDLE_68, MouthView

    drawn = tables[0]
    vid = list(drawn.vertex_ids)
    rows = [vid.index(MULTIPIE_68[k]) for k in CORNER_68 + MIDDLE_68]
    view = MouthView(model, np.zeros(1), np.zeros(3), None, model.expression_names)
    with monkeypatch.context() as mp:
        mp.setattr(mesh_tables, "STRETCH_SHAPES", ())
        ict = MouthView(model, np.zeros(1), np.zeros(3), None, model.expression_names)
    n = len(EXPRESSION_NAMES)
    for e in _fear() + _anger():
        mesh = (np.asarray(e, np.float32) @ drawn.expression_basis.reshape(n, -1)).reshape(1, -1, 3)
        down.apply(mesh, np.asarray(e, np.float32)[None])
        mesh = mesh[0, rows].astype(np.float64)
        seen = np.einsum("k,kpc->pc", np.asarray(e, np.float64), view.basis) + view.drawn_offsets(e)[0]
        control = np.einsum("k,kpc->pc", np.asarray(e, np.float64), ict.basis) + ict.drawn_offsets(e)[0]
        assert np.abs(seen - mesh).max() <= 1e-4, np.abs(seen - mesh).max()
        if e[EXPRESSION_NAMES.index("mouthStretch_L")] > 0.9:  # fear: ICT's bases put the corners 0.39-0.40 cm lower
            assert (mesh[:2, 1] - control[:2, 1]).min() >= 0.3, mesh[:2, 1] - control[:2, 1]
        else:  # anger: as ICT's
            assert np.abs(mesh - control).max() <= 1e-4, np.abs(mesh - control).max()


def test_only_the_stretch_is_redrawn(tables):
    """Every other shape is ICT's (the fit's), and surprise's mouth is unchanged."""
    drawn, ict, _, _ = tables
    rows = [EXPRESSION_NAMES.index(n) for n in mesh_tables.STRETCH_SHAPES]
    others = np.setdiff1d(np.arange(len(EXPRESSION_NAMES)), rows)
    assert np.array_equal(drawn.expression_basis[others], ict.expression_basis[others])
    assert not np.allclose(drawn.expression_basis[rows], ict.expression_basis[rows])
    s = prototype("surprise", 0)
    assert np.allclose(_over_neutral(drawn, s), _over_neutral(ict, s))
