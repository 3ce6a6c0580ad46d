import numpy as np
import pytest

from emoshift.data import SPLITS, ExpressionDataset, build_preset
from emoshift.data.synthetic import CKPLUS_SEQUENCES, PRESETS
from emoshift.data.templates import TEMPLATES
from emoshift.emotions import EMOTIONS, nearest_prototype
from emoshift.headmodel.ops import axis_angle_to_matrix, matrix_to_euler
from emoshift.io import UserError
from emoshift.text.parser import parse_instruction


@pytest.fixture(scope="module")
def ck():
    return build_preset("ckplus-like", seed=0, scale=0.15)


@pytest.fixture(scope="module")
def celeb():
    return build_preset("celebvhq-like", seed=0, scale=0.05)


def test_sizes_scale_with_the_paper(ck, celeb):
    assert len(ck) == round(26352 * 0.15) and ck.n_subjects == round(117 * 0.15)
    assert len(celeb) == round(28335 * 0.05) and celeb.n_subjects == round(614 * 0.05)
    assert PRESETS["ckplus-like"].n_samples == 26352 and PRESETS["celebvhq-like"].n_subjects == 614


def test_fields_valid(ck):
    n = len(ck)
    assert ck.expression.shape == (n, 3, 53) and ck.pose.shape == (n, 3, 3) and ck.identity.shape == (ck.n_subjects, 50)
    assert ck.expression.min() >= 0 and ck.expression.max() <= 1
    slot = np.arange(3)[None] < ck.n_slots[:, None]
    assert (ck.emotion[slot] >= 0).all() and (ck.emotion[~slot] == -1).all()
    assert not ck.expression[~slot].any() and not ck.pose[~slot].any()
    assert set(np.unique(ck.split)) == set(SPLITS)
    assert 0.3 < (ck.n_slots != 2).mean() < 0.5  # SLOT_PROBS: 40% 1- and 3-emotion instructions
    assert 0.2 < (ck.n_slots == 3).mean() < 0.3
    assert abs(ck.identity.std() - 1) < 0.15  # N(0,1) identity prior


def test_ckplus_has_no_neutral_and_follows_ck_counts():
    d = build_preset("ckplus-like", seed=1, scale=0.3)
    labels = d.emotion[d.emotion >= 0]
    assert (labels != EMOTIONS.index("neutral")).all()
    share = np.bincount(labels, minlength=8)[1:] / len(labels)
    target = np.array([CKPLUS_SEQUENCES[e] for e in EMOTIONS[1:]], float)
    target /= target.sum()
    assert np.abs(share - target).max() < 0.04
    assert share[EMOTIONS.index("surprise") - 1] > share[EMOTIONS.index("contempt") - 1] * 2


def test_celebvhq_is_skewed(celeb):
    counts = np.bincount(celeb.emotion[celeb.emotion >= 0], minlength=8)
    top2 = {EMOTIONS[i] for i in np.argsort(-counts)[:2]}
    assert top2 == {"neutral", "happiness"}
    assert counts[EMOTIONS.index("contempt")] < counts[EMOTIONS.index("sadness")]
    assert counts[EMOTIONS.index("fear")] < counts[EMOTIONS.index("happiness")] / 5


def test_poses_within_15_degrees_and_priors_visible(celeb):
    ck = build_preset("ckplus-like", seed=0, scale=0.3)
    import torch

    for d in (ck, celeb):
        slot = d.emotion >= 0
        eul = matrix_to_euler(axis_angle_to_matrix(torch.from_numpy(d.pose[slot]))).numpy()
        assert np.abs(eul).max() <= 15.01
    eul = matrix_to_euler(axis_angle_to_matrix(torch.from_numpy(ck.pose.reshape(-1, 3)))).numpy().reshape(-1, 3, 3)
    pitch = lambda e: eul[..., 0][ck.emotion == EMOTIONS.index(e)].mean()  # noqa: E731
    assert pitch("sadness") > pitch("happiness") + 3 > pitch("surprise") + 3  # sad looks down, surprise up


def test_targets_resemble_their_prototype(ck):
    """Nearest prototype variant (cosine) recovers the label of most targets."""
    slot = ck.emotion >= 0
    ex, lab = ck.expression[slot], ck.emotion[slot]
    pred = nearest_prototype(ex)
    assert (pred == lab).mean() > 0.85


def test_intensity_words_scale_the_target(ck):
    slot = ck.emotion >= 0
    mag = np.abs(ck.expression).sum(-1)[slot]
    inten = ck.intensity[slot]
    assert mag[inten == 0.5].mean() < 0.7 * mag[inten == 1.0].mean()
    assert mag[inten == 1.4].mean() > 1.15 * mag[inten == 1.0].mean()


def test_text_matches_labels(ck):
    for i in range(0, len(ck), 7):
        p = parse_instruction(str(ck.text[i]))
        k = ck.n_slots[i]
        assert p.emotions == [EMOTIONS[e] for e in ck.emotion[i, :k]]
        assert p.intensities == pytest.approx(ck.intensity[i, :k].tolist())


def test_splits_by_subject_and_held_out_templates(ck):
    subj = {s: set(ck.subject[ck.split == s]) for s in SPLITS}
    assert not subj["train"] & subj["val"] and not subj["train"] & (subj["test"] | subj["test_unseen_phrasing"])
    assert not subj["val"] & subj["test"]
    held = np.array([t.held_out for t in TEMPLATES])
    assert held[ck.template[ck.split == "test_unseen_phrasing"]].all()
    assert not held[ck.template[ck.split != "test_unseen_phrasing"]].any()
    assert ck.meta["templates"][0] == TEMPLATES[0].text
    n_test_subj = len(subj["test"] | subj["test_unseen_phrasing"])
    assert n_test_subj == max(1, round(0.1 * ck.n_subjects))
    assert set(ck.neutral_split) <= {"train", "val", "test"} and len(ck.neutral_expression) >= ck.n_subjects


def test_deterministic_and_seed_dependent():
    a = build_preset("celebvhq-like", seed=3, scale=0.02)
    b = build_preset("celebvhq-like", seed=3, scale=0.02)
    c = build_preset("celebvhq-like", seed=4, scale=0.02)
    assert (a.text == b.text).all() and np.array_equal(a.expression, b.expression)
    assert not np.array_equal(a.identity, c.identity)


def test_save_load_subset(ck, tmp_path):
    path = ck.save(tmp_path / "ck.npz")
    back = ExpressionDataset.load(path)
    assert (back.text == ck.text).all() and np.array_equal(back.pose, ck.pose)
    assert back.meta["preset"] == "ckplus-like" and back.meta["seed"] == 0
    tr = back.subset("train")
    assert len(tr) == (ck.split == "train").sum() and set(tr.split) == {"train"}
    assert tr.n_subjects == ck.n_subjects and set(tr.neutral_split) == {"train"}
    assert len(back.subset(("test", "test_unseen_phrasing"))) == np.isin(ck.split, ["test", "test_unseen_phrasing"]).sum()
    with pytest.raises(ValueError):
        back.subset("training")


def test_load_bad_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        ExpressionDataset.load(tmp_path / "nope.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="junk.npz"):
        ExpressionDataset.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(UserError, match="missing"):
        ExpressionDataset.load(tmp_path / "other.npz")


def test_bad_preset_arguments():
    with pytest.raises(UserError, match="unknown preset"):
        build_preset("affectnet-like")
    with pytest.raises(UserError, match="scale"):
        build_preset("ckplus-like", scale=0)


def test_everyday_wordings_only_in_training_and_read_back():
    """The everyday rewording (bank.add_everyday_wordings) touches training samples only: the other
    splits are those of a preset built without it; reworded sentences read back to their labels, and
    lexicon-worded slots carry their entries' anchor targets."""
    from emoshift.data import bank
    from emoshift.text import lexicon

    a = build_preset("celebvhq-like", seed=2, scale=0.03)
    old = bank.EVERYDAY_SHARE
    bank.EVERYDAY_SHARE = 0.0
    try:
        b = build_preset("celebvhq-like", seed=2, scale=0.03)
    finally:
        bank.EVERYDAY_SHARE = old
    rest = a.split != "train"
    assert (a.text[rest] == b.text[rest]).all() and np.array_equal(a.expression[rest], b.expression[rest])
    changed = np.flatnonzero(a.text != b.text)
    assert len(changed) > 0.2 * (a.split == "train").sum() and (a.split[changed] == "train").all()
    assert (a.emotion == b.emotion).all()  # labels (and so the class shares) stay
    every = np.array([t.everyday for t in TEMPLATES])
    assert every[a.template[changed]].mean() > 0.3
    n_lex = 0
    for i in changed[:80]:
        p = parse_instruction(str(a.text[i]))
        k = a.n_slots[i]
        assert p.emotions == [EMOTIONS[e] for e in a.emotion[i, :k]]
        for j in range(k):
            if any(lexicon.get(x).family == p.emotions[j] for x in p.entries[j]):  # (a basic word with a gaze
                n_lex += 1  # action keeps its clip's frame)
                t = lexicon.anchor_expression(p.emotions[j], p.entries[j], 1.0)
                if not t.any():  # a head-only action ("tilts his head")
                    assert a.expression[i, j].max() < 0.05
                    continue
                cos = a.expression[i, j] @ t / (np.linalg.norm(a.expression[i, j]) * np.linalg.norm(t) + 1e-9)
                assert cos > 0.9, (a.text[i], j)
    assert n_lex > 20
