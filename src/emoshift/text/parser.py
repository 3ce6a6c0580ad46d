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
- Typos and unknown words: a word that is not an English word and is one or two edits from a known
  expression word of a single family (:mod:`emoshift.text.spelling`: "hapy", "suprised", "furiuos") is
  read as that word where an expression may stand (:func:`_typo_slots`: after "from", "to", "then", "is",
  "look", an intensity word, ...), and the reading says so (:attr:`ParsedInstruction.read_as`). A word
  that stands where an expression is expected (:func:`_expression_slots`: the X and Y of "from X to Y",
  a bare "X then Y" / "X -> Y", "turn ... into Y", "look Y" ending a clause, a lone word) and
  is still unknown is placed by meaning (:mod:`emoshift.text.placement`) or refused naming it and the
  closest known words; it is never dropped ("from sad to banana" is refused, not read as sadness).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from emoshift.emotions import ADJECTIVES, EMOTIONS, emotion_from_word, word_table
from emoshift.io import UserError
from emoshift.text import lexicon, spelling

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
    "now again soon morph morphs morphing ->".split()
)
ARROW = "->"  # "sad -> happy" ("=>" and "\u2192" read as it)

# common English words: a sentence of 3+ words with none of these and no emotion word is taken as not English
_ENGLISH = frozenset(
    "the this that from to into and then but his her their him them he she it is are be was make turn change "
    "show look looks face expression photo person first finally now of with on at as in up down out an so "
    "very not for like all".split()
)
_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F\u0370-\uFFFF]+(?:-[A-Za-z]+)*(?:['\u2019][a-z]+)?")
_TOKEN_OR_STOP = re.compile(_TOKEN.pattern + r"|[,;:.!?]|[-=]>|\u2192")
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
    read_as: misspelt words read as a known one, [(typed, read), ...] ("hapy", "happy"); :attr:`note` says so.
    """

    emotions: list[str]
    intensities: list[float]
    words: list[str] = field(default_factory=list)
    text: str = ""
    entries: list[tuple[str, ...]] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)
    read_as: list[tuple[str, str]] = field(default_factory=list)

    @property
    def note(self) -> str:
        """One line for the user saying how misspelt words were read ("read 'hapy' as 'happy'"), or ""."""
        return "read " + ", ".join(f"'{a}' as '{b}'" for a, b in self.read_as) if self.read_as else ""

    @property
    def corrected_text(self) -> str:
        """:attr:`text` with each misspelt word replaced by its reading (what the generator's sentence
        encoder is given: "from sad to hapy" -> "from sad to happy"); :attr:`text` when none was."""
        out = self.text
        for typed, read in self.read_as:
            out = re.sub(rf"(?<![\w']){re.escape(typed)}(?![\w'])", read, out, flags=re.IGNORECASE)
        return out


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
    kept as a token: phrases, negations and modifiers do not reach across it, and so is an arrow
    (:data:`ARROW`, a sequence word).
    """
    raw: list[str] = []
    for t in _TOKEN_OR_STOP.findall(text):
        t = ARROW if t in ("=>", "\u2192") else t.lower().replace("\u2019", "'")
        raw += [t] if "-" not in t or t == ARROW or _known_word(t) else [p for p in t.split("-") if p]
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


def _mentions(toks: list[str], placed: tuple[_Mention, ...] | list[_Mention] = ()) -> list[_Mention]:
    """The expressions named in ``toks``, in order, with the ``placed`` ones (words placed by meaning) among them."""
    stems = _stems(toks)
    found: list[_Mention] = list(placed)
    at = {m.start for m in found}
    i = 0
    while i < len(toks):
        if toks[i] in POLITE or i in at:
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
    found.sort(key=lambda m: m.start)
    _mark(toks, found)
    return found


# ------------------------------------------------------------------------------------ typos and unknown words
_DETERMINERS = frozenset("a an the his her their its my your our this that".split())
# verbs an expression follows ("make her LOOK sad", "she IS scared", "he BECOMES angry"); after a look verb,
# a word ending its clause is taken as an expression ("make her look purple" is refused)
_LOOK_VERBS = frozenset("look looks looked seem seems seemed appear appears appeared".split())
_BE_VERBS = _LOOK_VERBS | frozenset(
    "looking seeming appearing feel feels felt feeling is are was were be been being become becomes became "
    "becoming get gets got getting grow grows grew go goes went turn turns turned".split()
)
_TURN_VERBS = frozenset("turn turns turned turning change changes changed changing transform transforms "
                        "transformed transforming morph morphs morphed morphing".split())  # fmt: skip
_MAKE = frozenset("make makes made making let lets have has".split())
_OBJECTS = frozenset("him her them me us it".split())
_HEADS = frozenset("face expression look mood one state".split())  # "from a sad FACE to ..."
_LINKS = frozenset(("then", "to", "into", "and", "or", "but", ARROW))  # what may end a list item: "sad THEN happy"
_CLAUSE_ENDS = frozenset(("then", "but", ARROW))
_INTENSITY = frozenset(INTENSITY_WORDS)
# "to HAPY", "is HAPY", "very HAPY", "not HAPY"
_BEFORE_EXPRESSION = SEQUENCE_WORDS | _BE_VERBS | _INTENSITY | frozenset(NEGATIONS) | {"and", "or"}
# a direction or manner after "look", not an expression ("she looks AROUND")
_NOT_EXPRESSIONS = frozenset("around back ahead forward toward towards straight through past behind across like "
                             "as away sideways inside outside about onto upon".split())  # fmt: skip


@lru_cache(maxsize=1)
def _instruction_words() -> frozenset[str]:
    """Words that are never an expression: sequence, intensity, negation and other common instruction words."""
    from emoshift.text.placement import COMMON_WORDS

    return (SEQUENCE_WORDS | _INTENSITY | frozenset(NEGATIONS) | POLITE | _NEG_FILLER | _ENGLISH
            | COMMON_WORDS | _DETERMINERS | _BE_VERBS | _TURN_VERBS | _MAKE | _OBJECTS | _HEADS | _LINKS
            | _NOT_EXPRESSIONS)  # fmt: skip


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    """Every one-word expression the parser knows (basic emotion words, the lexicon's one-word wordings and
    the forms of its one-word actions) -> the family it reads it as: what a typo may have meant."""
    words = set(word_table())
    for e in lexicon.entries():
        words.update(e.wordings())
        if e.kind == "action":
            words.update(lexicon.forms(e).values())
    out = {}
    for w in sorted(w for w in words if w.isalpha()):
        m = _mentions([w])
        if len(m) == 1 and m[0].end == 1:
            out[w] = m[0].family
    return out


def _after(toks: list[str], i: int, skip: frozenset[str]) -> int | None:
    """The first token after ``i`` not in ``skip`` (None at the end)."""
    j = i + 1
    while j < len(toks) and toks[j] in skip:
        j += 1
    return j if j < len(toks) else None


def _before(toks: list[str], i: int, skip: frozenset[str]) -> int | None:
    """The last token before ``i`` not in ``skip`` (None at the start)."""
    j = i - 1
    while j >= 0 and toks[j] in skip:
        j -= 1
    return j if j >= 0 else None


def _open_words(toks: list[str], found: list[_Mention]) -> list[int]:
    """Tokens that are words of 3+ letters no mention covers and no instruction word (:func:`_instruction_words`)."""
    at = {j for m in found for j in range(m.start, m.end)}
    common = _instruction_words()
    return [i for i, t in enumerate(toks) if i not in at and t.isalpha() and len(t) >= 3 and t not in common]


def _clause_start(toks: list[str], i: int) -> int:
    """The index of the first token of the clause token ``i`` is in (after the last punctuation before it)."""
    return next((j + 1 for j in range(i - 1, -1, -1) if toks[j] in STOPS), 0)


def _lone_word(toks: list[str]) -> int | None:
    """The instruction's only word but determiners, intensity and politeness words ("very suprised!"), if one."""
    words = [i for i, t in enumerate(toks) if t not in STOPS and t not in _DETERMINERS and t not in INTENSITY_WORDS
             and t not in POLITE]  # fmt: skip
    return words[0] if len(words) == 1 else None


def _typo_slots(toks: list[str], found: list[_Mention]) -> list[int]:
    """Open words (:func:`_open_words`) where an expression may stand, so a misspelt one is read as meant:
    the only word; right after "from", a sequence word, "is" / "look" ..., "and" / "or", an intensity word or
    a negation (determiners between); right after "make her"; right before "then" or an arrow; between "a" /
    "very" and "face" / "look" ("a hapy face", not "make Gleb look")."""
    out, lone = [], _lone_word(toks)
    for i in _open_words(toks, found):
        b = _before(toks, i, _DETERMINERS)
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        after = b is not None and toks[b] in _BEFORE_EXPRESSION
        make = i > 1 and toks[i - 1] in _OBJECTS and toks[i - 2] in _MAKE  # "make her hapy", not "make Gleb look"
        head = nxt in _HEADS and i > 0 and (toks[i - 1] in _DETERMINERS or toks[i - 1] in _INTENSITY)  # "a hapy face"
        if i == lone or after or make or head or nxt in ("then", ARROW):
            out.append(i)
    return out


def _expression_slots(toks: list[str], found: list[_Mention]) -> list[int]:
    """Open words standing where the instruction names an expression, which must not be dropped: the X and
    Y of "from X to Y (then Z)" when one of them is an expression; a word ending its list item next to an
    emotion word in "X then Y" / "X -> Y"; the Y of "turn ... into Y"; a word ending its clause after
    "look" / "seem" / "appear" ("make her look purple"); the only word of the instruction."""
    open_ = set(_open_words(toks, found))
    at = {j: m for m in found for j in range(m.start, m.end)}
    n, skip = len(toks), _DETERMINERS | _INTENSITY

    def emotion(j: int) -> bool:  # a mood or emotion word, not an action ("she smiles, then waves")
        return j in at and at[j].entry_kind != "action"

    def ends(j: int, links: frozenset[str] = _LINKS) -> bool:  # the word ends its list item
        return j + 1 == n or toks[j + 1] in STOPS or toks[j + 1] in links

    def starts(j: int) -> bool:
        return j == 0 or toks[j - 1] in STOPS or toks[j - 1] in _LINKS

    out = {i for i in (_lone_word(toks),) if i in open_}
    for i, t in enumerate(toks):
        if t == "from":
            items, j = [], _after(toks, i, skip)
            while j is not None and toks[j] not in STOPS:
                items.append(j)
                k = at[j].end if j in at else j + 1
                while k < n and (toks[k] in _HEADS or toks[k] in (",", "and")):
                    k += 1
                if k >= n or toks[k] not in ("to", "into", "then", ARROW):
                    break
                j = _after(toks, k, skip | {","})
            if len(items) > 1 and any(emotion(j) for j in items):
                out.update(j for j in items if j in open_)
        elif t in ("then", ARROW):
            x, y = _before(toks, i, skip | {",", "and"}), _after(toks, i, skip | {","})
            if x is not None and y is not None:
                out.update([y] if emotion(x) and y in open_ and ends(y) else [])
                out.update([x] if emotion(y) and x in open_ and starts(x) else [])
        elif t == "into" and _TURN_VERBS.intersection(toks[_clause_start(toks, i) : i]):
            out.update(j for j in (_after(toks, i, skip),) if j in open_)
        elif t in _LOOK_VERBS:  # not "she looks A mess", "looks older and sad", "looks intently at"
            j = _after(toks, i, _INTENSITY)
            if j in open_ and ends(j, _CLAUSE_ENDS) and not toks[j].endswith(("ly", "ing")):
                out.add(j)
    return sorted(out)


def _refuse(message: str, found: list[_Mention]) -> UserError:
    """The one-line error for an unknown word of the instruction (``message`` names it and the closest words)."""
    found_any = any(not m.negated for m in found)
    return UserError(f"{'' if found_any else 'no emotion found in the instruction: '}{message}; "
                     f"use words like {known_words_hint()}")  # fmt: skip


def _place_slot(text: str, toks: list[str], i: int, found: list[_Mention], place_unknown: bool) -> _Mention:
    """The unknown word ``toks[i]`` of an expression slot placed by meaning (:mod:`emoshift.text.placement`),
    or a UserError naming it and the closest expressions emoshift knows."""
    from emoshift.text.placement import place, unknown_message

    word, message = toks[i], f"'{toks[i]}' is not an expression emoshift knows"
    if place_unknown:
        placed, message = place(text, [word])
        if placed:
            fam, phrase = placed[0][1][1], placed[0][1][2]
            return _Mention(i, i + 1, fam, lexicon.get(phrase) if phrase else None, word)
    near = spelling.misspelt(word, _spellings())  # an ambiguous misspelling: name the words it may mean
    if near:
        message = unknown_message(word, [(w, fam) for _, w, fam in near[:3]])
    raise _refuse(message, found)


def _read_unknown(text: str, toks: list[str], found: list[_Mention],
                  place_unknown: bool) -> tuple[list[str], list[_Mention], list[tuple[str, str]]]:  # fmt: skip
    """Misspelt expression words read as meant and unknown words of expression slots placed or refused (see
    the module docstring): (tokens as read, their mentions, [(typed word, word read), ...]). A misspelling
    as near to words of two families ("grimn": grim, grin) stays an unknown word."""
    read_as, fixed = [], list(toks)
    for i in _typo_slots(toks, found):
        near = spelling.misspelt(toks[i], _spellings())
        if len({fam for _, _, fam in near}) == 1:
            fixed[i] = near[0][1]
            read_as.append((toks[i], near[0][1]))
    if read_as:
        found = _mentions(fixed)
    placed = [_place_slot(text, fixed, i, found, place_unknown) for i in _expression_slots(fixed, found)]
    return fixed, _mentions(fixed, placed) if placed else found, read_as


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


def _placed(text: str, toks: list[str], read_as: list[tuple[str, str]]) -> ParsedInstruction:
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
        entries=[(n[2],) if n[2] else () for _, n in placed], negated=[], read_as=read_as,
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
    if not found and len([t for t in toks if t not in STOPS and t != ARROW]) >= 3 and not _ENGLISH.intersection(toks):
        raise UserError("the instruction does not look like English; emoshift understands English instructions only")
    toks, found, read_as = _read_unknown(text, toks, found, place_unknown)
    kept = [m for m in found if not m.negated]
    negated = [m for m in found if m.negated]
    if not kept and negated:
        raise UserError(_negation_message(negated))
    if not kept:
        if place_unknown:
            return _placed(text, toks, read_as)
        raise UserError(f"no emotion found in the instruction; use words like {known_words_hint()}")
    groups = _merge(toks, kept)
    if len(groups) > MAX_EMOTIONS:
        names = " -> ".join(fam for fam, _ in groups)
        raise UserError(f"the instruction names {len(groups)} emotions ({names}); at most {MAX_EMOTIONS} are supported")
    scales = [1.0 if fam == "neutral" else next((m.scale for m in g if m.scale != 1.0), 1.0) for fam, g in groups]
    return ParsedInstruction(
        emotions=[fam for fam, _ in groups], intensities=scales, words=[" ".join(m.word for m in g) for _, g in groups], text=text,
        entries=[tuple(dict.fromkeys(m.entry.phrase for m in g if m.entry is not None)) for _, g in groups],
        negated=[m.word for m in negated], read_as=read_as,
    )  # fmt: skip
