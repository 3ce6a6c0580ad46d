"""Typos and unknown words where an instruction names an expression (emoshift.text.spelling and the parser's
expression slots): a misspelt word is read as meant, with a note; an unknown word there is placed by
meaning or refused naming it; never dropped while another emotion goes on alone."""

import os
import subprocess
import sys

import pytest

from emoshift.io import UserError
from emoshift.text import spelling
from emoshift.text.parser import parse_instruction


def test_distance_and_limits():
    assert spelling.distance("hapy", "happy") == 1 and spelling.distance("hpapy", "happy") == 1  # a swap is one edit
    assert spelling.distance("exstatic", "ecstatic") == 1 and spelling.distance("banana", "bandana") == 1
    assert [spelling.limit(w) for w in ("sad", "hapy", "angery", "suprised")] == [0, 1, 1, 2]


def test_english_words_are_not_typos():
    assert spelling.is_english("pink") and spelling.is_english("shading") and spelling.is_english("thinned")
    assert not spelling.is_english("hapy") and not spelling.is_english("supprised")


@pytest.mark.parametrize(
    "text,emotions,read_as",
    [
        ("Turn this face from disgust to happyness", ["disgust", "happiness"], [("happyness", "happiness")]),
        ("from sad to hapy", ["sadness", "happiness"], [("hapy", "happy")]),
        ("from angry to happpy", ["anger", "happiness"], [("happpy", "happy")]),
        ("from fear to surprize", ["fear", "surprise"], [("surprize", "surprise")]),
        ("from sad to exstatic", ["sadness", "happiness"], [("exstatic", "ecstatic")]),
        ("suprised", ["surprise"], [("suprised", "surprised")]),
        ("she is supprised", ["surprise"], [("supprised", "surprised")]),
        ("sad -> hapy", ["sadness", "happiness"], [("hapy", "happy")]),
        ("Make him look very angy, then sadd", ["anger", "sadness"], [("angy", "angry"), ("sadd", "sad")]),
        ("furiuos", ["anger"], [("furiuos", "furious")]),  # 1 edit from furious, 2 from curious
        ("not hapy but sad", ["sadness"], [("hapy", "happy")]),
    ],
)  # fmt: skip
def test_a_misspelt_expression_is_read_as_meant_with_a_note(text, emotions, read_as):
    p = parse_instruction(text)
    assert p.emotions == emotions and p.read_as == read_as
    assert p.note == "read " + ", ".join(f"'{a}' as '{b}'" for a, b in read_as)
    assert p.words[-1] in [b for _, b in read_as] or p.negated  # the span the generator sees is the word meant


@pytest.mark.parametrize(
    "text,word",
    [("from sad to banana", "banana"), ("from sad to purple then happy", "purple"), ("sad -> banana", "banana"),
     ("Make her look purple, then happy.", "purple"), ("from sad to pink", "pink")],
)  # fmt: skip
def test_an_unknown_word_where_an_expression_stands_is_refused_by_name(text, word):
    with pytest.raises(UserError) as err:
        parse_instruction(text)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"'{word}' is not an expression emoshift knows (closest: ")
    assert "use words like" in msg


def test_an_ambiguous_near_word_is_refused_naming_the_words_it_may_mean():
    with pytest.raises(UserError, match=r"'wincked' .*closest: winced \(disgust\), winked \(neutral\)"):
        parse_instruction("from happy to wincked")
    with pytest.raises(UserError, match=r"'grimn' .*closest: grim \(anger\), grin \(happiness\)"):
        parse_instruction("from sad to grimn", place_unknown=False)  # not read as either


def test_an_unknown_word_of_a_slot_is_still_placed_by_meaning():
    p = parse_instruction("from sad to rageful")  # as "He is rageful." alone (tests/text/test_placement.py)
    assert p.emotions == ["sadness", "anger"] and p.words == ["sad", "rageful"] and p.read_as == []


@pytest.mark.parametrize(
    "text,emotions",
    [("Turn this face from disgust to happiness", ["disgust", "happiness"]), ("Make her look furious", ["anger"]),
     ("from calm to furious", ["neutral", "anger"]), ("She smiles, then waves.", ["happiness"]),
     ("She looks around, then smiles.", ["happiness"]), ("He trembles from head to toe.", ["fear"]),
     ("Make Gleb look sad.", ["sadness"]), ("She stares into the camera, then smiles.", ["happiness"]),
     ("Slowly turn from slightly sad to very happy", ["sadness", "happiness"]),
     ("happy => sad", ["happiness", "sadness"]), ("He is shading his eyes, then smiles.", ["happiness"])],
)  # fmt: skip
def test_controls_read_as_before(text, emotions):
    p = parse_instruction(text)
    assert p.emotions == emotions and p.read_as == [] and p.note == ""


def test_not_happy_is_still_refused_as_negated():
    with pytest.raises(UserError, match="'happy' was understood as negated"):
        parse_instruction("not happy")


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "emoshift", *args], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


def test_cli_refuses_an_unknown_word_in_one_line_with_exit_2():
    p = _cli("generate", "Turn this face from disgust to banana")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("emoshift: error: 'banana' is not an expression")


def test_cli_reads_a_typo_and_says_so_once():
    p = _cli("generate", "Turn this face from disgust to happyness")
    assert p.returncode == 0 and "disgust -> happiness" in p.stdout
    assert p.stderr.count("emoshift: note: read 'happyness' as 'happiness'\n") == 1


def test_a_misspelt_word_keeps_its_intensity_word():
    assert parse_instruction("Make him look very angy").intensities == [1.2]


@pytest.mark.parametrize(
    "text,corrected",
    [
        ("from Sad to HAPY", "from Sad to happy"),
        ("Turn this face from disgust to happyness.", "Turn this face from disgust to happiness."),
        ("she is supprised", "she is surprised"),
        ("Make her look furious", "Make her look furious"),  # nothing misspelt: the text as typed
    ],
)
def test_corrected_text_is_what_the_generator_encodes(text, corrected):
    assert parse_instruction(text).corrected_text == corrected
