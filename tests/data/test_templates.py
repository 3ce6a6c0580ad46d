import numpy as np
import pytest

from emoshift.data.templates import (
    INTENSITY_ADJECTIVES, INTENSITY_ADVERBS, INTENSITY_LEVELS, TEMPLATES, render, template_ids,
)  # fmt: skip
from emoshift.emotions import EMOTIONS
from emoshift.text.parser import INTENSITY_WORDS, parse_instruction


def test_paper_templates_present():
    texts = [t.text for t in TEMPLATES]
    for phrase in ("Turn this face from {N1} to {N2}.", "Modify this face, changing it from {N1} to {N2}.",
                   "Replace this face from {N1} to {N2}.", "{He} seems {A1}, but suddenly becomes {A2}."):
        assert phrase in texts
    assert sum(t.source == "paper Table I" for t in TEMPLATES) == 5


def test_every_slot_count_has_seen_and_held_out_templates():
    for k in (1, 2, 3):
        seen, held = template_ids(k, False), template_ids(k, True)
        assert len(seen) and len(held) and not set(seen) & set(held)


def test_intensity_vocab_agrees_with_parser():
    for table in (INTENSITY_ADVERBS, INTENSITY_ADJECTIVES):
        for level, words in table.items():
            for w in words:
                assert INTENSITY_WORDS[w] == level


@pytest.mark.parametrize("tid", range(len(TEMPLATES)))
def test_rendered_instruction_reads_back(tid):
    """Each template, with all emotions, pronouns and intensity levels, parses back to its labels."""
    rng = np.random.default_rng(tid)
    k = TEMPLATES[tid].n_slots
    for trial in range(60):
        emos = list(rng.choice(EMOTIONS, size=k, replace=False))
        levels = [1.0 if e == "neutral" else float(rng.choice((1.0, *INTENSITY_LEVELS))) for e in emos]
        text = render(tid, emos, levels, rng)
        assert "{" not in text and text[0].isupper()
        p = parse_instruction(text)
        assert p.emotions == emos, text
        assert p.intensities == levels, text


def test_render_rejects_mismatch():
    with pytest.raises(ValueError):
        render(0, ["happiness"], [1.0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="neutral"):
        render(0, ["neutral", "anger"], [0.5, 1.0], np.random.default_rng(0))
