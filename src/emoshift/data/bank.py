"""From per-subject expression clips to instruction samples: the step shared by the built-in presets and
the CK+ / CelebV-HQ loaders.

A :class:`ClipBank` holds, for S subjects, labelled clips (an emotion each, onset -> apex frames) as
flat frame arrays. :func:`make_dataset` splits subjects (10% test, then 10% of the rest for validation,
paper §IV-B), then draws N samples: a subject, 1-3 different emotions it has clips of (class weights
as given), for each an apex frame of one of its clips, an optional intensity word that scales the
frame away from the clip's neutral onset, and one instruction from the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from emoshift.data.dataset import ExpressionDataset
from emoshift.data.templates import EVERYDAY_ADJECTIVES, INTENSITY_LEVELS, TEMPLATES, everyday_ids, render, template_ids
from emoshift.emotions import EMOTIONS, EXPRESSION_NAMES
from emoshift.headmodel.ops import euler_to_matrix, matrix_to_axis_angle

SLOT_PROBS = (0.15, 0.6, 0.25)  # share of 1-, 2- and 3-emotion instructions (3: more, issue 13.1)
INTENSITY_PROB = 0.25  # share of (non-neutral) slots given an intensity word
INTENSITY_LEVEL_PROBS = (0.35, 0.15, 0.3, 0.2)  # over INTENSITY_LEVELS (0.5, 0.75, 1.2, 1.4)
LEXICON_SHARE = 0.15  # share of samples with one slot worded from the expression lexicon (issue 13.2)
EVERYDAY_SHARE = 0.4  # share of the other training samples reworded in everyday language (add_everyday_wordings)
EVERYDAY_LEXICON_P, EVERYDAY_ADJECTIVE_P = 0.55, 0.2  # per slot of such a sample: lexicon entry / other synonym
EVERYDAY_WITH_ACTION_P = 0.25  # per emotional slot of an everyday verb template: a gaze/lid action at the same moment
UNSEEN_PHRASING_SHARE = 0.3  # share of test-subject samples rendered with held-out templates
TEST_SHARE, VAL_SHARE = 0.1, 0.1


@dataclass
class ClipBank:
    """Expression clips of S subjects (C clips, F frames, M neutral frames); poses are Euler degrees.

    identity (S,50); clip_subject (C,), clip_emotion (C,) index into EMOTIONS, clip_base_expression (C,53)
    and clip_base_pose (C,3) the clip's neutral onset (what an intensity word scales from);
    frame_clip (F,), frame_expression (F,53), frame_pose (F,3) pitch/yaw/roll deg, frame_apex (F,) bool
    (usable as a target); neutral_* (M,...) neutral frames for the neutral-expression decoder.
    """

    identity: np.ndarray
    clip_subject: np.ndarray
    clip_emotion: np.ndarray
    clip_base_expression: np.ndarray
    clip_base_pose: np.ndarray
    frame_clip: np.ndarray
    frame_expression: np.ndarray
    frame_pose: np.ndarray
    frame_apex: np.ndarray
    neutral_expression: np.ndarray
    neutral_pose: np.ndarray
    neutral_subject: np.ndarray
    subject_names: list[str] = field(default_factory=list)


def euler_to_axis_angle(pyr_deg: np.ndarray) -> np.ndarray:
    """(..., 3) pitch, yaw, roll degrees -> (..., 3) float32 axis-angle radians (headmodel.ops convention)."""
    flat = torch.from_numpy(np.asarray(pyr_deg, np.float32).reshape(-1, 3))
    return matrix_to_axis_angle(euler_to_matrix(flat)).numpy().reshape(np.shape(pyr_deg)).astype(np.float32)


def split_subjects(n_subjects: int, rng: np.random.Generator) -> np.ndarray:
    """(S,) split name per subject: 10% test, then 10% of the rest val, the rest train (at least 1 each)."""
    order = rng.permutation(n_subjects)
    n_test = max(1, round(TEST_SHARE * n_subjects))
    n_val = max(1, round(VAL_SHARE * (n_subjects - n_test)))
    out = np.full(n_subjects, "train", dtype="<U20")
    out[order[:n_test]] = "test"
    out[order[n_test : n_test + n_val]] = "val"
    return out


def make_dataset(
    bank: ClipBank,
    n_samples: int,
    class_weights: dict[str, float],
    seed: int,
    meta: dict,
    slot_probs: tuple[float, float, float] = SLOT_PROBS,
    progress: bool = False,
    lexicon_share: float = LEXICON_SHARE,
    everyday_share: float | None = None,
) -> ExpressionDataset:
    """Draw ``n_samples`` instruction samples from ``bank`` (deterministic given ``seed``); then
    :func:`add_lexicon_wordings` rewords ``lexicon_share`` of them (0: none) and
    :func:`add_everyday_wordings` ``everyday_share`` of the other training samples (None: EVERYDAY_SHARE,
    0: none)."""
    from tqdm import tqdm

    rng = np.random.default_rng([seed, 7])
    n_subj = len(bank.identity)
    subj_split = split_subjects(n_subj, rng)
    weights = np.array([class_weights.get(e, 0.0) for e in EMOTIONS], np.float64)
    # per subject: emotions present, and for each (subject, emotion) the apex frames
    apex_frames: dict[tuple[int, int], np.ndarray] = {}
    fr_subj = bank.clip_subject[bank.frame_clip]
    fr_emo = bank.clip_emotion[bank.frame_clip]
    for f in np.flatnonzero(bank.frame_apex):
        apex_frames.setdefault((int(fr_subj[f]), int(fr_emo[f])), []).append(f)  # type: ignore[attr-defined]
    subj_emotions = [
        np.array([e for e in range(len(EMOTIONS)) if (s, e) in apex_frames and weights[e] > 0]) for s in range(n_subj)
    ]
    usable = np.array([len(x) >= 1 for x in subj_emotions])
    if not usable.any():
        raise ValueError("no subject has a usable labelled frame")
    usable_ids = np.flatnonzero(usable)

    text, n_slots_arr, tmpl = [], np.zeros(n_samples, np.int8), np.zeros(n_samples, np.int16)
    expr = np.zeros((n_samples, 3, 53), np.float32)
    pose_deg = np.zeros((n_samples, 3, 3), np.float32)
    emo = np.full((n_samples, 3), -1, np.int8)
    inten = np.zeros((n_samples, 3), np.float32)
    subject = np.zeros(n_samples, np.int32)
    split = np.empty(n_samples, dtype="<U20")
    seen_ids = {k: template_ids(k, False) for k in (1, 2, 3)}
    held_ids = {k: template_ids(k, True) for k in (1, 2, 3)}
    it = range(n_samples)
    for i in tqdm(it, desc="samples", unit="sample", disable=not progress, leave=False):
        s = int(usable_ids[rng.integers(len(usable_ids))])
        avail = subj_emotions[s]
        k = int(rng.choice(3, p=slot_probs)) + 1
        k = min(k, max(1, len(avail)))
        chosen: list[int] = []
        for _ in range(k):
            cand = avail[avail != (chosen[-1] if chosen else -1)]
            if len(chosen) == 2 and len(cand) > 1:  # a 3-emotion walk may revisit the first, but prefer not
                cand = cand[cand != chosen[0]] if len(cand[cand != chosen[0]]) else cand
            p = weights[cand] / weights[cand].sum()
            chosen.append(int(cand[rng.choice(len(cand), p=p)]))
        levels: list[float] = []
        for j, e in enumerate(chosen):
            frames = apex_frames[(s, e)]
            f = frames[rng.integers(len(frames))]
            c = bank.frame_clip[f]
            level = 1.0
            if EMOTIONS[e] != "neutral" and rng.random() < INTENSITY_PROB:
                level = float(INTENSITY_LEVELS[rng.choice(len(INTENSITY_LEVELS), p=INTENSITY_LEVEL_PROBS)])
            base_e, base_p = bank.clip_base_expression[c], bank.clip_base_pose[c]
            expr[i, j] = np.clip(base_e + level * (bank.frame_expression[f] - base_e), 0.0, 1.0)
            pose_deg[i, j] = base_p + level * (bank.frame_pose[f] - base_p)
            emo[i, j], inten[i, j] = e, level
            levels.append(level)
        sp = str(subj_split[s])
        if sp == "test" and rng.random() < UNSEEN_PHRASING_SHARE and len(held_ids[k]):
            sp, pool = "test_unseen_phrasing", held_ids[k]
        else:
            pool = seen_ids[k]
        t = int(pool[rng.integers(len(pool))])
        text.append(render(t, [EMOTIONS[e] for e in chosen], levels, rng))
        n_slots_arr[i], tmpl[i], subject[i], split[i] = k, t, s, sp

    reworded = np.zeros(n_samples, bool)
    if lexicon_share > 0:
        add_lexicon_wordings(text, tmpl, emo, inten, expr, n_slots_arr, seed, lexicon_share, reworded)
    everyday_share = EVERYDAY_SHARE if everyday_share is None else everyday_share
    if everyday_share > 0:
        add_everyday_wordings(text, tmpl, emo, inten, expr, n_slots_arr, seed, everyday_share,
                              (split == "train") & ~reworded)  # fmt: skip
    limit = max(15.0, float(np.abs(bank.frame_pose).max(initial=0.0)))  # scaling must not leave the data's range
    pose = euler_to_axis_angle(np.clip(pose_deg, -limit, limit))
    pose[emo < 0] = 0.0
    nsplit = subj_split[bank.neutral_subject]
    meta = {
        **meta,
        "seed": seed,
        "emotions": [e for e in EMOTIONS if class_weights.get(e, 0) > 0],
        "class_weights": {e: float(w) for e, w in class_weights.items()},
        "templates": [t.text for t in TEMPLATES],
        "template_held_out": [t.held_out for t in TEMPLATES],
        "template_source": [t.source for t in TEMPLATES],
        "subject_names": list(bank.subject_names) or [f"subject{s:04d}" for s in range(n_subj)],
        "subject_split": subj_split.tolist(),
    }
    return ExpressionDataset(
        text=np.array(text),
        n_slots=n_slots_arr,
        expression=expr,
        pose=pose,
        emotion=emo,
        intensity=inten,
        subject=subject,
        identity=bank.identity.astype(np.float32),
        split=split,
        template=tmpl,
        neutral_expression=bank.neutral_expression,
        neutral_pose=euler_to_axis_angle(bank.neutral_pose),
        neutral_subject=bank.neutral_subject,
        neutral_split=nsplit,
        meta=meta,
    )


def add_lexicon_wordings(text: list[str], tmpl: np.ndarray, emo: np.ndarray, inten: np.ndarray, expr: np.ndarray,
                         n_slots: np.ndarray, seed: int, share: float, done_mask: np.ndarray | None = None) -> int:  # fmt: skip
    """Reword ``share`` of the samples in place (issue 13.2): one slot is named by an everyday word or
    facial action of its emotion family from the expression lexicon (:mod:`emoshift.text.lexicon`) and
    its target becomes that entry's AU-grounded expression (with the presets' per-AU jitter and level
    spread), so the generator learns the words from training sentences. The same template is re-rendered;
    a rewording the parser does not read back to the same families, with the entry at that slot, is
    dropped. Its own random stream: the other samples stay exactly as without it. Returns the count.
    """
    from emoshift.io import UserError
    from emoshift.text import lexicon
    from emoshift.text.parser import parse_instruction

    rng = np.random.default_rng([seed, 11])
    by_family = {f: lexicon.entries(family=f) for f in EMOTIONS}
    done = 0
    for i in np.flatnonzero(rng.random(len(text)) < share):
        k = int(n_slots[i])
        j = int(rng.integers(k))
        fams = [EMOTIONS[e] for e in emo[i, :k]]
        cands = by_family[fams[j]]
        if not cands:
            continue
        entry = cands[int(rng.integers(len(cands)))]
        levels = [min((1.0, *INTENSITY_LEVELS), key=lambda v: abs(v - float(x))) for x in inten[i, :k]]
        levels[j] = 1.0
        new = render(int(tmpl[i]), fams, levels, rng, lexicon_slots={j: entry.phrase})
        try:
            p = parse_instruction(new)
        except UserError:
            continue
        if p.emotions != fams or entry.phrase not in p.entries[j] or p.intensities[j] != 1.0:
            continue
        target = lexicon.anchor_expression(fams[j], p.entries[j], 1.0)
        target = target * rng.uniform(0.9, 1.05) * (1 + rng.normal(0, 0.08, target.shape))
        expr[i, j] = np.clip(target, 0.0, 1.0)
        inten[i, j] = 1.0
        text[i] = new
        done += 1
        if done_mask is not None:
            done_mask[i] = True
    return done


def add_everyday_wordings(text: list[str], tmpl: np.ndarray, emo: np.ndarray, inten: np.ndarray, expr: np.ndarray,
                          n_slots: np.ndarray, seed: int, share: float, eligible: np.ndarray) -> int:  # fmt: skip
    """Reword ``share`` of the ``eligible`` samples (the training split) in everyday language, in place
    (issue 13.2): a training template, half of the time one of the everyday verb templates ("She rolls
    her eyes, then smiles."), and per slot, independently, a lexicon entry of the slot's emotion family
    (probability EVERYDAY_LEXICON_P; its target becomes the entry's anchor expression,
    :func:`emoshift.text.lexicon.anchor_expression`, with the presets' gain and per-AU jitter), another
    synonym the parser knows (:data:`emoshift.data.templates.EVERYDAY_ADJECTIVES`, probability
    EVERYDAY_ADJECTIVE_P; target unchanged), or the templates' words; in the verb templates an emotional
    slot also does an eye action without emotion (gaze, wink, blink, squint) at the same moment with probability EVERYDAY_WITH_ACTION_P
    ("glances down, ashamed", "grins and winks"; its shapes join the target). The labels and so the
    presets' class shares do not change. A rewording the parser does not read
    back (same families in order, exactly the chosen lexicon entries at each slot) is
    dropped. Own random stream; the validation and test splits never change. Returns the count.
    """
    from emoshift.io import UserError
    from emoshift.text import lexicon
    from emoshift.text.parser import parse_instruction

    rng = np.random.default_rng([seed, 13])
    by_family = {f: lexicon.entries(family=f) for f in EMOTIONS}
    pools = {k: everyday_ids(k) for k in (1, 2, 3)}
    verbs = {k: np.array([t for t in pools[k] if TEMPLATES[t].everyday]) for k in (1, 2, 3)}
    eyes = np.array([n.startswith(("eye", "cheekSquint")) for n in EXPRESSION_NAMES])
    plain_actions = [e for e in lexicon.entries(kind="action", family="neutral")  # gaze, wink, blink, squint ...
                     if e.expression.any() and not e.expression[~eyes].any()]  # fmt: skip
    done = 0
    for i in np.flatnonzero(eligible & (rng.random(len(text)) < share)):
        k = int(n_slots[i])
        fams = [EMOTIONS[e] for e in emo[i, :k]]
        levels = [min((1.0, *INTENSITY_LEVELS), key=lambda v: abs(v - float(x))) for x in inten[i, :k]]
        entries: dict[int, lexicon.Entry] = {}
        adjectives: dict[int, str] = {}
        for j in range(k):
            u = rng.random()
            if u < EVERYDAY_LEXICON_P and by_family[fams[j]]:
                cands = by_family[fams[j]]
                entries[j] = cands[int(rng.integers(len(cands)))]
            elif u < EVERYDAY_LEXICON_P + EVERYDAY_ADJECTIVE_P:
                adjectives[j] = EVERYDAY_ADJECTIVES[fams[j]][int(rng.integers(len(EVERYDAY_ADJECTIVES[fams[j]])))]
        new_fams = fams
        for j in entries:
            levels[j] = 1.0
        pool_t = verbs[k] if rng.random() < 0.5 else pools[k]  # half of them in the everyday verb templates
        t = int(pool_t[rng.integers(len(pool_t))])
        with_action: dict[int, lexicon.Entry] = {}
        if TEMPLATES[t].everyday:
            for j in range(k):
                if fams[j] != "neutral" and rng.random() < EVERYDAY_WITH_ACTION_P:
                    with_action[j] = plain_actions[int(rng.integers(len(plain_actions)))]
        new = render(t, new_fams, levels, rng, lexicon_slots={j: e.phrase for j, e in entries.items()},
                     adjectives=adjectives, with_action={j: a.phrase for j, a in with_action.items()})  # fmt: skip
        try:
            p = parse_instruction(new, place_unknown=False)
        except UserError:
            continue
        want = [tuple(x.phrase for x in (entries.get(j), with_action.get(j)) if x is not None) for j in range(k)]
        if p.emotions != new_fams or any(sorted(p.entries[j]) != sorted(want[j]) for j in range(k)) \
                or any(p.intensities[j] != levels[j] for j in range(k)):  # fmt: skip
            continue
        for j, e in entries.items():
            target = lexicon.anchor_expression(e.family, p.entries[j], 1.0)
            target = target * rng.uniform(0.9, 1.05) * (1 + rng.normal(0, 0.08, target.shape))
            expr[i, j] = np.clip(target, 0.0, 1.0)
            inten[i, j] = 1.0
        for j, a in with_action.items():
            if j not in entries:  # a basic word's clip frame with the action's shapes on top
                expr[i, j] = np.maximum(expr[i, j], lexicon.expression(a))
        text[i], tmpl[i] = new, t
        done += 1
    return done
