import numpy as np
import pytest

from emoshift.export.video import write_video
from emoshift.io import UserError


def test_video_shared_identity_and_smooth(tmp_path, fitter, astronaut):
    frames = [np.roll(astronaut, 3 * i, axis=1) for i in range(8)]
    frames[4] = np.full_like(astronaut, 90)  # a frame without a face is skipped
    p = tmp_path / "clip.mp4"
    write_video(frames, p, fps=10)
    fits = fitter.fit_video(p, stride=1, progress=False)
    assert [f.frame for f in fits] == [0, 1, 2, 3, 5, 6, 7]
    for f in fits[1:]:
        np.testing.assert_array_equal(f.identity, fits[0].identity)  # one identity for the clip
    xs = [f.translation[0] for f in fits]
    assert all(b > a for a, b in zip(xs, xs[1:]))  # the head follows the 3 px/frame pan
    for f in fits:
        assert f.landmark_rmse_iod < 0.04
        assert f.weight("mouthSmile_L") > 0.3
    strided = fitter.fit_video(p, stride=3, progress=False)
    assert [f.frame for f in strided] == [0, 3, 6]


def test_video_bad_inputs(tmp_path, fitter, astronaut):
    p = tmp_path / "blank.mp4"
    write_video([np.full_like(astronaut, 128)] * 3, p, fps=10)
    with pytest.raises(UserError, match="no face found in any frame"):
        fitter.fit_video(p, progress=False)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 10)
    with pytest.raises(UserError):
        fitter.fit_video(junk, progress=False)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        fitter.fit_video(empty, progress=False)


def test_cli_video(tmp_path, fitter, astronaut, monkeypatch):
    import json

    import emoshift.fitting
    from emoshift.cli import main

    monkeypatch.setattr(emoshift.fitting, "Fitter", lambda *a, **k: fitter)
    p = tmp_path / "clip.mp4"
    write_video([astronaut] * 4, p, fps=10)
    out = tmp_path / "v.json"
    assert main(["fit", str(p), "--out", str(out), "--stride", "2", "--quiet"]) == 0
    d = json.loads(out.read_text())
    assert [f["frame"] for f in d["frames"]] == [0, 2]
    assert main(["fit", str(p), "--out", str(tmp_path / "o.json"), "--overlay", str(tmp_path / "o.png")]) == 2
    blank = tmp_path / "blank.mp4"
    write_video([np.full_like(astronaut, 128)] * 3, blank, fps=10)
    out2 = tmp_path / "none.json"
    assert main(["fit", str(blank), "--out", str(out2)]) == 2
    assert not out2.exists()
