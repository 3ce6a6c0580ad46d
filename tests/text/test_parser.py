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
