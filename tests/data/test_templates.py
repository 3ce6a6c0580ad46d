import numpy as np
import pytest

from emoshift.data.templates import (
    EVERYDAY_ADJECTIVES, INTENSITY_ADJECTIVES, INTENSITY_ADVERBS, INTENSITY_LEVELS, TEMPLATES, everyday_ids, render,
    template_ids,
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


def test_everyday_templates_stay_out_of_the_first_draw_and_the_held_out_set():
    """Everyday verb templates are training-only and only reached through everyday_ids (so the presets'
    first draw, and with it their splits, does not change with them)."""
    every = {i for i, t in enumerate(TEMPLATES) if t.everyday}
    assert len(every) >= 12 and not any(TEMPLATES[i].held_out for i in every)
    for k in (1, 2, 3):
        assert not every & set(template_ids(k, False)) and not every & set(template_ids(k, True))
        assert every & set(everyday_ids(k)) and set(template_ids(k, False)) <= set(everyday_ids(k))


def test_everyday_adjectives_and_lexicon_slots_read_back():
    """A slot worded with an everyday adjective reads back to its emotion with no lexicon entry; a
    lexicon slot in a verb template reads back to its entry."""
    from emoshift.text import lexicon

    rng = np.random.default_rng(3)
    verb2 = [i for i in everyday_ids(2) if TEMPLATES[i].everyday]
    for fam, words in EVERYDAY_ADJECTIVES.items():
        other = "anger" if fam != "anger" else "happiness"
        for w in words:
            level = 1.0 if fam == "neutral" else 1.2
            text = render(int(rng.choice(verb2)), [fam, other], [level, 1.0], rng, adjectives={0: w})
            p = parse_instruction(text, place_unknown=False)
            assert p.emotions == [fam, other] and p.intensities[0] == level and not p.entries[0], text
    for e in lexicon.entries(kind="action")[:20]:
        other = "sadness" if e.family != "sadness" else "happiness"
        text = render(int(rng.choice(verb2)), [other, e.family], [1.0, 1.0], rng, lexicon_slots={1: e.phrase})
        p = parse_instruction(text, place_unknown=False)
        assert p.emotions == [other, e.family] and e.phrase in p.entries[1], text
