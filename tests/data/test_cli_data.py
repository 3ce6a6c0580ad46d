import numpy as np
import pytest

from emoshift.cli import main
from emoshift.data import ExpressionDataset, build_preset


def test_build_preset_writes_dataset_and_card(tmp_path, capsys):
    out = tmp_path / "ck.npz"
    assert main(["data", "build", "--preset", "ckplus-like", "--scale", "0.05", "--seed", "2", "--out", str(out)]) == 0
    ds = ExpressionDataset.load(out)
    ref = build_preset("ckplus-like", seed=2, scale=0.05)
    assert (ds.text == ref.text).all() and np.array_equal(ds.expression, ref.expression)
    card = (tmp_path / "ck.card.md").read_text()
    assert "| surprise |" in card and "| neutral |" not in card
    assert "Turn this face from {N1} to {N2}." in card and "test_unseen_phrasing" in card
    png = (tmp_path / "ck.classes.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert f"wrote {out}: {len(ds)} samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--out", "x.txt"], "extension"),
        (["--out", "missing/x.npz"], "folder does not exist"),
        (["--scale", "0", "--out", "{tmp}/a.npz"], "scale"),
        (["--ckplus", "{tmp}/nope", "--out", "{tmp}/b.npz"], "CK\\+ folder not found"),
        (["--celebvhq", "{tmp}", "--out", "{tmp}/c.npz"], "celebvhq_info.json not found"),
        (["--ckplus", "{tmp}", "--celebvhq", "{tmp}", "--out", "{tmp}/d.npz"], "one source"),
        (["--samples", "10", "--out", "{tmp}/e.npz"], "--scale"),
    ],
)
def test_build_bad_input_is_one_line(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["data", "build", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    import re

    assert re.search(message, err)
    assert not list(tmp_path.glob("*.npz")) and not list(tmp_path.glob(".*tmp*"))


def test_no_clobber_and_card_command(tmp_path, capsys):
    out = tmp_path / "c.npz"
    assert main(["data", "build", "--preset", "celebvhq-like", "--scale", "0.02", "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    before = out.read_bytes()
    assert main(["data", "build", "--preset", "celebvhq-like", "--scale", "0.03", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["data", "card", str(out)]) == 2  # card exists
    (tmp_path / "c.card.md").unlink()
    (tmp_path / "c.classes.png").unlink()
    assert main(["data", "card", str(out)]) == 0
    assert "| neutral |" in (tmp_path / "c.card.md").read_text()
