"""Deterministic reading of an instruction: which emotions, in which order, how strong.

The learned text encoder turns the sentence into features for the generator; this parser gives the
symbolic reading that the rest of the pipeline uses for labels, anchor names, the number of anchors
and checking user input. Rules:

- Emotion words are looked up with :func:`emoshift.emotions.emotion_from_word` (synonyms and word
  forms: "joyful", "smiling", "scared", "furious", "smirk", ...), in sentence order.
- An intensity word up to two tokens before an emotion word (and after the previous one) scales it (:data:`INTENSITY_WORDS`):
  slight(ly) / a little / a bit / mildly 0.5, somewhat / moderately 0.75, very / really / strongly
  1.2, extremely / intensely / utterly 1.4. Default 1.0.
- A negated emotion word ("not", "no longer", "never", "without" just before it) is ignored.
- Adjacent mentions of the same emotion merge ("he smiles happily" is one emotion); at most three
  emotions remain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from emoshift.emotions import ADJECTIVES, EMOTIONS, emotion_from_word
from emoshift.io import UserError

MAX_CHARS = 300
MAX_EMOTIONS = 3
WINDOW = 2  # an intensity word may sit this many tokens before its emotion word

INTENSITY_WORDS: dict[str, float] = {
    "slightly": 0.5, "slight": 0.5, "a little": 0.5, "a bit": 0.5, "a touch": 0.5, "mildly": 0.5, "mild": 0.5,
    "faintly": 0.5, "faint": 0.5, "subtly": 0.5, "subtle": 0.5, "barely": 0.5, "gently": 0.5, "gentle": 0.5,
    "somewhat": 0.75, "moderately": 0.75, "moderate": 0.75, "fairly": 0.75, "rather": 0.75,
    "very": 1.2, "really": 1.2, "strongly": 1.2, "strong": 1.2, "deeply": 1.2, "deep": 1.2, "truly": 1.2,
    "quite": 1.2, "clearly": 1.2, "big": 1.2, "broad": 1.2, "broadly": 1.2,
    "extremely": 1.4, "extreme": 1.4, "intensely": 1.4, "intense": 1.4, "incredibly": 1.4, "utterly": 1.4,
    "totally": 1.4, "completely": 1.4, "absolutely": 1.4, "overwhelmingly": 1.4, "terribly": 1.4,
    "hugely": 1.4, "wildly": 1.4, "super": 1.4, "immensely": 1.4,
}  # fmt: skip
NEGATIONS = ("not", "no longer", "never", "without", "no", "isn't", "aren't", "wasn't", "stop", "stops")

# common English words: a sentence of 3+ words with none of these and no emotion word is taken as not English
_ENGLISH = frozenset(
    "the this that from to into and then but his her their him them he she it is are be was make turn change "
    "show look looks face expression photo person first finally now of with on at as".split()
)
_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F\u0370-\uFFFF]+(?:'[a-z]+)?")


@dataclass
class ParsedInstruction:
    """What an instruction asks for.

    emotions: 1..3 emotion names from :data:`emoshift.emotions.EMOTIONS`, in order (may include "neutral").
    intensities: one scale per emotion (1.0 default; see :data:`INTENSITY_WORDS`).
    words: the words that named each emotion (for messages and labels).
    """

    emotions: list[str]
    intensities: list[float]
    words: list[str] = field(default_factory=list)
    text: str = ""


def _tokens(text: str) -> list[str]:
    """Lower-case word tokens with multi-word modifiers joined ("a little" -> one token)."""
    raw = [t.lower() for t in _TOKEN.findall(text)]
    out: list[str] = []
    i = 0
    while i < len(raw):
        pair = " ".join(raw[i : i + 2])
        if pair in INTENSITY_WORDS or pair in NEGATIONS:
            out.append(pair)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return out


def _looks_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for c in letters if not c.isascii())
    return foreign / len(letters) <= 0.2


def known_words_hint() -> str:
    """A one-line list of the emotion words the parser understands (the main adjective of each)."""
    return ", ".join(ADJECTIVES[e][0] for e in EMOTIONS) + " (and synonyms such as joyful, furious, scared, smirking)"


def parse_instruction(text: str) -> ParsedInstruction:
    """Read the emotions and intensities an instruction names.

    >>> parse_instruction("Turn this face from slightly sad to extremely happy.").intensities
    [0.5, 1.4]

    Raises:
        UserError: empty, longer than 300 characters, not English, or naming no known emotion.
    """
    if not isinstance(text, str) or not text.strip():
        raise UserError("the instruction is empty; describe the expressions, e.g. 'Turn this face from sadness to joy'")
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        raise UserError(f"the instruction is {len(text)} characters long; keep it to {MAX_CHARS} at most")
    if not _looks_english(text):
        raise UserError("the instruction does not look like English; emoshift understands English instructions only")
    toks = _tokens(text)
    found: list[tuple[str, float, str]] = []
    for i, tok in enumerate(toks):
        emo = emotion_from_word(tok)
        if emo is None:
            continue
        before = toks[max(0, i - WINDOW) : i]
        negated = bool(before) and before[-1] in NEGATIONS
        negated |= len(before) == 2 and before[0] in NEGATIONS and before[1] in INTENSITY_WORDS  # "not very"
        if negated:
            continue
        scale = 1.0
        for b in reversed(before):  # the nearest intensity word, not reaching past another emotion word
            if b in INTENSITY_WORDS:
                scale = INTENSITY_WORDS[b]
                break
            if emotion_from_word(b):
                break
        if emo == "neutral":
            scale = 1.0
        if found and found[-1][0] == emo:
            if scale != 1.0 and found[-1][1] == 1.0:
                found[-1] = (emo, scale, found[-1][2])
            continue
        found.append((emo, scale, tok))
    if not found and len(toks) >= 3 and not _ENGLISH.intersection(toks):
        raise UserError("the instruction does not look like English; emoshift understands English instructions only")
    if not found:
        raise UserError(f"no emotion found in the instruction; use words like {known_words_hint()}")
    if len(found) > MAX_EMOTIONS:
        names = " -> ".join(f[0] for f in found)
        raise UserError(f"the instruction names {len(found)} emotions ({names}); at most {MAX_EMOTIONS} are supported")
    return ParsedInstruction([f[0] for f in found], [f[1] for f in found], [f[2] for f in found], text)
