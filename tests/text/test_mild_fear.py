"""Weak fear words stay fear (issue 13, session 12): a fear word below the apex ("timid" 0.5, "cower" 0.75)
keeps fear's brows drawn together (AU4) and lips stretched (AU20) instead of fading into a faint surprise
(emotions.MILD_KEEP_AUS, emotions.scale_display); "shriek" screams with fear's flat brows and stretched lips
over a part-dropped jaw, and "stern" shows its pressed-lip anger at 0.75 (lexicon.txt).

Thresholds come from the measured values in the docstrings with a margin; each test has a control that
fails it: session 11's uniform scaling of the family display, shriek's and stern's former lexicon rows,
surprise's anchors.
"""

import numpy as np
import pytest

from emoshift import emotions as em
from emoshift.text import lexicon


@pytest.fixture(scope="module")
def measure(grey_measure):
    """expression (53,) -> (mouth widening, inner-brow gap change) in eye-corner distances of the neutral head
    (conftest's grey_measure, as tests/emotions/test_fear_vs_surprise)."""
    return lambda e: grey_measure(e)[::2]


def _uniform_target(entry, scale):
    """Session 11's anchor target: the family display scaled uniformly (the control)."""
    own = lexicon.expression(entry, scale)
    raw = lexicon.au_expression(entry.aus)
    protos = em.display_prototypes(entry.family, open_jaw=bool(raw[em.EXPRESSION_NAMES.index("jawOpen")] >= em.OPEN_JAW))
    shown = protos[int(np.argmax(protos @ raw / (np.linalg.norm(protos, axis=1) * np.linalg.norm(raw) + 1e-9)))]
    return np.maximum(own, np.clip(shown * entry.intensity * scale, 0.0, 1.0))


WEAK_FEAR = [e for e in lexicon.entries(family="fear") if e.kind != "compound" and e.intensity < 1.0]


def test_scale_display_keeps_fear_brows_and_stretch_and_leaves_the_apex_alone():
    """At 1 (the bare word's apex) and above, every display is the prototype times the strength; below 1
    only fear's AU4 / AU20 shapes (browDown, mouthStretch) scale with sqrt(strength). Control: at 0.5 fear's
    display differs from the uniform one in exactly those four shapes."""
    for emotion in em.EMOTIONS[1:]:
        for v in range(em.n_variants(emotion)):
            p = em.prototype(emotion, v)
            for s in (1.0, 1.2, 1.4):
                np.testing.assert_allclose(em.scale_display(emotion, p, s), em.prototype(emotion, v, s), atol=1e-6)
            if emotion != "fear":
                np.testing.assert_allclose(em.scale_display(emotion, p, 0.5), em.prototype(emotion, v, 0.5), atol=1e-6)
    p = em.prototype("fear", 0)
    changed = np.flatnonzero(np.abs(em.scale_display("fear", p, 0.5) - p * 0.5) > 1e-6)
    assert sorted(em.EXPRESSION_NAMES[i] for i in changed) == [
        "browDown_L", "browDown_R", "mouthStretch_L", "mouthStretch_R"]


def test_weak_fear_words_keep_fear_brows_and_stretched_lips(measure):
    """Each fear word below 1 (wary, timid, uneasy, ..., cringe/cower, flinch, bite the lip): its anchor
    target (what the generator learns and its anchor check compares with) widens the mouth by >= 0.12
    eye-corner distances (measured 0.137-0.169) and draws the inner brows >= 0.015 together (-0.021 to
    -0.024); said "slightly" (parsed scale 0.5): >= 0.08 and >= 0.015 (0.099-0.122, -0.017 to -0.020).
    Surprise part the brows (+0.013 to +0.027) and narrows the mouth. Control: session 11's uniform
    scaling gives "timid", "wary" and "bite the lip" 0.094-0.105 and -0.011 to -0.013 at 1, and
    0.047-0.073 with -0.006 to -0.009 at 0.5."""
    assert len(WEAK_FEAR) >= 8
    for e in WEAK_FEAR:
        for scale, widen in ((1.0, 0.12), (0.5, 0.08)):
            w, b = measure(lexicon.anchor_expression("fear", (e.phrase,), scale))
            assert w >= widen and b <= -0.015, (e.phrase, scale, w, b)
    failing = []
    for e in WEAK_FEAR:
        w, b = measure(_uniform_target(e, 1.0))
        if w < 0.12 or b > -0.015:
            failing.append(e.phrase)
    assert {"timid", "wary", "bite the lip"} <= set(failing), failing
    assert all(measure(_uniform_target(e, 0.5))[1] > -0.015 for e in WEAK_FEAR)


def test_judge_reads_shriek_timid_cower_and_stern_targets_in_their_family():
    """The shipped judge (emoshift.eval.judge) on the mean head reads the anchor targets of "timid",
    "cringe" (alternative "cower"), "shriek" and "stern" as fear / fear / fear / anger, with the family's
    probability >= 0.5 above the runner-up (measured 0.74, 0.93, 0.84, 0.97; by session 12's judge 0.93, 0.98,
    0.86, 0.93); "stern" at 85% of its target
    too (the shortfall of session 11's generated stern anchors, 0.85-0.88 of the target; 0.94). Controls:
    session 11's targets fail: uniform "timid" (surprise 0.56 / fear 0.41; by session 12's judge fear 0.79 /
    surprise 0.17, 0.31 below the target's margin of 0.93), the former shriek's own AUs
    1D+2D+4C+5D+20D+27D x 1.4 (surprise 0.65 / fear 0.33: the outer brows up, the jaw fully dropped), and
    stern at 0.5 at 85% (anger 0.67 / neutral 0.30)."""
    import torch

    from emoshift.eval.judge import ShapeJudge
    from emoshift.eval.shapes import ShapeRenderer

    judge, renderer = ShapeJudge.load_default(), ShapeRenderer()

    def margin(ex, family):
        ex = np.atleast_2d(np.asarray(ex, np.float32))
        p = torch.softmax(judge.logits(renderer.render(np.zeros((len(ex), 50), np.float32), ex)), -1).numpy()
        k = em.EMOTION_INDEX[family]
        return p[:, k] - np.delete(p, k, axis=1).max(1)

    words = ("timid", "cringe", "shriek", "stern")
    targets = [lexicon.anchor_expression(lexicon.get(w).family, (w,)) for w in words]
    targets.append(0.85 * lexicon.anchor_expression("anger", ("stern",)))
    got = margin(np.stack(targets), "fear")[:3].tolist() + margin(np.stack(targets[3:]), "anger").tolist()
    assert min(got) >= 0.5, dict(zip((*words, "stern x0.85"), got))

    stern = lexicon.get("stern")
    closed = em.display_prototypes("anger", open_jaw=False)[0]
    old_stern = np.maximum(lexicon.au_expression(stern.aus) * 0.5, np.clip(closed * 0.5, 0, 1))
    old_shriek = np.clip(lexicon.au_expression("1D+2D+4C+5D+20D+27D") * 1.4, 0.0, 1.0)
    # the judge retrained in session 12 (anger's squared shout) reads the uniform "timid" as fear 0.79 /
    # surprise 0.17 (margin 0.62; session 11's judge: surprise 0.56 / fear 0.41): the control is now that it
    # stays well below the target's margin (0.93), by at least 0.2
    assert margin(_uniform_target(lexicon.get("timid"), 1.0), "fear")[0] < got[0] - 0.2
    assert margin(old_shriek, "fear")[0] < 0.5
    assert margin(0.85 * old_stern, "anger")[0] < 0.5


def test_shipped_generator_cowers_and_timid_anchors_stay_fear(measure):
    """The shipped generator's fear anchors of the dev set's "He cowers in the corner." and "First she is
    timid, then she turns defiant." (seeds 0-7) widen the mouth by >= 0.09 eye-corner distances and draw the
    inner brows together, each seed by >= 0.008 and >= 0.012 on average (session 19's weights: 0.146-0.179
    with the brows -0.021, and 0.131-0.169 with -0.010 to -0.015, mean -0.0135; session 12's 0.117-0.188 with
    -0.028 to -0.018, and 0.120-0.167 with -0.013 to -0.017; the judge read session 12's fear 0.94 and
    0.64-0.68). Session 11's weights, trained on the uniformly scaled targets, fail: 0.061-0.191 with the
    brows up to +0.003 apart, and 0.060-0.064 with -0.010 to -0.008 (read as surprise). Control: the surprise
    anchors of "She gasps in surprise." fail both (-0.049 to -0.015, +0.025 to +0.027 apart)."""
    from emoshift.models.generator import Generator, default_checkpoint_path

    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint")
    gen = Generator.load_default()

    def anchors(text):
        return [measure(gen.generate(text, seed=s)[0].expressions[0]) for s in range(8)]

    for text in ("He cowers in the corner.", "First she is timid, then she turns defiant."):
        got = anchors(text)
        for seed, (w, b) in enumerate(got):
            assert w >= 0.09 and b <= -0.008, (text, seed, w, b)
        assert np.mean([b for _, b in got]) <= -0.012, (text, got)
    assert all(w < 0.09 and b > -0.008 for w, b in anchors("She gasps in surprise."))
