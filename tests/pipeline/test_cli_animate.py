"""``emoshift animate`` argument handling, outputs, batches and errors, on the fake pipeline."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fake_components import fake_pipeline
from PIL import Image

from emoshift.cli import cmd_animate, main


@pytest.fixture
def fake(monkeypatch):
    pipe = fake_pipeline()
    monkeypatch.setattr(cmd_animate, "_PIPELINE", pipe)
    return pipe


def _final(path):
    """The output a writer's (temporary, staged) path becomes after the all-or-nothing commit."""
    from emoshift.outputs import TMP_TAG

    return re.sub(rf"^\.(.*)-{TMP_TAG}-[0-9a-f]+", r"\1", path.name)


def _photo(path, value=120):
    Image.fromarray(np.full((20, 30, 3), value, np.uint8)).save(path)
    return str(path)


def test_single_job_with_extras_beside_out(fake, tmp_path, capsys):
    img = _photo(tmp_path / "me.png")
    out = tmp_path / "o.mp4"
    rc = main(["animate", img, "from disgust to happy", "--out", str(out), "--glb", "--csv", "--json",
               "--sheet", str(tmp_path / "s.jpg"), "--frames", "--quiet"])  # fmt: skip
    assert rc == 0
    kinds = {_final(p): k for k, p in fake.writers.calls}
    assert kinds == {"o.mp4": "video", "o.glb": "glb", "o.csv": "csv", "o.json": "json", "s.jpg": "sheet",
                     "o_frames": "video"}  # fmt: skip
    assert capsys.readouterr().out == ""


def test_message_names_anchors_and_planner(fake, tmp_path, capsys):
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "sad then happy", "--out", str(tmp_path / "a.mp4")]) == 0
    out = capsys.readouterr().out
    assert "source -> sadness -> neutral -> happiness" in out and "planner: fake" in out


def test_existing_output_needs_force(fake, tmp_path, capsys):
    img = _photo(tmp_path / "me.png")
    out = tmp_path / "a.mp4"
    out.write_text("old")
    assert main(["animate", img, "happy", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force" in err and "Traceback" not in err
    assert out.read_text() == "old" and fake.writers.calls == []
    assert main(["animate", img, "happy", "--out", str(out), "--force", "--quiet"]) == 0


@pytest.mark.parametrize(
    "argv, msg",
    [
        (["IMG", "make it purple"], "no emotion found"),
        (["IMG", "happy", "--fps", "0"], "fps must lie"),
        (["IMG", "happy", "--out", "OUT/x.avi"], "unknown output extension"),
        (["missing.jpg", "happy"], "image not found"),
        (["IMG"], "give an instruction"),
        (["happy", "--out", "OUT/x.mp4"], "need a photo"),
        (["IMG", "happy", "--samples", "0"], "samples must lie"),
        (["IMG", "happy", "--instructions", "OUT/none.txt"], "cannot read instructions"),
    ],
)
def test_bad_input_is_one_line(fake, tmp_path, capsys, argv, msg):
    img = _photo(tmp_path / "me.png")
    argv = [a.replace("IMG", img).replace("OUT", str(tmp_path)) for a in argv]
    assert main(["animate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1
    assert fake.writers.calls == []


def test_no_photo_writes_3d_only(fake, tmp_path):
    assert main(["animate", "from anger to surprise", "--out", str(tmp_path / "h.glb"), "--csv", "--quiet"]) == 0
    assert sorted(_final(p) for _, p in fake.writers.calls) == ["h.csv", "h.glb"]
    assert fake.fitter.calls == []


def test_samples_write_numbered_variants(fake, tmp_path):
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "happy", "--out", str(tmp_path / "v.mp4"), "--samples", "3", "--quiet"]) == 0
    names = sorted(_final(p) for _, p in fake.writers.calls)
    assert names == ["v-1.mp4", "v-2.mp4", "v-3.mp4"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png", "v-1.mp4", "v-2.mp4", "v-3.mp4"]


def test_batch_isolates_failures_and_prints_table(fake, tmp_path, capsys):
    good = _photo(tmp_path / "good.png")
    dark = _photo(tmp_path / "dark.png", value=0)  # the fake fitter finds no face in a black photo
    lines = tmp_path / "lines.txt"
    lines.write_text("# comment\nfrom sad to happy\n\nmake it purple\n")
    out = tmp_path / "res"
    rc = main(["animate", good, dark, "--instructions", str(lines), "--out", str(out), "--glb", "--workers", "1",
               "--quiet"])  # fmt: skip
    assert rc == 1
    table = capsys.readouterr().out
    assert "1 of 4 jobs succeeded" in table
    assert table.count("FAILED") == 3 and "no face found" in table and "no emotion found" in table
    assert sorted(p.name for p in out.iterdir()) == ["good_00_from-sad-to-happy.glb", "good_00_from-sad-to-happy.mp4"]


def test_summary_table_columns():
    job = cmd_animate.Job("a/b.png", "x" * 50, {}, 3)
    text = cmd_animate.summary_table([cmd_animate.JobResult(job, True, "m", 1.25, ["o.mp4"])])
    assert "b.png" in text and "x" * 33 + "..." in text and "1.2" in text and "o.mp4" in text
    assert text.endswith("1 of 1 jobs succeeded")


def test_json_dash_prints_a_summary_for_scripts(fake, tmp_path, capsys):
    import json

    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "from disgust to happy", "--out", str(tmp_path / "a.mp4"), "--json", "-"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["ok"] and rec["written"] == [str(tmp_path / "a.mp4")]
    assert rec["summary"]["anchors"] == ["source", "disgust", "neutral", "happiness"]
    assert [k for k, _ in fake.writers.calls] == ["video"]  # no weights file named "-"
    lines = tmp_path / "l.txt"
    lines.write_text("happy\npurple\n")
    rc = main(["animate", img, "--instructions", str(lines), "--out", str(tmp_path / "b"), "--json", "-",
               "--workers", "1", "--quiet"])  # fmt: skip
    recs = json.loads(capsys.readouterr().out)
    assert rc == 1 and [r["ok"] for r in recs] == [True, False] and "no emotion" in recs[1]["error"]
