"""Instruction templates and their rendering with word forms, pronouns and intensity words.

Two-emotion templates: the five of the paper's Table I and the project page's narrative sentences,
plus a few of ours; one- and three-emotion templates let a model follow "make her smile" and "from
anger to neutral to joy". Templates marked ``held_out`` are phrasings used only in the
``test_unseen_phrasing`` split. Every rendered instruction reads back through
:func:`emoshift.text.parser.parse_instruction` to the emotions and intensities it was made from
(tested), so the text carries everything the generator needs.

Slots: ``{N1}`` noun phrase ("slight anger", "a big smile"), ``{A1}`` adjective phrase ("very angry"),
``{V1}`` third-person verb phrase ("looks very angry", "rolls her eyes"), ``{B1}`` base-form verb phrase
("look very angry", "roll her eyes"); pronouns ``{He} {he} {him} {his} {His}`` take one of he / she /
this person per sample. Templates marked ``everyday`` (verb phrases, the way people describe a face:
"She rolls her eyes, then smiles.") are used only by :func:`emoshift.data.bank.add_everyday_wordings`,
for training sentences that name slots with the expression lexicon's words and the parser's other
synonyms; they are not in the pools the samples are first drawn from, so the presets' splits do not
change with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoshift.emotions import ADJECTIVES, NOUNS


@dataclass(frozen=True)
class Template:
    text: str
    n_slots: int
    held_out: bool = False
    source: str = "ours"
    everyday: bool = False


TEMPLATES: tuple[Template, ...] = (
    # paper, Table I
    Template("Turn this face from {N1} to {N2}.", 2, source="paper Table I"),
    Template("Change this face from {N1} to {N2}.", 2, source="paper Table I"),
    Template("Transform this face from {N1} to {N2}.", 2, source="paper Table I"),
    Template("Modify this face, changing it from {N1} to {N2}.", 2, source="paper Table I"),
    Template("Replace this face from {N1} to {N2}.", 2, source="paper Table I"),
    # project page narratives
    Template("{His} face looks {A1}, then transitions to {N2}.", 2, source="project page"),
    Template("This face initially shows {N1} and then {N2}.", 2, source="project page"),
    Template("{He} seems {A1}, but suddenly becomes {A2}.", 2, source="project page"),
    Template("This photo captures {his} expression shifting between {N1} and {N2}.", 2, source="project page"),
    # ours
    Template("Make {him} look {A1} first, then {A2}.", 2),
    Template("{He} goes from {A1} to {A2}.", 2),
    Template("Show {him} changing from {N1} to {N2}.", 2),
    Template("Start from {N1} and end with {N2}.", 2),
    Template("Make {him} look {A1}.", 1),
    Template("Give this face an expression of {N1}.", 1),
    Template("{He} looks {A1}.", 1),
    Template("Turn this face to {N1}.", 1),
    Template("Change the expression to {N1}.", 1),
    Template("Turn this face from {N1} to {N2} and then to {N3}.", 3),
    Template("{He} starts {A1}, becomes {A2}, and ends up {A3}.", 3),
    Template("This face shows {N1}, then {N2}, then {N3}.", 3),
    Template("Change this face from {N1} to {N2}, then to {N3}.", 3),
    # ours, issue 13.1: more sentence structures (order words, narratives, lists), so that the order of the
    # anchors is learnt from many phrasings, not from a few fixed positions
    Template("Make this face {A1}.", 1),
    Template("Show {N1}.", 1),
    Template("{He} is {A1}.", 1),
    Template("First {A1}, then {A2}.", 2),
    Template("{He} is {A1} at first and ends up {A2}.", 2),
    Template("{N1} turns into {N2}.", 2),
    Template("{His} {N1} gives way to {N2}.", 2),
    Template("Begin with {N1}, finish with {N2}.", 2),
    Template("Show {N1} followed by {N2}.", 2),
    Template("{He} feels {A1}, and then {A2}.", 2),
    Template("From {N1} to {N2}.", 2),
    Template("{A1} first, {A2} after that.", 2),
    Template("Animate {him}: {A1}, then {A2}.", 2),
    Template("{He} was {A1} until {he} became {A2}.", 2),
    Template("The face shifts from {N1} into {N2}.", 2),
    Template("First {A1}, then {A2}, finally {A3}.", 3),
    Template("{N1}, {N2}, {N3}.", 3),
    Template("{He} goes from {A1} to {A2} and ends up {A3}.", 3),
    Template("Show {N1} turning into {N2}, which then becomes {N3}.", 3),
    Template("{He} looks {A1}, then {A2}, and at the end {A3}.", 3),
    Template("Begin {A1}, become {A2}, finish {A3}.", 3),
    # held-out phrasings: test_unseen_phrasing only
    Template("Let the expression move from {N1} into {N2}.", 2, held_out=True),
    Template("At first {he} is {A1}; a moment later {he} looks {A2}.", 2, held_out=True),
    Template("Animate this portrait: {N1} turning into {N2}.", 2, held_out=True),
    Template("Morph {his} face from {N1} over to {N2}.", 2, held_out=True),
    Template("Let {him} appear {A1}.", 1, held_out=True),
    Template("Render this person with {N1} on the face.", 1, held_out=True),
    Template("Go through {N1}, {N2} and finally {N3}.", 3, held_out=True),
    Template("First {A1}, next {A2}, at last {A3}: animate {him}.", 3, held_out=True),
    # ours, issue 13.2: everyday sentences with verbs (training only, see the module docstring)
    Template("{He} {V1}.", 1, everyday=True),
    Template("Make {him} {B1}.", 1, everyday=True),
    Template("Have {him} {B1} at the camera.", 1, everyday=True),
    Template("{He} {V1} at the camera.", 1, everyday=True),
    Template("Show {him} {A1}.", 1, everyday=True),
    Template("{He} {V1}, then {V2}.", 2, everyday=True),
    Template("{He} {V1} and then {V2}.", 2, everyday=True),
    Template("{He} {V1} for a moment before {he} {V2}.", 2, everyday=True),
    Template("First {he} {V1}, then {he} {V2}.", 2, everyday=True),
    Template("Make {him} {B1}, then {B2}.", 2, everyday=True),
    Template("{He} {V1} at first, but then {he} {V2}.", 2, everyday=True),
    Template("Let {him} {B1} before {he} {V2}.", 2, everyday=True),
    Template("{He} {V1}, then {V2}, and finally {V3}.", 3, everyday=True),
    Template("First {he} {V1}, then {he} {V2}, and in the end {he} {V3}.", 3, everyday=True),
    Template("Make {him} {B1}, then {B2}, then {B3}.", 3, everyday=True),
)

# everyday adjectives the parser knows (emotions.word_table) beside the templates' ADJECTIVES: training
# sentences name slots with them too (bank.add_everyday_wordings), so the generator learns them in
# context, not only through the sentence encoder's similarity to the words it was trained on
EVERYDAY_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "neutral": ("serene", "composed", "stoic", "unemotional", "unmoved", "relaxed", "emotionless", "impassive",
                "deadpan"),
    "happiness": ("thrilled", "blissful", "joyous", "elated", "glad"),
    "disgust": ("sickened", "nauseated", "repelled", "icky"),
    "anger": ("annoyed", "angered", "raging"),
    "fear": ("worried", "apprehensive", "petrified", "horrified", "panicky", "anxious", "nervous"),
    "surprise": ("dumbfounded", "speechless", "stunned", "astounded", "flabbergasted"),
    "contempt": ("smug", "haughty", "arrogant", "snide", "derisive", "condescending", "mocking", "sarcastic",
                 "dismissive"),
    "sadness": ("teary", "disappointed", "hopeless", "forlorn", "somber", "lonely", "saddened", "depressed",
                "melancholy", "upset", "heartbroken", "downcast", "dejected", "mournful"),
}

# intensity -> surface forms (must agree with emoshift.text.parser.INTENSITY_WORDS; tested)
INTENSITY_ADVERBS: dict[float, tuple[str, ...]] = {
    0.5: ("slightly", "a little", "a bit", "mildly"),
    0.75: ("somewhat", "moderately"),
    1.2: ("very", "really", "strongly"),
    1.4: ("extremely", "intensely", "utterly"),
}
INTENSITY_ADJECTIVES: dict[float, tuple[str, ...]] = {
    0.5: ("slight", "mild", "faint"),
    0.75: ("moderate",),
    1.2: ("strong", "deep", "big"),
    1.4: ("extreme", "intense"),
}
INTENSITY_LEVELS = tuple(INTENSITY_ADVERBS)
PRONOUNS = (
    {"He": "He", "he": "he", "him": "him", "his": "his", "His": "His"},
    {"He": "She", "he": "she", "him": "her", "his": "her", "His": "Her"},
    {"He": "This person", "he": "this person", "him": "them", "his": "their", "His": "Their"},
)


def template_ids(n_slots: int, held_out: bool) -> np.ndarray:
    """Indices into :data:`TEMPLATES` with that many slots and that held-out flag."""
    return np.array([i for i, t in enumerate(TEMPLATES)
                     if t.n_slots == n_slots and t.held_out == held_out and not t.everyday])  # fmt: skip


def everyday_ids(n_slots: int) -> np.ndarray:
    """Indices into :data:`TEMPLATES` of the training templates (everyday and the others) with that many slots."""
    return np.array([i for i, t in enumerate(TEMPLATES) if t.n_slots == n_slots and not t.held_out])


def _choice(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _noun_phrase(emotion: str, intensity: float, rng: np.random.Generator) -> str:
    noun = _choice(rng, NOUNS[emotion])
    if intensity == 1.0:
        return noun
    adj = _choice(rng, INTENSITY_ADJECTIVES[intensity])
    if noun.startswith("a "):
        noun = noun[2:]
        return f"{'an' if adj[0] in 'aeiou' else 'a'} {adj} {noun}"
    return f"{adj} {noun}"


def _adjective_phrase(emotion: str, intensity: float, rng: np.random.Generator) -> str:
    adj = _choice(rng, ADJECTIVES[emotion])
    return adj if intensity == 1.0 else f"{_choice(rng, INTENSITY_ADVERBS[intensity])} {adj}"


def render(template: int, emotions: list[str], intensities: list[float], rng: np.random.Generator,
           lexicon_slots: dict[int, str] | None = None, adjectives: dict[int, str] | None = None,
           with_action: dict[int, str] | None = None) -> str:  # fmt: skip
    """Fill template ``template`` with the emotions (word forms and synonyms drawn from ``rng``).

    ``intensities`` must be 1.0 or one of :data:`INTENSITY_LEVELS` (neutral slots must be 1.0).
    ``lexicon_slots`` {slot index from 0: lexicon phrase}: that slot is worded with the expression lexicon's
    entry instead (:func:`emoshift.text.lexicon.slot_phrase`: "jubilant", "rolling her eyes", ...).
    ``adjectives`` {slot index from 0: adjective}: that slot's adjective (e.g. from
    :data:`EVERYDAY_ADJECTIVES`) instead of one of the emotion's :data:`ADJECTIVES`.
    ``with_action`` {slot index from 0: lexicon phrase of a facial action without emotion}: in that slot's
    verb phrases ({V}, {B}) the face also does that action at the same moment ("glances down, ashamed",
    "grins and winks"); the parser reads both into one anchor.
    """
    t = TEMPLATES[template]
    if len(emotions) != t.n_slots or len(intensities) != t.n_slots:
        raise ValueError(f"template {template} has {t.n_slots} slots, got {len(emotions)} emotions")
    values = dict(PRONOUNS[int(rng.integers(len(PRONOUNS)))])
    for k, (e, s) in enumerate(zip(emotions, intensities), start=1):
        if e == "neutral" and s != 1.0:
            raise ValueError("neutral takes no intensity word")
        values[f"N{k}"] = _noun_phrase(e, float(s), rng)
        values[f"A{k}"] = _adjective_phrase(e, float(s), rng)
        if adjectives and k - 1 in adjectives:
            adv = "" if s == 1.0 else _choice(rng, INTENSITY_ADVERBS[float(s)]) + " "
            values[f"A{k}"] = adv + adjectives[k - 1]
        values[f"V{k}"] = "looks " + values[f"A{k}"]
        values[f"B{k}"] = "look " + values[f"A{k}"]
    for j, phrase in (lexicon_slots or {}).items():
        from emoshift.text import lexicon

        for slot in "NA" + "".join(x for x in "VB" if f"{{{x}{j + 1}}}" in t.text):  # draws as before for N/A templates
            values[f"{slot}{j + 1}"] = lexicon.slot_phrase(phrase, slot, rng, his=values["his"])
    for j, phrase in (with_action or {}).items():
        from emoshift.text import lexicon

        act = lexicon.forms(phrase, his=values["his"])
        own = lexicon.get(lexicon_slots[j]) if lexicon_slots and j in lexicon_slots else None
        if own is not None and own.kind == "action":  # "grins and winks"
            values[f"V{j + 1}"] = f"{values[f'V{j + 1}']} and {act['s']}"
            values[f"B{j + 1}"] = f"{values[f'B{j + 1}']} and {act['base']}"
        else:  # "glances down, ashamed"
            values[f"V{j + 1}"] = f"{act['s']}, {values[f'A{j + 1}']}"
            values[f"B{j + 1}"] = f"{act['base']}, {values[f'A{j + 1}']}"
    text = t.text.format(**values)
    return text[0].upper() + text[1:]
