import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emoshift.export.arkit import ARKIT_NAMES, arkit_weights
from emoshift.export.gltf import write_glb
from emoshift.io import UserError

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / "tools" / "validate_gltf.js"
COMPONENT = {5126: np.float32, 5123: np.uint16, 5125: np.uint32}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def read_glb(path):
    """Minimal GLB reader: (json doc, accessor(i) -> np.ndarray) with sparse accessors expanded."""
    data = Path(path).read_bytes()
    magic, version, total = struct.unpack_from("<4sII", data)
    assert (magic, version, total) == (b"glTF", 2, len(data))
    jlen, jtype = struct.unpack_from("<I4s", data, 12)
    assert jtype == b"JSON"
    doc = json.loads(data[20 : 20 + jlen])
    blen, btype = struct.unpack_from("<I4s", data, 20 + jlen)
    assert btype == b"BIN\0"
    binary = data[28 + jlen : 28 + jlen + blen]

    def view(i, dtype, count):
        v = doc["bufferViews"][i]
        return np.frombuffer(binary, dtype, count, v.get("byteOffset", 0))

    def accessor(i):
        a = doc["accessors"][i]
        w = WIDTH[a["type"]]
        dt = COMPONENT[a["componentType"]]
        out = (
            view(a["bufferView"], dt, a["count"] * w).copy()
            if "bufferView" in a
            else np.zeros(a["count"] * w, dt)
        ).reshape(a["count"], w)
        if "sparse" in a:
            s = a["sparse"]
            idx = view(s["indices"]["bufferView"], COMPONENT[s["indices"]["componentType"]], s["count"])
            out[idx] = view(s["values"]["bufferView"], dt, s["count"] * w).reshape(-1, w)
        return out

    return doc, accessor


def validate(path):
    """Run the Khronos validator through node; returns its JSON report."""
    assert shutil.which("node"), "node is needed for the glTF validator test"
    assert (ROOT / "tools" / "node_modules" / "gltf-validator").is_dir(), "run: npm ci --prefix tools"
    p = subprocess.run(["node", str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def traj(make_traj):
    return make_traj(20)


@pytest.fixture(scope="module")
def identity():
    return np.random.default_rng(1).normal(size=50).astype(np.float32)


@pytest.fixture(scope="module")
def texture():
    y, x = np.mgrid[0:128, 0:128]
    return np.stack([x * 2, y * 2, np.full_like(x, 90)], -1).astype(np.uint8)


@pytest.fixture(scope="module")
def glb(tmp_path_factory, head_model, identity, traj, texture):
    path = tmp_path_factory.mktemp("glb") / "head.glb"
    return write_glb(path, head_model, identity, traj, texture=texture)


def test_passes_khronos_validator(glb):
    report = validate(glb)
    issues = report["issues"]
    assert issues["numErrors"] == 0, [m for m in issues["messages"] if m["severity"] == 0][:5]
    assert issues["numWarnings"] == 0, issues["messages"][:5]
    info = report["info"]
    assert info["hasMorphTargets"] and info["hasTextures"] and info["animationCount"] == 1


def test_validator_catches_a_broken_file(tmp_path, glb):
    """The validator test can fail: a file with a corrupted accessor is reported."""
    data = bytearray(glb.read_bytes())
    jlen = struct.unpack_from("<I", data, 12)[0]
    doc = json.loads(data[20 : 20 + jlen])
    doc["accessors"][0]["max"] = [9.0, 9.0, 9.0]  # POSITION bounds no longer match the data
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 4)
    bad = data[:12] + struct.pack("<I4s", len(js), b"JSON") + js + data[20 + jlen :]
    bad[8:12] = struct.pack("<I", len(bad))
    (tmp_path / "bad.glb").write_bytes(bytes(bad))
    assert validate(tmp_path / "bad.glb")["issues"]["numErrors"] > 0


def test_structure(glb, head_model, traj):
    doc, acc = read_glb(glb)
    mesh = doc["meshes"][0]
    assert mesh["extras"]["targetNames"] == list(ARKIT_NAMES)
    assert len(set(ARKIT_NAMES)) == 52 and len(mesh["weights"]) == 52
    ict = mesh["extras"]["ict_names"]
    assert ict["browInnerUp"] == ["browInnerUp_L", "browInnerUp_R"] and ict["tongueOut"] == []
    assert ict["eyeBlinkLeft"] == ["eyeBlink_L"] and ict["jawOpen"] == ["jawOpen"]
    assert sorted(sum(ict.values(), [])) == sorted(head_model.expression_names)
    raw = dict(zip(ARKIT_NAMES, mesh["extras"]["arkit_raw_names"]))  # ARKit's dictionary keys
    assert raw["eyeBlinkLeft"] == "eyeBlink_L" and raw["mouthSmileRight"] == "mouthSmile_R"
    assert raw["jawLeft"] == "jawLeft" and raw["mouthRight"] == "mouthRight" and raw["cheekPuff"] == "cheekPuff"
    # the head model's names are those raw values but for the two split shapes
    assert set(raw.values()) - set(head_model.expression_names) == {"browInnerUp", "cheekPuff", "tongueOut"}
    names = [p_["name"] for p_ in doc["materials"]]
    assert names == ["face", "scalp", "eyes", "mouth_socket", "gums_tongue", "teeth"]
    eyes = acc(mesh["primitives"][2]["attributes"]["COLOR_0"])
    dark = eyes.sum(1) < 0.2  # iris and pupil discs, one per eye
    assert 100 < dark.sum() < 0.5 * len(eyes)
    pos = acc(mesh["primitives"][2]["attributes"]["POSITION"])
    assert pos[dark, 2].min() > np.median(pos[:, 2])  # on the front of the eyes
    assert all(len(p_["targets"]) == 52 for p_ in mesh["primitives"])
    tongue = ARKIT_NAMES.index("tongueOut")
    assert all(not acc(p_["targets"][tongue]["POSITION"]).any() for p_ in mesh["primitives"])
    assert "TEXCOORD_0" in mesh["primitives"][0]["attributes"]
    assert doc["images"][0]["mimeType"] == "image/jpeg"
    anim = doc["animations"][0]
    paths = [c["target"]["path"] for c in anim["channels"]]
    assert paths == ["weights", "rotation"]
    times = acc(anim["samplers"][0]["input"])[:, 0]
    assert np.allclose(times[:-1], traj.times, atol=1e-6)  # then the hold key (test_clip_lasts_as_long_as_the_video)
    w = acc(anim["samplers"][0]["output"]).reshape(len(times), 52)[:-1]
    assert np.allclose(w, arkit_weights(traj.expression, head_model.expression_names), atol=1e-6)
    brow = w[:, ARKIT_NAMES.index("browInnerUp")]
    assert np.allclose(brow, traj.expression[:, 2:4].mean(1), atol=1e-6)
    q = acc(anim["samplers"][1]["output"])
    assert np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-6)
    # last frame: yaw 0.3, pitch -0.1 (axis-angle (-0.1, 0.3, 0)) -> quaternion xyz = axis sin(theta/2)
    theta = np.hypot(0.1, 0.3)
    assert np.allclose(q[-1, :3], np.array([-0.1, 0.3, 0]) / theta * np.sin(theta / 2), atol=1e-5)
    assert glb.stat().st_size < 10e6  # sparse targets keep the file small (dense: ~30 MB)


def test_clip_lasts_as_long_as_the_video(glb, traj):
    """N frames play N / fps seconds (the MP4's length): a last key at N / fps holds the last pose, so a
    player's clip duration (its last key time) loops without cutting the last frame short."""
    doc, acc = read_glb(glb)
    n, fps = len(traj.times), traj.fps
    anim = doc["animations"][0]
    for sampler in anim["samplers"]:
        times = acc(sampler["input"])[:, 0]
        assert len(times) == n + 1 and times[-1] == pytest.approx(n / fps, abs=1e-6)
        assert doc["accessors"][sampler["input"]]["max"] == [pytest.approx(n / fps, abs=1e-6)]
        out = acc(sampler["output"]).reshape(n + 1, -1)
        assert np.array_equal(out[-1], out[-2])  # the hold key
        assert not np.array_equal(out[-2], out[-3])  # the pose moves up to the last frame


def _welded(doc, acc):
    """All primitives' vertices welded back into the head model's mesh (exported vertices are split
    only along UV seams, where they keep the same position): (base (W, 3), triangles (F, 3), inverse
    (per primitive: its vertices' welded indices), target offsets (52, W, 3))."""
    prims = doc["meshes"][0]["primitives"]
    pos = [acc(p_["attributes"]["POSITION"]) for p_ in prims]
    base, inv = np.unique(np.concatenate(pos), axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    splits = np.cumsum([len(p) for p in pos])[:-1]
    inverse = np.split(inv, splits)
    tris = np.concatenate([i[acc(p_["indices"]).reshape(-1, 3)] for i, p_ in zip(inverse, prims)])
    offsets = np.zeros((52, len(base), 3))
    for i, p_ in zip(inverse, prims):
        for j, t in enumerate(p_["targets"]):
            offsets[j, i] = acc(t["POSITION"])
    return base.astype(np.float64), tris, inverse, offsets


def test_morph_targets_carry_normals(glb):
    """Each target's NORMAL offset turns the base normals into those of the head with that target at
    weight 1 (recomputed here from the file's own geometry with the exporter's vertex-normal routine)."""
    from emoshift.headmodel.mesh import vertex_normals

    doc, acc = read_glb(glb)
    prims = doc["meshes"][0]["primitives"]
    assert all("NORMAL" in t for p_ in prims for t in p_["targets"])
    base, tris, inverse, offsets = _welded(doc, acc)
    face = prims[0]
    assert np.allclose(acc(face["attributes"]["NORMAL"]), vertex_normals(base, tris)[inverse[0]], atol=1e-4)
    for name in ("jawOpen", "mouthSmileLeft"):
        j = ARKIT_NAMES.index(name)
        want = vertex_normals(base + offsets[j], tris)[inverse[0]]
        got = acc(face["attributes"]["NORMAL"]) + acc(face["targets"][j]["NORMAL"])
        err = np.linalg.norm(got - want, axis=1)
        assert err.max() < 4e-3 and err.mean() < 3e-4, (name, err.max(), err.mean())  # offsets < 3e-3 dropped
        assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=4e-3)
        turned = np.linalg.norm(acc(face["targets"][j]["NORMAL"]), axis=1)
        assert turned.max() > 0.3 and (turned > 0.05).sum() > 100, name  # the shape really turns normals
    tongue = ARKIT_NAMES.index("tongueOut")
    assert all(not acc(p_["targets"][tongue]["NORMAL"]).any() for p_ in prims)


def _morphed(glb, k):
    """(base (V, 3) m, vertices of frame k (V, 3) cm) of the face primitive: base + weighted sparse
    targets, rotated by the animated quaternion."""
    doc, acc = read_glb(glb)
    prim = doc["meshes"][0]["primitives"][0]  # the face: vertices are split along UV seams
    base = acc(prim["attributes"]["POSITION"]).astype(np.float64)
    targets = np.stack([acc(t["POSITION"]) for t in prim["targets"]]).astype(np.float64)
    anim = doc["animations"][0]
    w = acc(anim["samplers"][0]["output"]).reshape(-1, 52)[k]
    x, y, z, s = acc(anim["samplers"][1]["output"])[k].astype(np.float64)
    rot = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * s), 2 * (x * z + y * s)],
        [2 * (x * y + z * s), 1 - 2 * (x * x + z * z), 2 * (y * z - x * s)],
        [2 * (x * z - y * s), 2 * (y * z + x * s), 1 - 2 * (x * x + y * y)],
    ])  # fmt: skip
    return base, (base + np.tensordot(w, targets, 1)) @ rot.T * 100  # metres -> cm


def _model_error(glb, head_model, identity, traj, k):
    """(V,) cm distance between the .glb's frame k and the head model's, and (V,) the model's motion."""
    base, got = _morphed(glb, k)
    ref = head_model(np.asarray(identity)[None], traj.expression[k : k + 1], traj.rotation[k : k + 1]).vertices[0]
    # match each exported vertex to the model vertex it came from (nearest in the neutral pose)
    from scipy.spatial import cKDTree

    ref0 = head_model(np.asarray(identity)[None]).vertices[0]
    dist, idx = cKDTree(ref0).query(base * 100)
    assert dist.max() < 1e-4
    return np.linalg.norm(got - ref[idx], axis=1), np.linalg.norm(ref[idx] - ref0[idx], axis=1)


@pytest.fixture(scope="module")
def symmetric(tmp_path_factory, head_model, identity, make_traj, texture):
    """A trajectory whose merged ICT halves (browInnerUp, cheekPuff) move together, and its .glb."""
    t = make_traj(20)
    t.expression[:, 3] = t.expression[:, 2]  # browInnerUp_R = _L
    t.expression[:, 7] = t.expression[:, 6]  # cheekPuff_R = _L
    return t, write_glb(tmp_path_factory.mktemp("sym") / "head.glb", head_model, identity, t, texture=texture)


def test_morphed_geometry_matches_the_head_model(symmetric, head_model, identity):
    """With the merged halves moving together, the 52 ARKit targets reproduce the model's vertices."""
    traj, glb = symmetric
    err, moved = _model_error(glb, head_model, identity, traj, len(traj.times) - 1)
    assert err.max() < 0.01, err.max()  # dropped offsets are < 1e-3 cm each
    assert moved.max() > 1.0  # the frame really differs from the neutral head


def test_one_sided_brow_becomes_two_sided(glb, head_model, identity, traj):
    """Control: a one-sided browInnerUp_L (ARKit has one channel) is played as both halves at the mean
    weight, so the frame differs from the model exactly where the brow halves move."""
    k = len(traj.times) - 1
    err, _ = _model_error(glb, head_model, identity, traj, k)
    d = head_model.expression_names.index("browInnerUp_L")
    half = abs(float(traj.expression[k, d] - traj.expression[k, d + 1])) / 2
    assert half > 0.25
    assert 0.1 < err.max() <= half * 2.0  # brow offsets are under 2 cm


def test_without_texture_eyes_mouth_and_with_translation(tmp_path, head_model, identity, make_traj):
    traj = make_traj(1)
    out = write_glb(tmp_path / "plain.glb", head_model, identity, traj, translation=[0, 0, -50],
                    eyes=False, mouth=False)  # fmt: skip
    doc, acc = read_glb(out)
    assert [m["name"] for m in doc["materials"]] == ["face", "scalp"]
    assert "images" not in doc and "TEXCOORD_0" not in doc["meshes"][0]["primitives"][0]["attributes"]
    assert doc["nodes"][0]["translation"] == pytest.approx([0, 0, -0.5])
    moved = acc(doc["animations"][0]["samplers"][2]["output"])
    assert np.allclose(moved, [[0, 0, -0.5]] * 2)  # one frame, held for 1 / fps
    assert acc(doc["animations"][0]["samplers"][2]["input"])[:, 0].tolist() == pytest.approx([0, 1 / 30])
    assert validate(out)["issues"]["numErrors"] == 0


def test_tile_stack_texture(tmp_path, head_model, identity, make_traj):
    """A baked tile stack (as TexturedHead.texture): every part samples its own tile of one atlas."""
    from emoshift.render.textured import EYE_TILES

    n = max(EYE_TILES) + 1
    tiles = np.stack([np.full((32, 32, 3), 40 * k, np.uint8) for k in range(n)])
    out = write_glb(tmp_path / "tiles.glb", head_model, identity, make_traj(2), texture=tiles)
    doc, acc = read_glb(out)
    expected = {"face": [0], "scalp": [1], "mouth_socket": [1], "gums_tongue": [2], "teeth": [3], "eyes": EYE_TILES}
    for prim in doc["meshes"][0]["primitives"]:
        name = doc["materials"][prim["material"]]["name"]
        st = acc(prim["attributes"]["TEXCOORD_0"])
        tile = np.floor(st[:, 0] * n - 1e-4 * (st[:, 0] * n % 1 == 0))  # a corner on a tile's right edge
        assert set(np.unique(tile).astype(int)) == set(expected[name]), name
        assert "COLOR_0" not in prim["attributes"]
    eyes = doc["meshes"][0]["primitives"][2]
    pos, st = acc(eyes["attributes"]["POSITION"]), acc(eyes["attributes"]["TEXCOORD_0"])
    left = pos[:, 0] > 0  # the subject's left eye is at +X
    assert np.all(np.floor(st[left, 0] * n) == EYE_TILES[0])
    assert validate(out)["issues"]["numErrors"] == 0


def test_bad_output_leaves_nothing(tmp_path, head_model, identity, make_traj):
    traj = make_traj(3)
    with pytest.raises(UserError, match="extension"):
        write_glb(tmp_path / "a.gltf", head_model, identity, traj)
    with pytest.raises(ValueError, match="texture"):
        write_glb(tmp_path / "a.glb", head_model, identity, traj, texture=np.zeros((4, 4), np.float32))
    assert list(tmp_path.iterdir()) == []
