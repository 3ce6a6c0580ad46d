"""The shape-image judge: re-weighted focal loss, rotation, and accuracy on ground-truth shape images."""

import numpy as np
import pytest
import torch

from emoshift.emotions import CKPLUS_EMOTIONS, EMOTIONS, prototype
from emoshift.eval.judge import (
    ShapeJudge,
    class_balanced_weights,
    focal_loss,
    rotate_images,
    train_judge,
)
from emoshift.eval.metrics import score


def test_class_balanced_weights_favour_rare_classes():
    w = class_balanced_weights([1000, 10, 0], beta=0.999)
    assert w[2] == 0 and w[1] > 5 * w[0]
    assert w[:2].mean() == pytest.approx(1.0)
    # beta -> 0 gives equal weights
    assert torch.allclose(class_balanced_weights([1000, 10], beta=0.0), torch.ones(2))


def test_focal_loss_reduces_to_cross_entropy_and_down_weights_easy_samples():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.1, 0.3, 0.0]])
    y = torch.tensor([0, 2])
    ce = torch.nn.functional.cross_entropy(logits, y)
    assert focal_loss(logits, y, gamma=0.0) == pytest.approx(ce.item(), rel=1e-6)
    p = torch.softmax(logits, 1)[torch.arange(2), y]
    expected = (-((1 - p) ** 2) * p.log()).mean()
    assert focal_loss(logits, y, gamma=2.0) == pytest.approx(expected.item(), rel=1e-6)
    w = torch.tensor([1.0, 1.0, 3.0])
    expected_w = (torch.tensor([1.0, 3.0]) * -((1 - p) ** 2) * p.log()).mean()
    assert focal_loss(logits, y, w, gamma=2.0) == pytest.approx(expected_w.item(), rel=1e-6)


def test_rotate_images_quarter_turn():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 1, 4] = 1.0  # a dot above the centre
    y = rotate_images(x, 90.0)[0, 0]
    r, c = divmod(int(y.argmax()), 8)
    assert (r, c) in {(3, 6), (4, 6)} or (r, c) in {(3, 1), (4, 1)}  # moved to a side, not kept in place
    assert y[1, 4] < 0.1
    assert torch.allclose(rotate_images(x, 0.0), x, atol=1e-6)


def _shape_set(n, seed, renderer):
    """Ground-truth shape images: the seven CK+ prototypes at random intensity, identity and small pose."""
    from emoshift.headmodel.ops import euler_to_matrix, matrix_to_axis_angle

    rng = np.random.default_rng(seed)
    lab = rng.integers(1, 8, n)
    expr = np.stack([prototype(EMOTIONS[i], 0, float(rng.uniform(0.7, 1.1))) for i in lab])
    pyr = torch.from_numpy(rng.normal(0, 4, (n, 3)).astype(np.float32))
    rot = matrix_to_axis_angle(euler_to_matrix(pyr)).numpy()
    ident = rng.normal(0, 1, (n, 50)).astype(np.float32)
    return renderer.render(ident, expr, rot), lab


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from emoshift.eval.shapes import ShapeRenderer

    n = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        r = ShapeRenderer()
        x, y = _shape_set(1000, 0, r)
        xt, yt = _shape_set(300, 1, r)  # other subjects, other poses
        judge = train_judge(x, y, EMOTIONS, epochs=8, seed=0, progress=False)
    finally:
        torch.set_num_threads(n)  # global state: later tests get the count they would have had
    yield judge, xt, yt, tmp_path_factory.mktemp("judge")


@pytest.mark.slow
def test_judge_classifies_ground_truth_shape_images(trained):
    judge, xt, yt, _ = trained
    assert judge.names == CKPLUS_EMOTIONS
    s = score(yt[:, None], judge.predict(xt)[:, None], EMOTIONS)
    assert s.acc1 >= 0.85, s
    assert s.gmean >= 0.8, s
    # rotation augmentation: still well above chance (1/7) at 15 degrees
    s15 = score(yt[:, None], judge.predict(xt, rotation_deg=15)[:, None], EMOTIONS)
    assert s15.acc1 >= 0.75, s15


@pytest.mark.slow
def test_judge_save_load_and_allowed_classes(trained):
    judge, xt, _, tmp = trained
    path = judge.save(tmp / "j.pt")
    j2 = ShapeJudge.load(path)
    assert j2.classes == judge.classes and j2.meta["n_train"] == 1000
    assert (j2.predict(xt[:20]) == judge.predict(xt[:20])).all()
    only = j2.predict(xt[:20], allowed=[1, 5])
    assert set(only.tolist()) <= {1, 5}
    with pytest.raises(ValueError):
        j2.predict(xt[:2], allowed=[0])  # neutral is not a class of a CK+ judge


def test_load_garbage_is_a_user_error(tmp_path):
    from emoshift.io import UserError

    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError):
        ShapeJudge.load(bad)


def test_shipped_judge_recognises_prototypes():
    """The shipped judge (trained on the presets' train splits) on clean apex prototypes of new faces."""
    from emoshift.eval.shapes import ShapeRenderer

    judge = ShapeJudge.load_default()
    assert judge.names == EMOTIONS and judge.meta["split"] == "train"
    rng = np.random.default_rng(7)
    labels = np.repeat(np.arange(8), 3)
    expr = np.stack([prototype(EMOTIONS[i], 0, 1.0) for i in labels])
    ident = rng.normal(0, 1, (len(labels), 50)).astype(np.float32)
    pred = judge.predict(ShapeRenderer().render(ident, expr))
    assert (pred == labels).mean() >= 0.85, list(zip(labels.tolist(), pred.tolist()))
