"""CK+ and CelebV-HQ loaders on small trees fabricated from the packaged sample photos, fitted with the real
photo fitter (MediaPipe + ICT landmark fit)."""

import json

import numpy as np
import pytest
from PIL import Image

from emoshift.data.celebvhq import load_celebvhq, read_info
from emoshift.data.ckplus import load_ckplus, read_label
from emoshift.emotions import EMOTIONS
from emoshift.export.video import write_video
from emoshift.io import UserError


@pytest.fixture(scope="module")
def fitter():
    from emoshift.fitting import Fitter

    f = Fitter()
    yield f
    f.close()


@pytest.fixture(scope="module")
def photos():
    import matplotlib.cbook as cbook
    import skimage.data

    from emoshift.fitting import load_image

    grace = load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    return {"astronaut": skimage.data.astronaut(), "grace": grace, "blank": np.full((240, 240, 3), 128, np.uint8),
            "grace_rolled": np.asarray(Image.fromarray(grace).rotate(35, resample=Image.BILINEAR))}


def write_sequence(root, subject, seq, frames, label=None):
    d = root / "cohn-kanade-images" / subject / seq
    d.mkdir(parents=True)
    for i, img in enumerate(frames, start=1):
        Image.fromarray(img).save(d / f"{subject}_{seq}_{i:08d}.png")
    if label is not None:
        e = root / "Emotion" / subject / seq
        e.mkdir(parents=True)
        (e / f"{subject}_{seq}_{len(frames):08d}_emotion.txt").write_text(f"   {label:.7e}\n")


@pytest.fixture(scope="module")
def ck_tree(tmp_path_factory, photos):
    root = tmp_path_factory.mktemp("ckplus")
    a, g, blank = photos["astronaut"], photos["grace"], photos["blank"]
    write_sequence(root, "S005", "001", [a, a, a], label=5)  # happy
    write_sequence(root, "S005", "002", [a, a], label=7)  # surprise
    write_sequence(root, "S005", "003", [a, a])  # unlabelled: skipped
    write_sequence(root, "S010", "001", [g, g], label=1)  # anger
    write_sequence(root, "S010", "002", [g, g], label=3)  # disgust
    write_sequence(root, "S011", "001", [blank, blank], label=6)  # no face: subject skipped
    (root / "Landmarks").mkdir()
    return root


def test_ckplus_loader_with_the_real_fitter(ck_tree, fitter, photos):
    ds, summary = load_ckplus(ck_tree, fitter=fitter, seed=0, n_samples=200)
    c = summary.as_dict()
    assert c["sequences found"] == 6 and c["sequences without a label (skipped)"] == 1
    assert c["subjects kept"] == 2 and c["subjects without usable frames (skipped)"] == 1
    assert c["frames without a usable face"] == 2
    assert ds.meta["subject_names"] == ["S005", "S010"] and len(ds) == 200
    assert sorted(ds.meta["emotions"]) == sorted(["happiness", "surprise", "anger", "disgust"])

    fit_a, fit_g = fitter.fit(photos["astronaut"]), fitter.fit(photos["grace"])
    np.testing.assert_allclose(ds.identity[0], fit_a.identity, atol=1e-4)
    np.testing.assert_allclose(ds.identity[1], fit_g.identity, atol=1e-4)
    # each subject's samples only use its own emotions; unscaled targets are the fitted apex frames
    emo = {s: set(ds.emotion[ds.subject == s][ds.emotion[ds.subject == s] >= 0].tolist()) for s in (0, 1)}
    assert emo[0] == {EMOTIONS.index("happiness"), EMOTIONS.index("surprise")}
    assert emo[1] == {EMOTIONS.index("anger"), EMOTIONS.index("disgust")}
    i, j = np.argwhere((ds.subject[:, None] == 1) & (ds.emotion >= 0) & (ds.intensity == 1.0))[0]
    np.testing.assert_allclose(ds.expression[i, j], np.clip(fit_g.expression, 0, 1), atol=1e-5)
    np.testing.assert_allclose(ds.pose[i, j], fit_g.rotation, atol=1e-3)
    assert len(ds.neutral_expression) == 4  # one onset per kept sequence
    assert "ckplus" == ds.meta["preset"] and ds.meta["load_summary"]["subjects kept"] == 2


def test_ckplus_malformed_trees(tmp_path, photos):
    with pytest.raises(UserError, match="no cohn-kanade-images"):
        load_ckplus(tmp_path, fitter=object())
    write_sequence(tmp_path, "S001", "001", [photos["blank"]], label=2)
    bad = next((tmp_path / "Emotion").rglob("*_emotion.txt"))
    bad.write_text("happy\n")
    with pytest.raises(UserError, match=f"{bad.name}.*emotion code"):
        load_ckplus(tmp_path, fitter=object())
    bad.write_text("9.0\n")
    with pytest.raises(UserError, match="0-7"):
        read_label(bad)
    bad.write_text("2.0000000e+00\n")
    assert EMOTIONS[read_label(bad)] == "contempt"
    orphan = tmp_path / "Emotion" / "S001" / "002"
    orphan.mkdir()
    (orphan / "S001_002_00000005_emotion.txt").write_text("1.0")
    with pytest.raises(UserError, match="S001_002_00000005_emotion.txt: no frames"):
        load_ckplus(tmp_path, fitter=object())


def test_celebvhq_loader_with_the_real_fitter(tmp_path, fitter, photos):
    g = photos["grace"]
    clips_dir = tmp_path / "35666"
    clips_dir.mkdir()
    videos = {"ytbA_0": g, "ytbA_1": g, "ytbA_2": photos["grace_rolled"], "ytbB_0": g, "ytbB_1": g}
    for cid, img in videos.items():
        write_video([img] * 10, clips_dir / f"{cid}.mp4", fps=10)

    def clip(ytb, labels):
        return {"ytb_id": ytb, "duration": {"start_sec": 3.0, "end_sec": 4.0},
                "attributes": {"emotion": {"sep_flag": not isinstance(labels, str), "labels": labels}}}

    info = {"meta_info": {}, "clips": {
        "ytbA_0": clip("ytbA", "happy"),
        "ytbA_1": clip("ytbA", [{"emotion": "neutral", "start_sec": 0.0, "end_sec": 0.5},
                                {"emotion": "sadness", "start_sec": 0.5, "end_sec": 1.0}]),
        "ytbA_2": clip("ytbA", "anger"),  # head rolled ~37 degrees: dropped by the ±15° rule
        "ytbB_0": clip("ytbB", "surprise"), "ytbB_1": clip("ytbB", "fear"),  # two expressions only: skipped
        "ytbC_0": clip("ytbC", "happy"),  # not downloaded
    }}  # fmt: skip
    (tmp_path / "celebvhq_info.json").write_text(json.dumps(info))
    ds, summary = load_celebvhq(tmp_path, fitter=fitter, seed=1, n_samples=120, frames_per_segment=2)
    c = summary.as_dict()
    assert c["clips listed"] == 6 and c["clips missing on disk (skipped)"] == 1
    assert c["frames beyond ±15° (dropped)"] == 2
    assert c["subjects kept"] == 1 and c["subjects with fewer than 3 expressions (skipped)"] == 1
    assert ds.meta["subject_names"] == ["ytbA"] and len(ds) == 120
    assert sorted(ds.meta["emotions"]) == ["happiness", "neutral", "sadness"]
    assert len(ds.neutral_expression) == 2  # the neutral segment's two frames
    # video frames are re-encoded (lossy), so the identity is near, not equal to, the photo's fit
    grace_id, astro_id = fitter.fit(g).identity, fitter.fit(photos["astronaut"]).identity
    assert np.linalg.norm(ds.identity[0] - grace_id) < 0.5 * np.linalg.norm(grace_id - astro_id)
    assert np.degrees(np.abs(ds.pose)).max() < 16


def test_celebvhq_bad_info(tmp_path):
    with pytest.raises(UserError, match="celebvhq_info.json not found"):
        load_celebvhq(tmp_path, fitter=object())
    p = tmp_path / "celebvhq_info.json"
    p.write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        read_info(p)
    p.write_text(json.dumps({"clips": {"x_0": {"ytb_id": "x", "attributes": {"emotion": {"labels": "bored"}}}}}))
    with pytest.raises(UserError, match="x_0.*unknown emotion label 'bored'"):
        read_info(p)
    p.write_text(json.dumps({"clips": {"x_0": {"ytb_id": "x", "attributes": {}}}}))
    with pytest.raises(UserError, match="x_0"):
        read_info(p)


def test_cli_builds_from_a_ckplus_tree(ck_tree, tmp_path, capsys):
    from emoshift.cli import main

    out = tmp_path / "ck.npz"
    assert main(["data", "build", "--ckplus", str(ck_tree), "--samples", "60", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "60 samples, 2 subjects" in printed and "subjects without usable frames (skipped) 1" in printed
    from emoshift.data import ExpressionDataset

    ds = ExpressionDataset.load(out)
    assert ds.meta["load_summary"]["sequences kept"] == 4
    assert "subjects without usable frames (skipped): 1" in (tmp_path / "ck.card.md").read_text()
