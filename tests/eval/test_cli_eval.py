"""``emoshift eval``: quick report end to end on a tiny set, instruction files, bad input."""

import json

import pytest

from emoshift.cli import main


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    argv = ["eval", "--preset", "ckplus-like", "--report", str(out), "--quick", "--experiments", "ours,motionclip",
            "--judge-epochs", "2", "--quiet", "--json"]  # fmt: skip
    return out, argv


@pytest.mark.slow
def test_quick_report_end_to_end(quick_report, capsys):
    out, argv = quick_report
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["runs"]) == {"ours", "motionclip"}
    for name in ("report.md", "results.json", "confusion.png", "tsne.png", "judge.pt", "models/ours_r0.pt"):
        assert (out / name).is_file(), name
    assert (out / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    for heading in ("Table II", "Table X", "Unseen phrasings", "| Ground truth |", "| MotionCLIP-style |", "| Ours |"):
        assert heading in md, heading
    res = json.loads((out / "results.json").read_text())
    from emoshift.data import build_preset

    n_test = len(build_preset("ckplus-like", seed=0, scale=0.03).subset("test"))
    assert res["ground_truth"]["n"] == n_test == printed["ground_truth"]["n"]
    for s in [res["ground_truth"]] + res["runs"]["ours"] + res["runs"]["motionclip"]:
        assert 0.0 <= s["acc1"] <= 1.0 and 0.0 <= s["acc2"] <= 1.0 and 0.0 <= s["gmean"] <= 1.0
        assert sum(map(sum, s["confusion"])) >= s["n"]  # one count per judged expression, >= one per instruction
    assert set(res["judge"]["rotation"]) == {"0", "10", "15", "30"}
    # the judge never saw the test split or generated data
    assert res["judge"]["meta"]["split"] == "train"


@pytest.mark.slow
def test_rerun_reuses_cached_models(quick_report, capsys):
    out, argv = quick_report
    model = out / "models" / "ours_r0.pt"
    if not model.is_file():
        assert main(argv) == 0
    before = model.stat().st_mtime_ns
    judge_before = (out / "judge.pt").stat().st_mtime_ns
    assert main(argv) == 0
    capsys.readouterr()
    assert model.stat().st_mtime_ns == before and (out / "judge.pt").stat().st_mtime_ns == judge_before


@pytest.mark.slow
def test_instructions_json(quick_report, tmp_path, capsys):
    import torch

    from emoshift.models.generator import save_checkpoint
    from emoshift.models.train import model_from_state

    out, argv = quick_report
    if not (out / "models" / "ours_r0.pt").is_file():
        assert main(argv) == 0
    gen = save_checkpoint(tmp_path / "gen.pt", model_from_state(torch.load(out / "models" / "ours_r0.pt")))
    f = tmp_path / "i.jsonl"
    f.write_text(
        '{"text": "Turn this face from fear to happiness.", "emotions": ["fear", "happiness"]}\n\n'
        '{"text": "He looks sad.", "emotions": ["sadness"]}\n'
    )
    capsys.readouterr()
    assert main(["eval", "--instructions", str(f), "--json", "--model", str(gen), "--judge", str(out / "judge.pt")]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) == {"n", "acc1", "acc2", "gmean"} and d["n"] == 2
    assert 0 <= d["acc1"] <= 1 and 0 <= d["acc2"] <= 1


@pytest.mark.parametrize(
    "lines,msg",
    [
        ('{"text": "x"}\n', ":1: no emotion found"),  # no labels given: the parser's reading, which fails
        ('{"text": "Make him happy", "emotions": ["glee"]}\n', "unknown emotion 'glee'"),
        ('{"text": "Make him happy", "emotions": "fear"}\n', ":1: expected"),
        ("{not json\n", ":1: expected"),
        ("Make him happy\nthe weather\n", ":2: no emotion found"),
        ("\n", "holds no instructions"),
    ],
)
def test_bad_instruction_files(tmp_path, capsys, lines, msg):
    f = tmp_path / "bad.jsonl"
    f.write_text(lines)
    assert main(["eval", "--instructions", str(f), "--json"]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_arguments(tmp_path, capsys):
    assert main(["eval"]) == 2
    assert main(["eval", "--report", str(tmp_path / "r"), "--preset", "nope", "--quick"]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert main(["eval", "--report", str(tmp_path / "r"), "--experiments", "ours,bogus", "--quick"]) == 2
    assert "unknown experiment" in capsys.readouterr().err
    assert main(["eval", "--instructions", str(tmp_path / "missing.jsonl")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "--report", str(tmp_path / "r"), "--repeats", "0"])


def test_instruction_file_plain_lines_take_the_parsers_labels(tmp_path):
    from emoshift.eval.evaluate import read_instructions

    f = tmp_path / "i.txt"
    f.write_text('# comment\nTurn this face from fear to happiness.\n\n{"text": "Make her look sad.", "emotions": ["sadness"]}\n')
    texts, labels = read_instructions(f)
    assert texts == ["Turn this face from fear to happiness.", "Make her look sad."]
    assert labels.tolist() == [[4, 1, -1], [7, -1, -1]]
