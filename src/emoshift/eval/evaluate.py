"""The evaluation protocol of §IV-C..E: judge ground truth and generated expressions, run the ablations.

- :func:`judge_training_set` / :func:`fit_judge`: shape images of the ground-truth expressions of a
  dataset's *train* split (never generated data) -> a trained :class:`ShapeJudge`.
- :func:`judge_rotations`: the judge on the test split at 0°, ±10°, ±15°, ±30° (Table X).
- :func:`generate_split` + :func:`judge_expressions`: a model's expressions for every instruction of a
  split, rendered with the sample's subject identity and generated head pose, judged, scored against
  the instructed labels (Acc1, Acc2, G-mean; Tables II, III, V-VIII).
- :data:`EXPERIMENTS`: the model variants of those tables as :class:`TrainConfig` overrides.
"""

from __future__ import annotations

import numpy as np
import torch

from emoshift.emotions import EMOTIONS
from emoshift.eval.judge import ShapeJudge, train_judge
from emoshift.eval.metrics import Scores, score
from emoshift.eval.shapes import ShapeRenderer, render_slots, slot_table

ROTATIONS = (0, 10, 15, 30)
"""Table X's test rotations (each non-zero angle is tested at + and - and averaged)."""

EXPERIMENTS: dict[str, dict] = {
    "ours": {},  # IFED (N=2, M=1, 1 CAFT) + L_e + L_p + L_v: the paper's full model
    "motionclip": {"model": "motionclip"},  # the baseline of Tables II/III
    "no_ifed": {"use_ifed": False, "use_vertex_loss": False},  # Table V "w/o IFED"
    "ifed": {"use_vertex_loss": False},  # Table V "w/ IFED" = Table VI "L_e + L_p"
    "le_only": {"use_pose_loss": False, "use_vertex_loss": False},  # Table VI "L_e"
    "n1m1": {"n_face_layers": 1, "n_text_layers": 1},  # Table VII 1 CAFT layer = Table VIII mode A
    "caft2": {"n_face_layers": 1, "n_text_layers": 1, "caft_layers": 2},  # Table VII 2 CAFT layers
    "n1m2": {"n_face_layers": 1, "n_text_layers": 2},  # Table VIII mode C
    "n2m2": {"n_face_layers": 2, "n_text_layers": 2},  # Table VIII mode D
}


def dataset_emotions(ds) -> tuple[int, ...]:
    """Indices (into EMOTIONS) of the labels a dataset's instructions use (its classifier's classes)."""
    names = ds.meta.get("emotions") if isinstance(ds.meta, dict) else None
    if names:
        return tuple(EMOTIONS.index(n) for n in names)
    return tuple(int(c) for c in np.unique(ds.emotion[ds.emotion >= 0]))


def judge_training_set(
    datasets, renderer: ShapeRenderer, max_images: int = 20000, seed: int = 0, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Shape images (K,S,S) and labels (K,) of ground-truth expressions of the *train* split(s).

    At most ``max_images`` (sample, slot) pairs, drawn uniformly at random (seeded).
    """
    if not isinstance(datasets, (list, tuple)):
        datasets = [datasets]
    rng = np.random.default_rng(seed)
    parts = []
    for ds in datasets:
        tr = ds.subset("train")
        rows, slots = slot_table(tr.emotion, tr.n_slots)
        parts.append((tr, rows, slots))
    total = sum(len(r) for _, r, _ in parts)
    images, labels = [], []
    for tr, rows, slots in parts:
        k = len(rows) if total <= max_images else round(max_images * len(rows) / total)
        pick = np.sort(rng.choice(len(rows), size=min(k, len(rows)), replace=False))
        rows, slots = rows[pick], slots[pick]
        images.append(render_slots(renderer, tr.identity, tr.subject, tr.expression, tr.pose, rows, slots, progress))
        labels.append(tr.emotion[rows, slots].astype(np.int64))
    return np.concatenate(images), np.concatenate(labels)


def fit_judge(datasets, renderer: ShapeRenderer, epochs: int = 8, max_images: int = 20000, seed: int = 0,
              progress: bool = False) -> ShapeJudge:  # fmt: skip
    """Train the judge on ground-truth shape images of the train split(s) of ``datasets``."""
    x, y = judge_training_set(datasets, renderer, max_images, seed, progress)
    dsl = datasets if isinstance(datasets, (list, tuple)) else [datasets]
    meta = {"trained_on": [{k: d.meta.get(k) for k in ("preset", "seed", "scale")} for d in dsl], "split": "train"}
    return train_judge(x, y, EMOTIONS, epochs=epochs, seed=seed, progress=progress, meta=meta)


def judge_expressions(
    judge: ShapeJudge,
    renderer: ShapeRenderer,
    ds,
    expression: np.ndarray,
    pose: np.ndarray | None,
    allowed: tuple[int, ...] | None = None,
    rotation_deg: float = 0.0,
    progress: bool = False,
) -> tuple[Scores, np.ndarray]:
    """Score (N,3,53) expressions / (N,3,3) poses of the samples of ``ds`` against ``ds.emotion``.

    Returns the scores and the (N,3) judged labels (-1 in unused slots).
    """
    rows, slots = slot_table(ds.emotion, ds.n_slots)
    images = render_slots(renderer, ds.identity, ds.subject, expression, pose, rows, slots, progress)
    pred = np.full(ds.emotion.shape, -1, np.int64)
    pred[rows, slots] = judge.predict(images, allowed=allowed, rotation_deg=rotation_deg)
    true = np.where(pred >= 0, ds.emotion, -1)
    return score(true, pred, EMOTIONS), pred


def judge_rotations(judge: ShapeJudge, renderer: ShapeRenderer, ds, allowed=None) -> dict[int, Scores]:
    """Table X: {angle: Scores} of the ground truth of ``ds`` with the images rotated by ±angle.

    For a non-zero angle the + and - images are pooled (twice the samples).
    """
    rows, slots = slot_table(ds.emotion, ds.n_slots)
    images = render_slots(renderer, ds.identity, ds.subject, ds.expression, ds.pose, rows, slots)
    true = ds.emotion[rows, slots].astype(np.int64)
    out = {}
    for a in ROTATIONS:
        angles = (a,) if a == 0 else (a, -a)
        pred = np.concatenate([judge.predict(images, allowed=allowed, rotation_deg=s) for s in angles])
        out[a] = score(np.tile(true, len(angles))[:, None], pred[:, None], EMOTIONS)
    return out


@torch.no_grad()
def generate_split(model, data, seed: int = 0, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Sample a model for every instruction of ``data`` (a ``TensorData``) -> expressions (N,3,53), poses (N,3,3).

    One ``torch.Generator`` seeded with ``seed`` draws all the latents, batch after batch.
    """
    model.eval()
    g = torch.Generator().manual_seed(int(seed))
    es, ps = [], []
    for start in range(0, len(data), batch):
        idx = torch.arange(start, min(start + batch, len(data)))
        b = data.batch(idx)
        e, p = model.generate(b.text_features, b.text_mask, data.n_slots[idx], g, spans=b.span_features)
        es.append(e.numpy())
        ps.append(p.numpy())
    return np.concatenate(es), np.concatenate(ps)


@torch.no_grad()
def latents_for_tsne(model, data, ds, max_points: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Latents (K, D) and labels (K,) of ground-truth samples for Fig. 7.

    Uses single-emotion instructions (one latent, one label) when there are enough of them, else
    each slot's latent labelled by its emotion (a model with one latent per instruction, like the
    MotionCLIP-style baseline, is then labelled by the first emotion).
    """
    single = np.flatnonzero(np.asarray(ds.n_slots) == 1)
    idx = single if len(single) >= 50 else np.arange(len(ds))
    rng = np.random.default_rng(seed)
    if len(idx) > max_points:
        idx = np.sort(rng.choice(idx, max_points, replace=False))
    z = model.latents(data.batch(torch.from_numpy(idx))).numpy()  # (K, m, D)
    lab = np.asarray(ds.emotion)[idx]
    if z.shape[1] == 1:
        return z[:, 0], lab[:, 0]
    m = min(z.shape[1], lab.shape[1])
    keep = lab[:, :m] >= 0
    return z[:, :m][keep], lab[:, :m][keep]


def read_instructions(path) -> tuple[list[str], np.ndarray]:
    """An instructions file -> texts, (N,3) labels (-1 pad). One instruction per line, as ``animate
    --instructions`` reads them: plain text (labels = the parser's reading) or a JSON object
    ``{"text": "...", "emotions": ["fear", "happiness"]}`` (labels given). Blank and ``#`` lines are skipped.

    Raises :class:`UserError` naming the first bad line.
    """
    import json
    from pathlib import Path

    from emoshift.io import UserError
    from emoshift.text.parser import parse_instruction

    p = Path(path)
    if not p.is_file():
        raise UserError(f"instructions file not found: {p}")
    texts, labels = [], []
    for no, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                d = json.loads(line)
                text, emos = d["text"], d.get("emotions")
                if not isinstance(text, str) or not text.strip():
                    raise ValueError
                if emos is not None and (not isinstance(emos, list) or not 1 <= len(emos) <= 3):
                    raise ValueError
            except (ValueError, KeyError, TypeError, AttributeError):
                raise UserError(
                    f'{p}:{no}: expected {{"text": "...", "emotions": ["fear", "happiness"]}} with 1-3 emotions'
                ) from None
        else:
            text, emos = line, None
        if emos is None:
            try:
                emos = parse_instruction(text).emotions
            except UserError as err:
                raise UserError(f"{p}:{no}: {err}") from None
        bad = [e for e in emos if e not in EMOTIONS]
        if bad:
            raise UserError(f"{p}:{no}: unknown emotion '{bad[0]}'; use {', '.join(EMOTIONS)}")
        texts.append(text)
        labels.append([EMOTIONS.index(e) for e in emos] + [-1] * (3 - len(emos)))
    if not texts:
        raise UserError(f"{p} holds no instructions")
    return texts, np.asarray(labels, np.int64)


def evaluate_instructions(texts: list[str], labels: np.ndarray, generator, judge: ShapeJudge,
                          renderer: ShapeRenderer, seed: int = 0, batch: int = 256) -> Scores:  # fmt: skip
    """Generate each instruction with ``generator`` (a :class:`emoshift.models.generator.Generator`),
    render it on the mean identity with the generated head pose, judge it against ``labels`` (N,3)."""
    return judge_instructions(texts, labels, generator, judge, renderer, seed, batch)[0]


def judge_instructions(texts: list[str], labels: np.ndarray, generator, judge: ShapeJudge,
                       renderer: ShapeRenderer, seed: int = 0, batch: int = 256) -> tuple[Scores, np.ndarray]:  # fmt: skip
    """:func:`evaluate_instructions` that also returns the judged labels (N,3) (-1 in unused slots)."""
    n_slots = (labels >= 0).sum(1)
    es, ps = [], []
    for i in range(0, len(texts), batch):
        e, p = generator.generate_batch(texts[i : i + batch], n_slots[i : i + batch], seed=seed + i // batch)
        es.append(e[:, :3])
        ps.append(p[:, :3])
    expr, pose = np.concatenate(es), np.concatenate(ps)
    rows, slots = np.nonzero(labels >= 0)
    ident = np.zeros((len(rows), renderer.model.n_identity), np.float32)
    images = renderer.render(ident, expr[rows, slots], pose[rows, slots])
    pred = np.full(labels.shape, -1, np.int64)
    pred[rows, slots] = judge.predict(images)
    return score(labels, pred, EMOTIONS), pred


def order_errors(true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Order mistakes among instructions of 2-3 emotions: (N,3) labels, -1 padded.

    ``swap``: two anchors show each other's emotions (pred[i] = true[j] and pred[j] = true[i], i != j);
    ``shift``: a 3-emotion sequence judged one place early or late (pred[1:] = true[:-1] or pred[:-1] =
    true[1:]). Rates over the multi-emotion instructions, with their count ``n``.
    """
    true, pred = np.asarray(true), np.asarray(pred)
    multi = (true >= 0).sum(1) >= 2
    swaps, shifts = 0, 0
    for t, p in zip(true[multi], pred[multi]):
        m = int((t >= 0).sum())
        swaps += any(t[i] != t[j] and p[i] == t[j] and p[j] == t[i] for i in range(m) for j in range(i + 1, m))
        shifts += m == 3 and (bool((p[1:3] == t[0:2]).all()) or bool((p[0:2] == t[1:3]).all()))
    n = int(multi.sum())
    return {"n": n, "swap": swaps / max(n, 1), "shift": shifts / max(n, 1)}


def evaluate_generator_on(generator, ds, judge: ShapeJudge, renderer: ShapeRenderer, allowed=None, seed: int = 0,
                          batch: int = 256) -> Scores:  # fmt: skip
    """A :class:`Generator` (e.g. the shipped one) sampled for every instruction of ``ds`` (one split),
    rendered with the samples' subject identities and generated poses, judged against ``ds.emotion``."""
    es, ps = [], []
    texts = [str(t) for t in ds.text]
    for i in range(0, len(texts), batch):
        e, p = generator.generate_batch(texts[i : i + batch], ds.n_slots[i : i + batch], seed=seed + i // batch)
        es.append(e[:, :3])
        ps.append(p[:, :3])
    return judge_expressions(judge, renderer, ds, np.concatenate(es), np.concatenate(ps), allowed)[0]
