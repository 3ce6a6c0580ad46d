"""Reading a misspelt expression word as the word meant ("hapy" -> "happy", "suprised" -> "surprised").

A word is read as a typo of a known word when it is not itself an English word (a whole word of the
MiniLM tokenizer's vocabulary or an inflection of one, :func:`is_english`: "pink" stays "pink", not
"wink"; "shading" is not "hating") and is within :func:`limit` edits of a known word (Damerau-Levenshtein,
adjacent swaps count one: "hpapy"): 1 for words of 4 to 6 letters, 2 for longer ones, none for shorter
ones. The nearest known words must all belong to one emotion family ("furiuos" is 1 edit from "furious"
and 2 from "curious": furious); otherwise the word is ambiguous ("grimn": "grim", anger, and "grin",
happiness, both 1 edit away) and is read as neither: it stays an unknown word, placed by meaning or
refused naming both.
The parser (:mod:`emoshift.text.parser`) supplies the known words with the family it reads each as.
"""

from __future__ import annotations

from functools import lru_cache


def distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment): "hapy"/"happy" 1, "hpapy"/"happy" 1."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def limit(word: str) -> int:
    """Edits a word of this length may be away from the word meant: 0 below 4 letters, 1 up to 6, else 2."""
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole words of the MiniLM tokenizer's vocabulary (lower case, letters only): real English words."""
    from emoshift.text.encoder import minilm_dir

    lines = (minilm_dir() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in lines if w.isalpha() and w.isascii())


def is_english(word: str) -> bool:
    """Is ``word`` an English word: a whole word of the MiniLM vocabulary (:func:`english_words`), or an
    inflection of one ("shading" of "shade", "thinned" of "thin", "fitter" of "fit", "scarred" of "scar")?"""
    vocab, bases = english_words(), {word}
    for suffix in ("ed", "ing", "er", "est", "s", "es", "ly"):
        b = word[: -len(suffix)]
        if word.endswith(suffix) and len(b) >= 3:
            bases |= {b, b + "e"} if suffix[0] == "e" or suffix == "ing" else {b}
            if b[-1] == b[-2] and b[-3] in "aeiou" and suffix in ("ed", "ing", "er", "est"):
                bases.add(b[:-1])  # "thinned", not "disgustted"
            if b[-1] == "i":
                bases.add(b[:-1] + "y")  # "worried"
    return not bases.isdisjoint(vocab)


def neighbours(word: str, known: dict[str, str]) -> list[tuple[int, str, str]]:
    """The known words (``known``: word -> family) within :func:`limit` edits of ``word``: (edits, word,
    family), nearest first."""
    n = limit(word)
    near = [(distance(word, w), w, fam) for w, fam in known.items() if abs(len(w) - len(word)) <= n]
    return sorted(x for x in near if x[0] <= n)


def misspelt(word: str, known: dict[str, str]) -> list[tuple[int, str, str]]:
    """The known words ``word`` may be a misspelling of: its nearest :func:`neighbours` ([] for a known word,
    an English word or one with none). One family among them: ``word`` is read as the first; more: ambiguous."""
    near = [] if word in known else neighbours(word, known)
    if not near or is_english(word):
        return []
    return [x for x in near if x[0] == near[0][0]]
