"""Placing words outside the vocabulary by meaning, with the offline sentence encoder.

When an instruction names no known expression, each of its content words (not a common instruction
word such as "make", "face", "photo") is embedded with all-MiniLM-L6-v2 (:mod:`emoshift.text.encoder`, in numpy,
mean-pooled, unit length) and compared with every wording emoshift knows: the lexicon's phrases and
alternatives (:mod:`emoshift.text.lexicon`) and the basic emotion words
(:func:`emoshift.emotions.word_table`). A word whose nearest known wording has cosine similarity at
least :data:`THRESHOLD` takes that wording's entry (or basic emotion) as its anchor; otherwise the
instruction is refused with one line naming the closest expressions emoshift knows.

:data:`THRESHOLD` was measured on words that are in neither list (``bench/bench_vocabulary.py
--calibrate`` prints the table): 63 rare synonyms of the eight families and 35 unrelated words and
gibberish. Unrelated words and gibberish reach at most 0.59 ("glorp" -> "gawp"); the 11 synonyms at
0.75 or above are all in the right family, while between 0.60 and 0.75 wrong families appear
("choleric" -> "chortle" 0.73). Below the threshold a word is refused rather than guessed: MiniLM
knows rare words poorly, so recall is low (11 of 63 here) and precision is what the threshold buys.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


THRESHOLD = 0.75
"""Cosine similarity a word needs to its nearest known wording to be placed (see the module docstring)."""

#: Common instruction words: never sent to the encoder, never an expression (the parser's slots skip them).
COMMON_WORDS = frozenset(
    "the this that these those from to into and then but his her their him them he she it its is are be was were "
    "been being make makes made turn turns change changes show shows look looks looking looked face faces photo "
    "photos person people expression expressions emotion emotions mood moods of with on at as in out up down "
    "for by an a let lets please can could would should will just now first finally next later last again "
    "man woman girl boy guy lady kid child someone somebody subject portrait picture image video animation "
    "animate render morph transform modify replace go goes going went start starts end ends ending become "
    "becomes becoming seem seems appear appears feel feels feeling give gives have has had do does did get gets "
    "very really slightly little bit while when after before until over there here who whose what which "
    "my your our me you we they i us one two three some any all more most less much many other another "
    "same each both either about like so too also only even still yet gradually slowly quickly suddenly "
    "moment time times second seconds way face's person's head eyes eye mouth lips lip brow brows".split()
)


@lru_cache(maxsize=1)
def _known() -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """((wording, family, lexicon phrase or ""), ...) and their (N, 384) unit embeddings."""
    from emoshift.emotions import word_table
    from emoshift.text import lexicon

    items: list[tuple[str, str, str]] = []
    for e in lexicon.entries():
        items += [(w, e.family, e.phrase) for w in e.wordings()]
    items += [(w, f, "") for w, f in word_table().items()]
    return items, embed([w for w, _, _ in items])


def embed(texts: list[str]) -> np.ndarray:
    """(N, D) float32 unit-length sentence embeddings (mean-pooled MiniLM token features)."""
    from emoshift.text.encoder import load_numpy_encoder, pooled_array

    v = pooled_array(*load_numpy_encoder().encode(list(texts)))
    return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def nearest(word: str, k: int = 3) -> list[tuple[str, str, str, float]]:
    """The ``k`` known wordings closest to ``word``: (wording, family, lexicon phrase or "", cosine), best first.

    Each lexicon entry and each word appears once (its best wording). A single word is compared with
    the single-word wordings only (an idiom's meaning is not its words': "moon" is not "over the moon").
    """
    items, bank = _known()
    sims = bank @ embed([word])[0]
    if " " not in word.strip():  # a single word is compared with single words: "moon" is not "over the moon"
        sims = np.where([" " in w for w, _, _ in items], -1.0, sims)
    out: list[tuple[str, str, str, float]] = []
    seen: set[str] = set()
    for j in np.argsort(-sims):
        w, fam, phrase = items[j]
        if w in seen or (phrase and phrase in seen):
            continue
        seen.update((w, phrase) if phrase else (w,))
        out.append((w, fam, phrase, float(sims[j])))
        if len(out) == k:
            break
    return out


def candidates(tokens: list[str], skip: frozenset[str] = frozenset()) -> list[str]:
    """Content words of an instruction worth placing: alphabetic, 3+ letters, not a common instruction word
    nor one of ``skip`` (the parser's sequence, intensity and negation words)."""
    skip = COMMON_WORDS | skip
    return [t for t in dict.fromkeys(tokens) if t.isalpha() and len(t) >= 3 and t not in skip]


def place(text: str, words: list[str]) -> tuple[list[tuple[str, tuple]], str]:
    """The ``words`` placed by meaning, in order: ``[(word, (phrase, family, entry, cosine)), ...]`` of those
    whose nearest expression is at least THRESHOLD close, and, for a message when none is, a line naming
    the closest expressions emoshift knows to the best word (or to the whole ``text``)."""
    placed, best = [], None
    for w in words:
        near = nearest(w)
        if best is None or near[0][3] > best[1][0][3]:
            best = (w, near)
        if near[0][3] >= THRESHOLD:
            placed.append((w, near[0]))
    if best is None:  # no content word of its own: name what the whole sentence is closest to
        best = (text, nearest(text))
    w, near = best
    return placed, unknown_message(w, [(n[0], n[1]) for n in near])


def unknown_message(word: str, closest: list[tuple[str, str]]) -> str:
    """The refusal of ``word``, naming the ``closest`` known wordings with their families."""
    names = ", ".join(f"{w} ({fam})" for w, fam in closest)
    return f"'{word}' is not an expression emoshift knows (closest: {names})"
