"""Open vocabulary: everyday mood words, facial actions and compound emotions, each grounded in action units.

The data lives in ``emoshift/resources/lexicon.txt`` (one entry a line; format in its header) and is
documented with its sources in ``docs/lexicon.md``. Every entry has

- ``phrase``: its main wording ("jubilant", "roll the eyes", "happily surprised");
- ``kind``: ``"mood"`` (an emotion or mood word), ``"action"`` (a facial action) or ``"compound"``
  (one of the compound emotion categories of Du, Tao & Martinez, "Compound facial expressions of
  emotion", *PNAS* 111(15), 2014, Table 1);
- ``family``: one of :data:`emoshift.emotions.EMOTIONS` -- the basic emotion the entry belongs to, used
  for labels and evaluation. Mood words follow the prototype hierarchy of Shaver, Schwartz, Kirson &
  O'Connor ("Emotion knowledge", *J. Pers. Soc. Psychol.* 52(6), 1987) where the word is listed there,
  otherwise the dictionary sense; facial actions without an emotion (wink, look left, yawn) are
  ``"neutral"``; a compound's family is its head word's emotion ("happily *surprised*" -> surprise) and
  ``blend`` names the other one;
- ``intensity``: the word's strength on the parser's scale (0.5 slight ... 1.4 extreme);
- ``aus``: FACS action units (Ekman, Friesen & Hager, *Facial Action Coding System*, 2002) with A-E
  intensities, ``L``/``R`` = the subject's side;
- ``expression``: (53,) ICT/ARKit blendshape weights in [0, 1] realising those AUs at that intensity
  (:func:`expression`), ``pose``: (3,) head pitch/yaw/roll degrees of the head AUs 51-56.

AUs are mapped to blendshapes by :data:`emoshift.emotions.AU_TO_SHAPES`; this module adds the AUs that
map emits none for (:data:`EXTRA_AU_SHAPES`): 29 jaw thrust, 30 jaw sideways, 33/34 cheek blow/puff,
41 lid droop, 43 eyes closed, 46 wink, 61/62 eyes turn left/right, 63 eyes up, and the head positions
51-56 (:data:`HEAD_AUS`, into ``pose``). "Left" is always the subject's own left, as in emoshift.emotions.

Use from a data builder::

    from emoshift.text import lexicon
    for e in lexicon.entries(kind="action"):
        target = lexicon.expression(e, scale=0.75)          # (53,) float32
        words = lexicon.forms(e, his="her")                # {"base": "roll her eyes", "s": ..., "ing": ..., "ed": ...}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from emoshift.emotions import (
    AU_TO_SHAPES, EMOTIONS, EXPRESSION_NAMES, FACS_LETTER, OPEN_JAW, PROTOTYPES, au_vector, display_prototypes,
    scale_display,
)

_JAW = EXPRESSION_NAMES.index("jawOpen")

KINDS = ("mood", "action", "compound")
LEVELS = (0.5, 0.75, 1.0, 1.2, 1.4)  # the parser's intensity scale (emoshift.text.parser.INTENSITY_WORDS)

# AUs without a shape in emotions.AU_TO_SHAPES: AU -> {side ("", "L", "R"): {blendshape: weight per unit}}
EXTRA_AU_SHAPES: dict[int, dict[str, dict[str, float]]] = {
    29: {"": {"jawForward": 1.0}},
    30: {"L": {"jawLeft": 1.0}, "R": {"jawRight": 1.0}},
    33: {"": {"cheekPuff_L": 1.0, "cheekPuff_R": 1.0}, "L": {"cheekPuff_L": 1.0}, "R": {"cheekPuff_R": 1.0}},
    34: {"": {"cheekPuff_L": 1.0, "cheekPuff_R": 1.0}, "L": {"cheekPuff_L": 1.0}, "R": {"cheekPuff_R": 1.0}},
    41: {"": {"eyeBlink_L": 0.5, "eyeBlink_R": 0.5}},
    43: {"": {"eyeBlink_L": 1.0, "eyeBlink_R": 1.0}, "L": {"eyeBlink_L": 1.0}, "R": {"eyeBlink_R": 1.0}},
    46: {"L": {"eyeBlink_L": 1.0}, "R": {"eyeBlink_R": 1.0}},
    61: {"": {"eyeLookOut_L": 1.0, "eyeLookIn_R": 1.0}},  # eyes turn to the subject's left
    62: {"": {"eyeLookIn_L": 1.0, "eyeLookOut_R": 1.0}},
    63: {"": {"eyeLookUp_L": 1.0, "eyeLookUp_R": 1.0}},
}
# head position AUs -> (pitch, yaw, roll) degrees per unit intensity (signs as emoshift.emotions.POSE_PRIORS:
# +pitch looks down, +yaw turns to the subject's left, +roll tilts the top of the head to the subject's right)
HEAD_AUS: dict[int, tuple[float, float, float]] = {
    51: (0.0, 20.0, 0.0), 52: (0.0, -20.0, 0.0), 53: (-20.0, 0.0, 0.0), 54: (20.0, 0.0, 0.0),
    55: (0.0, 0.0, -20.0), 56: (0.0, 0.0, 20.0),
}  # fmt: skip
_AU = re.compile(r"^([LR]?)(\d+)([A-E]?)$")
_INDEX = {n: i for i, n in enumerate(EXPRESSION_NAMES)}


@dataclass(frozen=True)
class Entry:
    """One lexicon entry (see the module docstring for the fields)."""

    phrase: str
    kind: str
    family: str
    intensity: float
    aus: str
    alternatives: tuple[str, ...] = ()
    noun: str = ""
    sources: tuple[str, ...] = ()
    blend: str = ""
    template: str = ""  # the phrase with "{his}" where the owner's possessive goes (actions)

    @property
    def expression(self) -> np.ndarray:
        """(53,) float32 blendshape weights at the entry's own intensity (see :func:`expression`)."""
        return expression(self)

    @property
    def pose(self) -> np.ndarray:
        """(3,) float32 head pitch/yaw/roll degrees of the entry's head AUs (zeros for most)."""
        return au_pose(self.aus) * np.float32(self.intensity)

    def wordings(self, his: str = "the") -> tuple[str, ...]:
        """The main phrase, every alternative wording and the noun phrase, with ``{his}`` filled in."""
        words = (self.template or self.phrase, *self.alternatives, *((self.noun,) if self.noun else ()))
        return tuple(w.replace("{his}", his) for w in words)


def _check_au(tok: str) -> tuple[str, int, str]:
    m = _AU.match(tok.strip())
    if not m:
        raise ValueError(f"bad action unit '{tok}'")
    side, au, letter = m.group(1), int(m.group(2)), m.group(3) or "C"
    if au in AU_TO_SHAPES or au in HEAD_AUS:
        return side, au, letter
    if au not in EXTRA_AU_SHAPES or side not in EXTRA_AU_SHAPES[au]:
        raise ValueError(f"unknown action unit '{tok}'")
    return side, au, letter


def au_expression(aus: str) -> np.ndarray:
    """(53,) float32 blendshape weights of an AU string such as ``"4D+5C+7C+23C"`` or ``"R46E+61D"``.

    AUs known to :data:`emoshift.emotions.AU_TO_SHAPES` go through :func:`emoshift.emotions.au_vector`,
    the others through :data:`EXTRA_AU_SHAPES`; head AUs (:data:`HEAD_AUS`) add nothing here. Contributions
    add and the sum is clipped to [0, 1].
    """
    e = np.zeros(len(EXPRESSION_NAMES), np.float32)
    for tok in filter(None, (t.strip() for t in aus.split("+"))):
        side, au, letter = _check_au(tok)
        if au in AU_TO_SHAPES:
            e += au_vector(tok)
        elif au in EXTRA_AU_SHAPES:
            for name, w in EXTRA_AU_SHAPES[au][side].items():
                e[_INDEX[name]] += w * FACS_LETTER[letter]
    return np.clip(e, 0.0, 1.0)


def au_pose(aus: str) -> np.ndarray:
    """(3,) float32 head pitch/yaw/roll degrees of the head-position AUs (51-56) in an AU string."""
    pose = np.zeros(3, np.float32)
    for tok in filter(None, (t.strip() for t in aus.split("+"))):
        side, au, letter = _check_au(tok)
        if au in HEAD_AUS:
            pose += np.asarray(HEAD_AUS[au], np.float32) * FACS_LETTER[letter]
    return pose


def expression(entry: Entry | str, scale: float = 1.0) -> np.ndarray:
    """(53,) float32 weights in [0, 1] of an entry (or its phrase): ``clip(au_expression(aus) * intensity * scale)``.

    ``scale`` is the parser's intensity of the mention (1.0 default; "slightly jubilant" -> 0.5).
    Names follow :data:`emoshift.emotions.EXPRESSION_NAMES`.
    """
    e = get(entry) if isinstance(entry, str) else entry
    return np.clip(_au_expression_cached(e.aus) * np.float32(e.intensity * scale), 0.0, 1.0).astype(np.float32)


@lru_cache(maxsize=1024)
def _au_expression_cached(aus: str) -> np.ndarray:
    v = au_expression(aus)
    v.setflags(write=False)
    return v


def anchor_expression(family: str, phrases: tuple[str, ...] | list[str], scale: float = 1.0, variant: int = 0) -> np.ndarray:
    """(53,) float32 target of one parsed anchor (``ParsedInstruction.emotions[k]``, ``.entries[k]``, ``.intensities[k]``).

    The element-wise maximum of the phrases' expressions at ``scale`` ("smiles and winks" shows both),
    of the family display (:func:`display`) of each phrase of the anchor's family, and of the family's
    EMFACS prototype ``variant`` (:func:`emoshift.emotions.prototype`) when no phrase is of that family
    (the anchor was named by a basic emotion word, perhaps beside a gaze action).
    """
    parts = [expression(get(p), scale) for p in phrases]
    parts += [display(get(p), scale) for p in phrases if get(p).family == family]
    if not any(get(p).family == family for p in phrases):  # named by a basic word ("looks down SADLY")
        parts.append(scale_display(family, display_prototypes(family)[variant], scale))
    return np.max(np.stack(parts), axis=0)


def display(entry: Entry | str, scale: float = 1.0) -> np.ndarray:
    """(53,) float32 the family display a mood word or facial action of an emotion family carries: the
    family's EMFACS display nearest (cosine) to the entry's own action units (a prototype variant or a
    word-only variant, :func:`emoshift.emotions.display_prototypes`: "stern" carries anger's pressed lips,
    not its shout), at the entry's intensity times ``scale`` (:func:`emoshift.emotions.scale_display`: the
    prototype times the strength, "slightly sad" = prototype x 0.5, except that a weak fear keeps its drawn
    brows and stretched lips, AU4 and AU20 times the square root of the strength, so it does not fade into
    a surprise). Zeros for the neutral family and for
    compounds (Du et al.'s action units are already the whole expression).

    Why (issue 13): an entry's own AUs at a weak word's strength ("sheepish" 0.5 x 1B+4A+12A+15B...)
    are faint enough to read as a neutral face; a mood word names its emotion, so its anchor shows that
    emotion at the word's strength, with the entry's own AUs on top (:func:`anchor_expression`).
    """
    e = get(entry) if isinstance(entry, str) else entry
    if e.family == "neutral" or e.kind == "compound":
        return np.zeros(len(EXPRESSION_NAMES), np.float32)
    own = _au_expression_cached(e.aus)
    protos = display_prototypes(e.family, open_jaw=bool(own[_JAW] >= OPEN_JAW))
    cos = protos @ own / (np.linalg.norm(protos, axis=1) * np.linalg.norm(own) + 1e-9)
    return scale_display(e.family, protos[int(np.argmax(cos))], e.intensity * scale)


# ------------------------------------------------------------------------------------------ loading
def _resolve(aus: str) -> str:
    """``"@anger:1"`` -> the EMFACS prototype string of that variant; other AU strings unchanged."""
    aus = aus.strip()
    if aus.startswith("@"):
        fam, _, var = aus[1:].partition(":")
        return PROTOTYPES[fam][int(var or 0)]
    return aus


def _parse_line(line: str) -> Entry:
    cols = [c.strip() for c in line.split("|")]
    if len(cols) != 8:
        raise ValueError(f"lexicon line has {len(cols)} fields, not 8: {line!r}")
    kind, template, family, intensity, aus, alts, noun, sources = cols
    family, _, blend = family.partition("+")
    if kind not in KINDS or family not in EMOTIONS or (blend and blend not in EMOTIONS):
        raise ValueError(f"bad kind or family in lexicon line: {line!r}")
    return Entry(
        phrase=template.replace("{his}", "the"), kind=kind, family=family, intensity=float(intensity),
        aus=_resolve(aus), alternatives=tuple(a.strip() for a in alts.split(";") if a.strip()), noun=noun,
        sources=tuple(sources.split()), blend=blend, template=template,
    )  # fmt: skip


@lru_cache(maxsize=1)
def _load() -> tuple[Entry, ...]:
    text = resources.files("emoshift").joinpath("resources/lexicon.txt").read_text(encoding="utf-8")
    out = [_parse_line(ln) for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for e in out:
        au_expression(e.aus)  # raises on an unknown AU
    return tuple(out)


def entries(kind: str | None = None, family: str | None = None) -> tuple[Entry, ...]:
    """All lexicon entries, or those of one ``kind`` (mood | action | compound) and/or ``family``."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}'; known: {', '.join(KINDS)}")
    return tuple(e for e in _load() if (kind is None or e.kind == kind) and (family is None or e.family == family))


@lru_cache(maxsize=1)
def _by_phrase() -> dict[str, Entry]:
    return {e.phrase: e for e in _load()}


def get(phrase: str) -> Entry:
    """The entry whose main phrase is ``phrase`` (KeyError if none)."""
    return _by_phrase()[phrase]


# ------------------------------------------------------------------------------------------ word forms
_IRREGULAR_PAST = {"bite": "bit", "hang": "hung", "blow": "blew", "stick": "stuck", "shake": "shook", "weep": "wept",
                   "set": "set", "shut": "shut", "draw": "drew", "give": "gave", "make": "made", "burst": "burst",
                   "shed": "shed", "cast": "cast", "grind": "ground", "thrust": "thrust", "fall": "fell", "go": "went",
                   "shoot": "shot", "stare": "stared", "quake": "quaked", "well": "welled"}  # fmt: skip
_DOUBLE = {"grin", "grit", "knit", "drop", "sob", "nod", "stop", "pop", "jut", "shut", "set", "thin"}


def inflect(verb: str, form: str) -> str:
    """A verb in ``form`` "base" | "s" | "ing" | "ed" ("grin" -> "grins", "grinning", "grinned")."""
    if form == "base":
        return verb
    if form == "s":
        if verb.endswith(("s", "sh", "ch", "x", "z")):
            return verb + "es"
        return verb[:-1] + "ies" if verb.endswith("y") and verb[-2] not in "aeiou" else verb + "s"
    stem = verb + verb[-1] if verb in _DOUBLE else verb
    if form == "ing":
        return (verb[:-1] if verb.endswith("e") and not verb.endswith(("ee", "ye")) else stem) + "ing"
    if form == "ed":
        if verb in _IRREGULAR_PAST:
            return _IRREGULAR_PAST[verb]
        if verb.endswith("e"):
            return verb + "d"
        return verb[:-1] + "ied" if verb.endswith("y") and verb[-2] not in "aeiou" else stem + "ed"
    raise ValueError(f"unknown verb form '{form}'")


def forms(entry: Entry | str, his: str = "her") -> dict[str, str]:
    """Surface forms for building sentences.

    Actions: ``{"base": "roll her eyes", "s": "rolls her eyes", "ing": "rolling her eyes", "ed": "rolled
    her eyes"}`` (the first word is the verb) plus ``"noun"`` ("an eye roll") when the entry has one.
    Moods and compounds: ``{"adj": "jubilant"}`` plus ``"noun"`` ("jubilation") when it has one.
    """
    e = get(entry) if isinstance(entry, str) else entry
    out: dict[str, str] = {}
    if e.kind == "action":
        verb, _, rest = e.template.partition(" ")
        rest = rest.replace("{his}", his)
        for f in ("base", "s", "ing", "ed"):
            out[f] = f"{inflect(verb, f)} {rest}".strip()
    else:
        out["adj"] = e.phrase
    if e.noun:
        out["noun"] = e.noun
    return out


def slot_phrase(entry: Entry | str, slot: str, rng: np.random.Generator, his: str = "her") -> str:
    """A wording of an entry for a sentence template, drawn from ``rng``.

    ``slot``: ``"A"`` after "looks" / "goes from" ("jubilant", "over the moon", "rolling her eyes"),
    ``"N"`` a noun phrase ("jubilation", "a jubilant look", "an eye roll", "rolling her eyes"), ``"V"`` a
    third-person verb phrase ("rolls her eyes", "looks jubilant"), ``"B"`` a base-form verb phrase after
    "make him" / "let her" ("roll her eyes", "look jubilant"). Every result parses back to the entry.
    """
    e = get(entry) if isinstance(entry, str) else entry
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    if e.kind == "action":
        f = forms(e, his)
        if slot == "V":
            return f["s"]
        if slot == "B":
            return f["base"]
        if slot == "N" and e.noun and rng.random() < 0.5:
            return e.noun
        return f["ing"]
    adjs = (e.phrase, *e.alternatives)
    if slot == "A":
        return pick(adjs)
    if slot == "V":
        return f"looks {pick(adjs)}"
    if slot == "B":
        return f"look {pick(adjs)}"
    if slot == "N":
        if e.noun and rng.random() < 0.5:
            return e.noun
        single = [a for a in adjs if " " not in a] or [e.phrase]
        a = pick(single)
        return f"{'an' if a[0] in 'aeiou' else 'a'} {a} look"
    raise ValueError(f"unknown slot '{slot}'; use A, N, V or B")


# ------------------------------------------------------------------------------------------ matching
_IRREGULAR_STEM = {"teeth": "tooth", "bit": "bite", "bitten": "bite", "hung": "hang", "blew": "blow",
                   "stuck": "stick", "shook": "shake", "wept": "weep", "drew": "draw", "fell": "fall",
                   "ground": "grind", "went": "go", "shot": "shoot", "gave": "give", "made": "make",
                   "brows": "brow", "eyebrows": "brow", "eyebrow": "brow", "lids": "lid"}  # fmt: skip


def stem(word: str) -> str:
    """A crude English stem that maps a word's inflections together ("glaring", "glared", "glares" -> "glar").

    Only used to match lexicon phrases, never shown. "-ly" is kept (adverbs are not the entries).
    """
    w = word.lower().replace("\u2019", "'")
    w = w[:-2] if w.endswith("'s") else w
    w = _IRREGULAR_STEM.get(w, w)
    if len(w) > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    elif len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return _IRREGULAR_STEM.get(w, w)


# words skipped inside a phrase ("rolled HER eyes", "look TO THE left"); the phrase's own copies are dropped too
FILLERS = frozenset("the a an his her their its my your our one's ones to".split())
ONE_MARKERS = frozenset("one an a single".split())  # "raise AN eyebrow" is one brow, "raise HER eyebrows" both
_WORD = re.compile(r"[a-z]+(?:['\u2019-][a-z]+)*")
EYE_WORDS = ("brow", "eye")


def one_marker(words: list[str], i: int) -> bool:
    """True if ``words[i]`` is a/an/one/single counting a brow or an eye ("raise AN eyebrow", "A raised eyebrow")."""
    if words[i] not in ONE_MARKERS:
        return False
    nxt = [stem(w) for w in words[i + 1 : i + 3]]
    return bool(nxt) and (nxt[0] in EYE_WORDS or (len(nxt) == 2 and words[i + 1] not in FILLERS and nxt[1] in EYE_WORDS))


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """The stems a phrase is matched by: its words without fillers (hyphenated words stay one word)."""
    words = _WORD.findall(phrase.lower().replace("{his}", "the"))
    return tuple(normalize_stems(words))


def normalize_stems(words: list[str]) -> list[str]:
    """Stems of ``words`` with fillers removed, except a/an/one counting a brow or eye (kept as "one")."""
    out = []
    for i, w in enumerate(words):
        if one_marker(words, i):
            out.append("one")
        elif w not in FILLERS:
            out.append(stem(w))
    return out


@lru_cache(maxsize=1)
def patterns() -> dict[str, tuple[tuple[tuple[str, ...], Entry], ...]]:
    """First stem -> ((stems, entry), ...) longest first: every wording of every entry, for the parser."""
    table: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
    for e in _load():
        for w in e.wordings():
            st = phrase_stems(w)
            if st:
                table.setdefault(st[0], []).append((st, e))
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in table.items()}


@dataclass
class Counts:
    """Entries and wordings per kind (for docs and reports)."""

    entries: dict[str, int] = field(default_factory=dict)
    wordings: dict[str, int] = field(default_factory=dict)


def counts() -> Counts:
    """How many entries and wordings (main phrase + alternatives) each kind has."""
    c = Counts()
    for k in KINDS:
        es = entries(kind=k)
        c.entries[k] = len(es)
        c.wordings[k] = sum(len(e.wordings()) for e in es)
    return c
