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


def test_overlap_fits_the_rest_in_a_child_with_the_same_fits(fitter, astronaut, monkeypatch):
    """``fit_frames(overlap=2)``: the first two frames are fitted here and handed to on_fit while a forked
    child fits the others (threads.forked_call); the same fits to the bit, handed on in frame order.
    Control: without the fork every per-frame fit is made here."""
    import os

    from emoshift import threads
    from emoshift.fitting.video import fit_frames

    frames = [(i, np.roll(astronaut, 4 * i, axis=1)) for i in range(7)]
    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))
    monkeypatch.delenv("EMOSHIFT_FORK", raising=False)
    here = []
    real = fitter.fit_landmarks

    def counted(*a, **kw):
        if kw.get("fix_identity"):  # the per-frame fits (the clip's own are identity-free)
            here.append(os.getpid())
        return real(*a, **kw)

    monkeypatch.setattr(fitter, "fit_landmarks", counted)
    runs = {}
    for overlap in (2, 0):
        here.clear()
        seen = []
        fits = fit_frames(fitter, frames, progress=False, on_fit=lambda f: seen.append((f.frame, len(here))), overlap=overlap)
        runs[overlap] = (fits, list(here), seen)
    (a, here_a, seen_a), (b, here_b, seen_b) = runs[2], runs[0]
    assert [f.frame for f in a] == [f.frame for f in b] == list(range(7))
    for x, y in zip(a, b):
        for k in ("expression", "rotation", "translation", "identity", "landmarks_fitted"):
            np.testing.assert_array_equal(getattr(x, k), getattr(y, k))
    assert here_a == [os.getpid()] * 2  # two frames fitted here, the other five by the child
    assert [f for f, _ in seen_a] == list(range(7)) and [n for _, n in seen_a[:2]] == [2, 2]
    assert here_b == [os.getpid()] * 7  # the control: all here, each handed on as it is fitted
    assert [n for _, n in seen_b] == list(range(1, 8))
