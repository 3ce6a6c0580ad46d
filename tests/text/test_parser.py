import pytest

from emoshift.io import UserError
from emoshift.text.parser import parse_instruction


@pytest.mark.parametrize(
    "text,emotions",
    [
        ("Turn this face from disgust to happiness.", ["disgust", "happiness"]),
        ("Modify this face, changing it from fear to anger.", ["fear", "anger"]),
        ("His face looks fearful, then transitions to disgust.", ["fear", "disgust"]),
        ("This face initially shows sadness and then surprise.", ["sadness", "surprise"]),
        ("He seems happy, but suddenly becomes angry.", ["happiness", "anger"]),
        ("This photo captures his expression shifting between contempt and anger.", ["contempt", "anger"]),
        ("make her smile", ["happiness"]),
        ("from anger to neutral to joy", ["anger", "neutral", "happiness"]),
        ("She is no longer angry; now she is scared", ["fear"]),
        ("he smiles happily", ["happiness"]),
        ("SHE LOOKS TERRIFIED", ["fear"]),
        ("Make this person go from a big smile to tears", ["happiness", "sadness"]),
        ("from smug to grossed-out, then worried", ["contempt", "disgust", "fear"]),
    ],
)
def test_emotions_in_order(text, emotions):
    assert parse_instruction(text).emotions == emotions


def test_intensities():
    p = parse_instruction("Turn this face from slightly sad to extremely happy.")
    assert p.intensities == [0.5, 1.4]
    assert parse_instruction("a very angry face").intensities == [1.2]
    assert parse_instruction("from a little surprised to disgusted").intensities == [0.5, 1.0]
    assert parse_instruction("from anger to neutral").intensities == [1.0, 1.0]
    assert parse_instruction("not very happy but sad").emotions == ["sadness"]
    assert parse_instruction("Turn this face from fear to sadness.").words == ["fear", "sadness"]


@pytest.mark.parametrize(
    "text,match",
    [("", "empty"), ("   ", "empty"), ("happy " * 60, "characters"), ("Сделай это лицо счастливым", "English"),
     ("Cambia esta cara de feliz a triste", "English"), ("Ändere dieses Gesicht von froh zu traurig", "English"),
     ("Turn this face into a table", "no emotion.*happy.*sad"), ("happy sad angry scared", "4 emotions")],
)
def test_bad_instructions(text, match):
    with pytest.raises(UserError, match=match):
        parse_instruction(text)


def test_intensity_does_not_leak_past_an_emotion_word():
    p = parse_instruction("Go through extreme revulsion, terror and finally amazement.")
    assert p.intensities == [1.4, 1.0, 1.0]


# ------------------------------------------------------------------------------------ open vocabulary
@pytest.mark.parametrize(
    "text,emotions,entries",
    [
        ("She glares at him, then gapes.", ["anger", "surprise"], [("glare",), ("gape",)]),
        ("He rolled his eyes and then puffs his cheeks.", ["contempt", "neutral"],
         [("roll the eyes",), ("puff the cheeks",)]),
        ("First a wink, then a yawn, finally a grin.", ["neutral", "neutral", "happiness"],
         [("wink",), ("yawn",), ("grin",)]),
        ("She raised an eyebrow.", ["surprise"], [("raise one eyebrow",)]),
        ("She raises her eyebrows.", ["surprise"], [("raise the eyebrows",)]),
        ("Her jaw drops.", ["surprise"], [("drop the jaw",)]),
        ("He is happily surprised.", ["surprise"], [("happily surprised",)]),
        ("He looks down in the dumps.", ["sadness"], [("glum",)]),
        ("Narrowing her eyes, she bares her teeth.", ["anger"], [("narrow the eyes", "bare the teeth")]),
        ("From a smile to a grin.", ["happiness", "happiness"], [("smile",), ("grin",)]),
        ("He smiles and winks.", ["happiness"], [("smile", "wink")]),
        ("She looks uneasy, then jubilant.", ["fear", "happiness"], [("uneasy",), ("jubilant",)]),
        ("A half-smile", ["contempt"], [("smirk",)]),
        ("open-mouthed", ["surprise"], [("open-mouthed",)]),
        ("He opens his mouth.", ["neutral"], [("open the mouth",)]),
    ],
)  # fmt: skip
def test_lexicon_phrases_in_order(text, emotions, entries):
    p = parse_instruction(text, place_unknown=False)
    assert p.emotions == emotions and p.entries == entries


@pytest.mark.parametrize(
    "text,emotions,negated",
    [
        ("not happy but angry", ["anger"], ["happy"]),
        ("Rather than sad, furious.", ["anger"], ["sad"]),
        ("Instead of smiling, she frowns.", ["anger"], ["smiling"]),
        ("He frowns instead of smiling.", ["anger"], ["smiling"]),
        ("She doesn't look happy; she looks scared.", ["fear"], ["happy"]),
        ("Make him sad, not angry.", ["sadness"], ["angry"]),
        ("without a smile, then glaring", ["anger"], ["smile"]),
        ("Stop smiling and start crying.", ["sadness"], ["smiling"]),
    ],
)  # fmt: skip
def test_negation_and_contrast(text, emotions, negated):
    p = parse_instruction(text, place_unknown=False)
    assert p.emotions == emotions and p.negated == negated


@pytest.mark.parametrize("text,word", [("not happy", "happy"), ("She is not smiling.", "smiling"),
                                       ("Neither angry nor scared", "angry")])  # fmt: skip
def test_only_negated_gets_one_line_saying_what_to_ask(text, word):
    with pytest.raises(UserError) as err:
        parse_instruction(text)
    msg = str(err.value)
    assert "\n" not in msg and f"'{word}'" in msg and "negated" in msg and "instead" in msg and "make him look" in msg


def test_lexicon_intensity_words():
    p = parse_instruction("Slightly jubilant, then very indignant, then a big grin.", place_unknown=False)
    assert p.emotions == ["happiness", "anger", "happiness"] and p.intensities == [0.5, 1.2, 1.2]
    assert parse_instruction("a little wistful", place_unknown=False).intensities == [0.5]


def test_held_out_everyday_families():
    """A list of everyday phrasings written for this test (not training templates, not the bench's set)."""
    cases = [("The toddler starts to sulk.", ["sadness"]), ("Grinning, she hugs her friend.", ["happiness"]),
             ("He glowers across the table.", ["anger"]), ("She gasps and her eyes widen.", ["surprise"]),
             ("He wrinkles his nose and gags.", ["disgust"]), ("She is shaking with fear.", ["fear"]),
             ("The boss smirks, then scowls.", ["contempt", "anger"]), ("He is feeling down.", ["sadness"]),
             ("Cranky in the morning, cheery by noon.", ["anger", "happiness"]), ("She yawns.", ["neutral"]),
             ("He glances to the right.", ["neutral"]), ("A gleeful giggle.", ["happiness"]),
             ("Looking incredulous, he gawks.", ["surprise"]), ("She is fed up.", ["anger"]),
             ("He looks crestfallen.", ["sadness"]), ("Tense, then panic-stricken.", ["fear", "fear"]),
             ("She squints, then looks bored.", ["neutral", "neutral"]), ("He looks snooty.", ["contempt"])]  # fmt: skip
    wrong = [(t, parse_instruction(t, place_unknown=False).emotions) for t, want in cases]
    wrong = [(t, got) for (t, got), (_, want) in zip(wrong, cases) if got != want]
    assert not wrong


def test_modifiers_make_one_anchor_and_punctuation_stops_them():
    p = parse_instruction("From a smug grin to pure disgust.", place_unknown=False)
    assert p.emotions == ["contempt", "disgust"] and p.entries[0] == ("grin",)
    assert parse_instruction("She smiles sadly.", place_unknown=False).emotions == ["sadness"]
    assert parse_instruction("She smiles, sadly.", place_unknown=False).emotions == ["happiness", "sadness"]
    assert parse_instruction("She is not tired, she is happy.", place_unknown=False).emotions == ["happiness"]


def test_words_of_each_anchor():
    p = parse_instruction("He smiles happily, then she rolled her eyes and finally a smug grin.", place_unknown=False)
    assert p.words == ["smiles happily", "rolled her eyes", "smug grin"]
    assert p.emotions == ["happiness", "contempt", "contempt"]


@pytest.mark.parametrize(
    "text,emotions",
    [("She rolls her eyes in annoyance.", ["anger"]), ("He gasps in utter horror.", ["fear"]),
     ("She wrinkles her nose with disgust, then smiles.", ["disgust", "happiness"]),
     ("It frightens him.", ["fear"]), ("From calm to panicking.", ["neutral", "fear"]),
     ("Her face lights up.", ["happiness"]), ("He keeps a straight face, then laughs.", ["neutral", "happiness"])],
)  # fmt: skip
def test_manner_phrases_and_inflections_of_basic_words(text, emotions):
    assert parse_instruction(text, place_unknown=False).emotions == emotions


@pytest.mark.parametrize("text, emotions", [
    ("Please make her look sad.", ["sadness"]),
    ("Make him angry, please.", ["anger"]),
    ("Kindly turn this face from fear to surprise", ["fear", "surprise"]),
])
def test_please_is_politeness_not_happiness(text, emotions):
    assert parse_instruction(text).emotions == emotions
    assert parse_instruction("She is pleased.").emotions == ["happiness"]  # control: the mood word still reads
