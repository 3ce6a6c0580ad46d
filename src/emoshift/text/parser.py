"""Deterministic reading of an instruction: which expressions, in which order, how strong.

The learned text encoder turns the sentence into features for the generator; this parser gives the
symbolic reading that the rest of the pipeline uses for labels, anchor names, the number of anchors
and checking user input. Rules:

- Expressions are found in sentence order. A phrase of the lexicon (:mod:`emoshift.text.lexicon`:
  mood words, facial actions, compound emotions; inflected, with possessives between its words:
  "glaring", "rolled her eyes", "puffs his cheeks", "happily surprised") wins over a single word; other
  emotion words are looked up with :func:`emoshift.emotions.emotion_from_word` ("joyful", "scared", ...).
- An intensity word up to two tokens before a mention (and after the previous one) scales it
  (:data:`INTENSITY_WORDS`): slight(ly) / a little / a bit / mildly 0.5, somewhat / moderately 0.75,
  very / really / strongly 1.2, extremely / intensely / utterly 1.4. Default 1.0; always 1.0 for the
  neutral family. A lexicon word's own strength ("jubilant") is in its expression, not in this scale.
- Negation and contrast: a mention right after a negation (:data:`NEGATIONS`: "not", "no longer",
  "never", "without", "instead of", "rather than", "neither/nor", "doesn't", ...; up to three filler
  words such as "very", "looking", "a" may sit between) is understood as what the face should *not*
  show and dropped: "not happy but angry" -> anger; "rather than sad, furious" -> anger; "instead of
  smiling, she frowns" -> anger. A sentence whose every expression is negated ("not happy") is refused
  with a message that names the negated word and what to ask instead.
- Mentions next to each other with no sequence word between them (:data:`SEQUENCE_WORDS`: "then",
  "to", "into", "becomes", ...) describe one moment and merge into one anchor when they share a family
  ("he smiles happily") or one of them is an action without emotion ("smiles and winks", "looks down
  sadly"); "from a smile to a grin" stays two anchors. A mood word right before an action modifies it
  ("a smug grin" is one contempt anchor) and so does an emotion adverb or "in/with + emotion" right
  after one ("she smiles sadly", "rolls her eyes in annoyance": one sadness, one anger anchor); the
  anchor shows both. At most three anchors remain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from emoshift.emotions import ADJECTIVES, EMOTIONS, emotion_from_word, word_table
from emoshift.io import UserError
from emoshift.text import lexicon

MAX_CHARS = 300
MAX_EMOTIONS = 3
WINDOW = 2  # an intensity word may sit this many tokens before its mention
NEG_REACH = 3  # filler words allowed between a negation and the mention it negates

INTENSITY_WORDS: dict[str, float] = {
    "slightly": 0.5, "slight": 0.5, "a little": 0.5, "a bit": 0.5, "a touch": 0.5, "mildly": 0.5, "mild": 0.5,
    "faintly": 0.5, "faint": 0.5, "subtly": 0.5, "subtle": 0.5, "barely": 0.5, "gently": 0.5, "gentle": 0.5,
    "somewhat": 0.75, "moderately": 0.75, "moderate": 0.75, "fairly": 0.75, "rather": 0.75,
    "very": 1.2, "really": 1.2, "strongly": 1.2, "strong": 1.2, "deeply": 1.2, "deep": 1.2, "truly": 1.2,
    "quite": 1.2, "clearly": 1.2, "big": 1.2, "broad": 1.2, "broadly": 1.2,
    "extremely": 1.4, "extreme": 1.4, "intensely": 1.4, "intense": 1.4, "incredibly": 1.4, "utterly": 1.4,
    "totally": 1.4, "completely": 1.4, "absolutely": 1.4, "overwhelmingly": 1.4, "terribly": 1.4,
    "hugely": 1.4, "wildly": 1.4, "super": 1.4, "immensely": 1.4, "utter": 1.4, "sheer": 1.4, "total": 1.4,
    "pure": 1.2,
}  # fmt: skip
NEGATIONS = ("not", "no longer", "never", "without", "no", "isn't", "aren't", "wasn't", "weren't", "stop", "stops",
             "stopped", "instead of", "rather than", "neither", "nor", "doesn't", "don't", "didn't", "won't",
             "can't", "cannot", "shouldn't", "hardly")  # fmt: skip
# words that may sit between a negation and what it negates ("not LOOKING happy", "without A smile")
_NEG_FILLER = frozenset(
    "a an the his her their its my your our one's at all any so too be being been look looks looking feel feels "
    "feeling seem seems seeming appear appears act acts acting show shows showing make makes making him them "
    "become becomes becoming getting get gets".split()
) | frozenset(INTENSITY_WORDS)
SEQUENCE_WORDS = frozenset(
    "then to into later next finally become becomes becoming turn turns turning turned until before after "
    "afterwards eventually end ends ending ended shift shifts shifting change changes changing transition "
    "transitions transitioning between followed first last suddenly moment goes go going went over from but "
    "now again soon morph morphs morphing".split()
)

# common English words: a sentence of 3+ words with none of these and no emotion word is taken as not English
_ENGLISH = frozenset(
    "the this that from to into and then but his her their him them he she it is are be was make turn change "
    "show look looks face expression photo person first finally now of with on at as in up down out an so "
    "very not for like all".split()
)
_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F\u0370-\uFFFF]+(?:-[A-Za-z]+)*(?:['\u2019][a-z]+)?")
_TOKEN_OR_STOP = re.compile(_TOKEN.pattern + r"|[,;:.!?]")
STOPS = frozenset(",;:.!?")
#: Politeness, not a mood: "please" shares its stem with "pleased" (happiness).
POLITE = frozenset({"please", "pls", "plz", "kindly"})
# what to suggest when the only expression named is negated
_INSTEAD = {"happiness": "sad", "sadness": "happy", "anger": "calm", "fear": "calm", "surprise": "neutral",
            "disgust": "pleased", "contempt": "friendly", "neutral": "happy"}  # fmt: skip


@dataclass
class ParsedInstruction:
    """What an instruction asks for.

    emotions: 1..3 families from :data:`emoshift.emotions.EMOTIONS`, one per anchor, in order (may include "neutral").
    intensities: one scale per anchor (1.0 default; see :data:`INTENSITY_WORDS`).
    words: the words that named each anchor (for messages, labels and per-anchor text spans): the
        mentions merged into it, joined ("rolled her eyes", "smiles happily", "smug grin").
    entries: per anchor, the lexicon phrases it was named by (:func:`emoshift.text.lexicon.get`), empty
        when only basic emotion words named it; :func:`emoshift.text.lexicon.anchor_expression`
        turns an anchor into its target expression.
    negated: the negated words ("happy" of "not happy but angry"), in order.
    """

    emotions: list[str]
    intensities: list[float]
    words: list[str] = field(default_factory=list)
    text: str = ""
    entries: list[tuple[str, ...]] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)


@dataclass
class _Mention:
    start: int
    end: int  # token index after the mention
    family: str
    entry: lexicon.Entry | None
    word: str
    scale: float = 1.0
    negated: bool = False

    @property
    def neutral_action(self) -> bool:
        return self.entry_kind == "action" and self.family == "neutral"

    @property
    def entry_kind(self) -> str:
        return self.entry.kind if self.entry is not None else "basic"


def _known_word(word: str) -> bool:
    return emotion_from_word(word) is not None or lexicon.stem(word) in lexicon.patterns()


def _tokens(text: str) -> list[str]:
    """Lower-case word tokens with multi-word modifiers joined ("a little" -> one token, "rather than" -> one).

    A hyphenated word stays one token when it is a known word ("open-mouthed", "grossed-out"), otherwise
    it is split ("half-smile" -> "half", "smile"). Punctuation that separates clauses (, ; : . ! ?) is
    kept as a token: phrases, negations and modifiers do not reach across it.
    """
    raw: list[str] = []
    for t in _TOKEN_OR_STOP.findall(text):
        t = t.lower().replace("\u2019", "'")
        raw += [t] if "-" not in t or _known_word(t) else [p for p in t.split("-") if p]
    out: list[str] = []
    i = 0
    while i < len(raw):
        pair = " ".join(raw[i : i + 2])
        if pair in NEGATIONS or pair in INTENSITY_WORDS:
            out.append(pair)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return out


def _stems(toks: list[str]) -> list[str | None]:
    """Per token: its lexicon stem, "one" for a/an/one counting a brow or eye, None for a filler word."""
    out: list[str | None] = []
    for i, t in enumerate(toks):
        if t in STOPS:
            out.append(t)
        elif lexicon.one_marker(toks, i):
            out.append("one")
        elif t in lexicon.FILLERS or " " in t:
            out.append(None)
        else:
            out.append(lexicon.stem(t))
    return out


def _match(stems: list[str | None], i: int) -> tuple[lexicon.Entry, int, int] | None:
    """The longest lexicon wording starting at token ``i`` (up to two fillers between its words):
    (entry, end token, number of words matched)."""
    if stems[i] is None:
        return None
    for pattern, entry in lexicon.patterns().get(stems[i], ()):
        j, ok = i + 1, True
        for want in pattern[1:]:
            skipped = 0
            while j < len(stems) and stems[j] is None and skipped < 2:
                j, skipped = j + 1, skipped + 1
            if j >= len(stems) or stems[j] != want:
                ok = False
                break
            j += 1
        if ok:
            return entry, j, len(pattern)
    return None


def _best_match(stems: list[str | None], i: int) -> tuple[lexicon.Entry, int] | None:
    """:func:`_match` at ``i``, unless a longer wording starts inside it and runs past its end
    ("looks DOWN IN THE DUMPS" is one mood, not "look down")."""
    m = _match(stems, i)
    if m is None:
        return None
    for j in range(i + 1, m[1]):
        other = _match(stems, j)
        if other is not None and other[1] > m[1] and other[2] > m[2]:
            return None
    return m[0], m[1]


@lru_cache(maxsize=1)
def _basic_stems() -> dict[str, str]:
    """Stem -> emotion of the basic emotion words (:func:`emoshift.emotions.word_table`), for inflections
    the table does not list ("frightens", "disgusts"); stems shared by two emotions are left out."""
    out: dict[str, str] = {}
    clash: set[str] = set()
    for w, emo in word_table().items():
        st = lexicon.stem(w)
        if out.get(st, emo) != emo:
            clash.add(st)
        out[st] = emo
    return {k: v for k, v in out.items() if k not in clash and len(k) > 3}


def _mentions(toks: list[str]) -> list[_Mention]:
    stems = _stems(toks)
    found: list[_Mention] = []
    i = 0
    while i < len(toks):
        if toks[i] in POLITE:
            i += 1
            continue
        m = _best_match(stems, i)
        if m is not None:
            entry, end = m
            found.append(_Mention(i, end, entry.family, entry, " ".join(toks[i:end])))
            i = end
            continue
        emo = emotion_from_word(toks[i]) or _basic_stems().get(lexicon.stem(toks[i]))
        if emo is not None:
            found.append(_Mention(i, i + 1, emo, None, toks[i]))
        i += 1
    _mark(toks, found)
    return found


def _mark(toks: list[str], found: list[_Mention]) -> None:
    """Set each mention's intensity scale and negation from the tokens before it."""
    prev_end = 0
    for m in found:
        before = toks[max(prev_end, m.start - WINDOW) : m.start]
        for b in reversed(before):  # the nearest intensity word, not reaching past another mention
            if b in INTENSITY_WORDS:
                m.scale = INTENSITY_WORDS[b]
                break
        j, gap = m.start - 1, 0
        while j >= prev_end and gap <= NEG_REACH:
            if toks[j] in NEGATIONS:
                m.negated = True
                break
            if toks[j] not in _NEG_FILLER:
                break
            j, gap = j - 1, gap + 1
        if m.family == "neutral":
            m.scale = 1.0
        prev_end = m.end


def _merge(toks: list[str], kept: list[_Mention]) -> list[tuple[str, list[_Mention]]]:
    """Group mentions of one moment into anchors: (family, mentions) in order (see the module docstring)."""
    groups: list[tuple[str, list[_Mention]]] = []
    for m in kept:
        if groups:
            fam, members = groups[-1]
            last = members[-1]
            between = toks[last.end : m.start]
            modifier = not between and last.entry_kind != "action" and m.entry_kind == "action" and fam != "neutral"
            adverb = last.entry_kind == "action" and m.entry_kind != "action" and _manner(between, m)
            same = fam == m.family or m.neutral_action or all(x.neutral_action for x in members)
            if modifier or adverb or (same and not SEQUENCE_WORDS.intersection(between)):
                members.append(m)
                if adverb or (not modifier and all(x.neutral_action for x in members[:-1])):
                    groups[-1] = (m.family, members)
                continue
        groups.append((m.family, [m]))
    return groups


def _manner(between: list[str], m: _Mention) -> bool:
    """Does ``m`` say how the action before it is done: an adverb right after it ("smiles sadly") or
    "in" / "with" + an emotion ("rolls her eyes in annoyance", "gasps with utter horror")?"""
    if not between:
        return m.entry is None and m.word.endswith("ly")
    return between[0] in ("in", "with") and all(b in INTENSITY_WORDS or b in _MANNER_FILLER for b in between[1:])


_MANNER_FILLER = frozenset("a an".split())


def _looks_english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    foreign = sum(1 for c in letters if not c.isascii())
    return foreign / len(letters) <= 0.2


def known_words_hint() -> str:
    """A one-line list of the emotion words the parser understands (the main adjective of each) and examples."""
    return ", ".join(ADJECTIVES[e][0] for e in EMOTIONS) + (
        " (synonyms such as joyful, uneasy, jubilant; actions such as glare, grin, wink, roll the eyes)"
    )


def _placed(text: str, toks: list[str]) -> ParsedInstruction:
    """The instruction's unknown words placed by meaning (:mod:`emoshift.text.placement`), in order, or a
    UserError naming the closest expressions emoshift knows."""
    from emoshift.text.placement import candidates, place

    skip = SEQUENCE_WORDS | frozenset(INTENSITY_WORDS) | frozenset(NEGATIONS)
    placed, closest = place(text, candidates(toks, skip))
    if not placed:
        raise UserError(f"no emotion found in the instruction: {closest}; use words like {known_words_hint()}")
    placed = placed[:MAX_EMOTIONS]
    return ParsedInstruction(
        emotions=[n[1] for _, n in placed], intensities=[1.0] * len(placed), words=[w for w, _ in placed], text=text,
        entries=[(n[2],) if n[2] else () for _, n in placed], negated=[],
    )  # fmt: skip


def _negation_message(negated: list[_Mention]) -> str:
    words = " and ".join(f"'{m.word}'" for m in negated[:2])
    fams = {m.family for m in negated}
    instead = _INSTEAD[negated[0].family]
    if emotion_from_word(instead) in fams:
        instead = "neutral" if "neutral" not in fams else "happy"
    return (f"{words} {'was' if len(negated) == 1 else 'were'} understood as negated (the face should not show "
            f"{' or '.join(sorted(fams))}); emoshift animates what the face does show, so name that instead, "
            f"e.g. 'make him look {instead}'")  # fmt: skip


def parse_instruction(text: str, place_unknown: bool = True) -> ParsedInstruction:
    """Read the expressions and intensities an instruction names.

    >>> parse_instruction("Turn this face from slightly sad to extremely happy.").intensities
    [0.5, 1.4]
    >>> parse_instruction("Instead of smiling, she rolls her eyes.").entries
    [('roll the eyes',)]

    ``place_unknown``: when no known expression is named, words outside the vocabulary are placed by
    meaning with the sentence encoder (:mod:`emoshift.text.placement`) if it is confident.

    Raises:
        UserError: empty, longer than 300 characters, not English, naming no known expression (with
            the closest ones emoshift knows), only negated expressions, or more than three.
    """
    if not isinstance(text, str) or not text.strip():
        raise UserError("the instruction is empty; describe the expressions, e.g. 'Turn this face from sadness to joy'")
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        raise UserError(f"the instruction is {len(text)} characters long; keep it to {MAX_CHARS} at most")
    if not _looks_english(text):
        raise UserError("the instruction does not look like English; emoshift understands English instructions only")
    toks = _tokens(text)
    found = _mentions(toks)
    kept = [m for m in found if not m.negated]
    negated = [m for m in found if m.negated]
    if not found and len([t for t in toks if t not in STOPS]) >= 3 and not _ENGLISH.intersection(toks):
        raise UserError("the instruction does not look like English; emoshift understands English instructions only")
    if not kept and negated:
        raise UserError(_negation_message(negated))
    if not kept:
        if place_unknown:
            return _placed(text, toks)
        raise UserError(f"no emotion found in the instruction; use words like {known_words_hint()}")
    groups = _merge(toks, kept)
    if len(groups) > MAX_EMOTIONS:
        names = " -> ".join(fam for fam, _ in groups)
        raise UserError(f"the instruction names {len(groups)} emotions ({names}); at most {MAX_EMOTIONS} are supported")
    scales = [1.0 if fam == "neutral" else next((m.scale for m in g if m.scale != 1.0), 1.0) for fam, g in groups]
    return ParsedInstruction(
        emotions=[fam for fam, _ in groups], intensities=scales, words=[" ".join(m.word for m in g) for _, g in groups], text=text,
        entries=[tuple(dict.fromkeys(m.entry.phrase for m in g if m.entry is not None)) for _, g in groups],
        negated=[m.word for m in negated],
    )  # fmt: skip
