"""``emoshift fit`` writes its coefficients, mesh and overlay all or none (issue 15)."""

import errno

import pytest
from PIL import Image

from emoshift.cli import main


@pytest.fixture(autouse=True)
def _shared_fitter(monkeypatch, fitter):
    import emoshift.fitting

    monkeypatch.setattr(emoshift.fitting, "Fitter", lambda *a, **k: fitter)


def test_overlay_failure_leaves_no_json_or_mesh(tmp_path, capsys, monkeypatch, astronaut):
    photo = tmp_path / "astro.png"
    Image.fromarray(astronaut).save(photo)
    argv = ["fit", str(photo), "--out", str(tmp_path / "c.json"), "--mesh", str(tmp_path / "h.obj"),
            "--overlay", str(tmp_path / "o.png")]  # fmt: skip
    real_save = Image.Image.save

    def full_disk(self, fp, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "o.png: No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["astro.png"]
    monkeypatch.setattr(Image.Image, "save", real_save)  # control
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["astro.png", "c.json", "h.obj", "o.png"]
