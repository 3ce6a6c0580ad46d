import numpy as np
import pytest

from emoshift.headmodel import HeadModel, ops
from emoshift.headmodel.landmarks import build_embedding, load_embedding
from emoshift.headmodel.regions import MULTIPIE_68, polygon_indices, vertex_indices


def test_zero_state_is_the_neutral_head(head_model, ict_arrays):
    out = head_model()
    np.testing.assert_array_equal(out.vertices[0], ict_arrays["neutral_vertices"][: 11248])


def test_named_blendshape_reproduces_its_delta(head_model, ict_arrays):
    j = list(ict_arrays["expression_names"]).index("jawOpen")
    e = head_model.expression_vector({"jawOpen": 0.7})[None]
    v = head_model(expression=e).vertices[0]
    want = ict_arrays["neutral_vertices"][:11248] + 0.7 * ict_arrays["expression_deltas"][j, :11248]
    np.testing.assert_allclose(v, want, atol=1e-5)
    assert np.abs(v - ict_arrays["neutral_vertices"][:11248]).max() > 0.5  # the jaw really moved (cm)


def test_identity_modes_and_pose(ict_arrays):
    m = HeadModel(ict_arrays, n_identity=3, region="face")
    ident = np.array([[1.0, 0.0, -2.0]], np.float32)
    rot = np.array([[0.0, 0.0, 0.3]], np.float32)
    trans = np.array([[0.0, 0.0, -50.0]], np.float32)
    v = m(identity=ident, rotation=rot, translation=trans).vertices[0]
    assert v.dtype == np.float32
    shaped = ict_arrays["neutral_vertices"][:9409] + ict_arrays["identity_deltas"][0, :9409] - 2 * ict_arrays["identity_deltas"][2, :9409]
    c, s = np.cos(0.3), np.sin(0.3)  # a roll about +Z
    want = shaped @ np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]).T + trans
    np.testing.assert_allclose(v, want, atol=1e-4, rtol=0)


def test_landmarks_fast_path_matches_surface(ict_arrays):
    full = HeadModel(ict_arrays, n_identity=5, region="full")
    g = np.random.default_rng(0)
    args = (g.normal(size=(2, 5)), g.uniform(size=(2, 53)), g.normal(size=(2, 3)) * 0.3, g.normal(size=(2, 3)))
    out = full(*args)
    emb = full.landmark_embedding
    surf = ops.interpolate_barycentric(out.vertices, emb.vertex_ids, emb.bary)
    np.testing.assert_allclose(out.landmarks, surf, atol=1e-4, rtol=0)
    lm68 = full.landmarks(*args, kind="multipie68")
    np.testing.assert_allclose(lm68, out.vertices[:, MULTIPIE_68], atol=1e-4, rtol=0)
    # control: another expression moves the landmarks far beyond the tolerance
    assert np.abs(full(args[0], args[1][::-1], *args[2:]).landmarks - surf).max() > 0.1


def test_landmark_embedding_residuals_and_rebuild(ict_arrays):
    from emoshift.assets import find_asset

    emb = load_embedding()
    assert emb.vertex_ids.shape == (478, 3) and np.allclose(emb.bary.sum(1), 1, atol=1e-5)
    assert (emb.bary >= -1e-6).all()
    r = emb.residual_cm[:468]
    assert np.median(r) < 0.15 and r.max() < 0.6  # centimetres
    rebuilt, report = build_embedding(ict_arrays, find_asset("mediapipe-canonical"))
    # A point that lands on an edge (or vertex) shared by two triangles is the same surface point on
    # either of them; which triangle wins that tie depends on the last bits of the float arithmetic
    # (AMD and Intel differ in ~16 of 478 points). So compare the embedded points themselves, on the
    # neutral and on a deformed head, not the triangle ids.
    neutral, deltas = ict_arrays["neutral_vertices"], ict_arrays["expression_deltas"]
    for verts in (neutral, neutral + np.tensordot(np.random.default_rng(0).uniform(0, 1, 53), deltas, 1)):
        pts = lambda e: (verts[e.vertex_ids] * e.bary[..., None]).sum(1)  # noqa: E731
        np.testing.assert_allclose(pts(rebuilt), pts(emb), atol=1e-3)  # cm
    same = (rebuilt.vertex_ids == emb.vertex_ids).all(1)
    assert same.mean() > 0.9  # ties are the exception
    np.testing.assert_allclose(rebuilt.bary[same], emb.bary[same], atol=1e-4)
    assert report["residual_cm_max"] < 0.6
    # every face point lies on a face-region triangle; the iris points on the irises
    assert (emb.vertex_ids[:468] < 9409).all()
    iris = set(vertex_indices("irises").tolist())
    picked = [int(emb.vertex_ids[i][np.argmax(emb.bary[i])]) for i in range(468, 478)]
    assert all(p in iris for p in picked)


def test_landmark_semantics(head_model):
    lm = head_model.landmarks()[0]
    # MediaPipe 33/263 are the subject's right/left outer eye corners; 1 the nose tip; 152 the chin
    assert lm[33, 0] < -3 and lm[263, 0] > 3
    assert lm[1, 2] > lm[33, 2] + 2
    assert lm[152, 1] < lm[1, 1] - 4
    # iris centres sit between the eye corners
    assert lm[33, 0] < lm[468, 0] < lm[133, 0] and lm[362, 0] < lm[473, 0] < lm[263, 0]


def test_names_and_regions(head_model):
    assert len(head_model.expression_names) == 53
    assert head_model.expression_names[head_model.expression_index("mouthSmile_L")] == "mouthSmile_L"
    with pytest.raises(KeyError, match="unknown blendshape"):
        head_model.expression_index("smile")
    d = head_model.expression_dict(head_model.expression_vector({"eyeBlink_R": 0.5}))
    assert d["eyeBlink_R"] == 0.5 and sum(d.values()) == 0.5
    assert len(vertex_indices("teeth")) == 21451 - 17039
    assert len(polygon_indices("face")) == 9230
    assert set(MULTIPIE_68.tolist()) <= set(vertex_indices("narrow_face").tolist())
    assert head_model.triangles.max() < head_model.neutral.shape[0]
    with pytest.raises(KeyError):
        vertex_indices("elbow")


def test_iris_points_lie_on_the_iris_radius(head_model):
    from emoshift.headmodel.landmarks import IRIS_RADIUS_CM

    lm = head_model.landmarks()[0]
    for c, bounds in ((468, [469, 470, 471, 472]), (473, [474, 475, 476, 477])):
        offs = lm[bounds, :2] - lm[c, :2]
        np.testing.assert_allclose(np.linalg.norm(offs, axis=1), IRIS_RADIUS_CM, atol=0.1)
        # MediaPipe's order: +x, +y, -x, -y from the centre
        assert offs[0, 0] > 0.4 and offs[1, 1] > 0.4 and offs[2, 0] < -0.4 and offs[3, 1] < -0.4


def test_loaded_model_from_the_cache_is_the_built_model(ict_arrays, tmp_path, monkeypatch):
    """HeadModel.load keeps the built arrays in the user cache: a first load (building) and a second (read
    from the cache) both equal the model built from the asset, array for array; control: the cache is
    keyed on the arguments (another identity count is another model)."""
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path))
    built = HeadModel(ict_arrays, n_identity=7, region="face")
    for _ in range(2):
        m = HeadModel.load(n_identity=7, region="face")
        for k in HeadModel._ARRAYS:
            a, b = getattr(m, k), getattr(built, k)
            assert a.dtype == b.dtype and np.array_equal(a, b), k
        assert (m.region, m.n_identity, m.expression_names) == (built.region, built.n_identity, built.expression_names)
        np.testing.assert_array_equal(m.landmark_embedding.bary, built.landmark_embedding.bary)
        np.testing.assert_array_equal(m(np.ones((1, 7))).vertices, built(np.ones((1, 7))).vertices)
    assert len(list(tmp_path.glob("ict_facekit_light.model.face.7.calibrated-*"))) == 1
    other = HeadModel.load(n_identity=3, region="face")
    assert other.identity_basis.shape[0] == 3
