from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from emoshift.export import check_export_path
from emoshift.export.video import write_video
from emoshift.io import UserError


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_mp4_decodes_back_as_h264_yuv420p(tmp_path, frames):
    out = write_video(frames, tmp_path / "clip.mp4", fps=24)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (96, 64)
        assert float(s.average_rate) == pytest.approx(24)
        decoded = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(s)])
    assert decoded.shape == frames.shape
    err = np.abs(decoded.astype(int) - frames.astype(int)).mean()
    assert err < 6, err  # lossy but faithful; a wrong frame order or colour swap would be ~50+
    assert _leftovers(tmp_path) == ["clip.mp4"]
    data = out.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # "faststart": browsers can play while loading


def test_mp4_streams_an_iterable_and_pads_odd_sizes(tmp_path):
    odd = (np.full((7, 33, 3), 120, np.uint8) for _ in range(5))
    out = write_video(odd, tmp_path / "odd.mp4", fps=30)
    with av.open(str(out)) as c:
        got = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(got) == 5 and got[0].shape == (8, 34, 3)
    assert abs(int(got[0].mean()) - 120) <= 3


def test_gif_frames_and_timing(tmp_path, frames):
    out = write_video(frames, tmp_path / "clip.gif", fps=10)
    with Image.open(out) as im:
        assert im.n_frames == len(frames)
        assert im.size == (96, 64)
        assert im.info["duration"] == 100
        im.seek(3)
        got = np.asarray(im.convert("RGB"))
    errs = [np.abs(got.astype(int) - f.astype(int)).mean() for f in frames]
    assert int(np.argmin(errs)) == 3 and errs[3] < 20  # 256 colours for a 3-D gradient: coarse but right


def _gif_durations(path):
    """(number of frames, [delay ms]) of a GIF as Pillow reads it back."""
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        return im.n_frames, durations


def _dots(n, size=16):
    """n distinct (size, size, 3) frames: black with one white pixel, moving (no two frames alike)."""
    out = np.zeros((n, size, size, 3), np.uint8)
    out[np.arange(n), np.arange(n) // size, np.arange(n) % size] = 255
    return out


@pytest.mark.parametrize("fps, shown", [(10, 20), (24, 48), (30, 60), (60, 100)])
def test_gif_plays_as_long_as_the_clip(tmp_path, fps, shown):
    """2 s at each rate: every frame (60 fps: evenly dropped to 50 fps), delays in whole centiseconds
    adding up to frames / fps, none under 2 cs (browsers play shorter delays as ~10 cs)."""
    n = 2 * fps
    count, durations = _gif_durations(write_video(_dots(n), tmp_path / "clip.gif", fps=fps))
    assert count == shown
    assert abs(sum(durations) - 1000 * n / fps) <= 10
    assert min(durations) >= 20 and all(d % 10 == 0 for d in durations)
    if fps == 30:
        assert durations[:6] == [30, 40, 30, 30, 40, 30]  # rounded exact timestamps 0, 3, 7, 10, 13, 17, 20 cs


def test_gif_drops_frames_evenly_above_50_fps(tmp_path):
    with Image.open(write_video(_dots(12), tmp_path / "clip.gif", fps=60)) as im:
        shown = []
        for i in range(im.n_frames):
            im.seek(i)
            y, x = np.argwhere(np.asarray(im.convert("RGB"))[..., 0] > 128)[-1]  # the newest dot
            shown.append(int(y * 16 + x))
    assert shown == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]  # every sixth frame of 60 fps dropped: 50 fps


def test_gif_hold_keeps_its_time(tmp_path):
    """Pillow stores identical consecutive frames once: that frame carries their summed delay."""
    dots = _dots(10)
    held = np.concatenate([dots[:3], np.repeat(dots[3:4], 4, 0), dots[4:]])  # 13 frames, one held for 4
    count, durations = _gif_durations(write_video(held, tmp_path / "clip.gif", fps=30))
    assert count == 10
    assert durations[3] == 130  # frames 3-6: 10 -> 23 cs
    assert sum(durations) == round(1000 * 13 / 30, -1)


def test_png_folder_is_lossless_and_replaced_whole(tmp_path, frames):
    folder = tmp_path / "frames"
    write_video(frames, folder, fps=30)
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == [f"frame_{i:05d}.png" for i in range(8)]
    assert np.array_equal(np.asarray(Image.open(files[5])), frames[5])
    write_video(frames[:2], folder, fps=30)  # overwrite: the old frames do not linger
    assert len(list(folder.iterdir())) == 2
    assert _leftovers(tmp_path) == ["frames"]


@pytest.mark.parametrize("name", ["clip.mp4", "clip.gif", "frames"])
def test_failed_write_leaves_nothing(tmp_path, frames, name):
    def broken():
        yield frames[0]
        yield frames[1]
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        write_video(broken(), tmp_path / name, fps=30)
    assert _leftovers(tmp_path) == []


def test_failed_write_keeps_the_old_file(tmp_path, frames):
    old = tmp_path / "clip.mp4"
    old.write_bytes(b"old")
    with pytest.raises(ValueError):
        write_video([frames[0], frames[0][:10]], old, fps=30)  # second frame has another size
    assert old.read_bytes() == b"old"
    assert _leftovers(tmp_path) == ["clip.mp4"]


@pytest.mark.parametrize("fps", [0, -5, 1e6, float("nan"), "fast"])
def test_bad_fps(tmp_path, frames, fps):
    with pytest.raises(UserError, match="fps"):
        write_video(frames, tmp_path / "a.mp4", fps=fps)
    assert _leftovers(tmp_path) == []


def test_bad_inputs(tmp_path, frames):
    with pytest.raises(UserError, match="extension"):
        write_video(frames, tmp_path / "a.avi", fps=30)
    with pytest.raises(UserError, match="no frames"):
        write_video([], tmp_path / "a.mp4", fps=30)
    with pytest.raises(UserError, match="does not exist"):
        write_video(frames, tmp_path / "missing" / "a.mp4", fps=30)
    with pytest.raises(ValueError, match="uint8"):
        write_video(frames.astype(np.float32), tmp_path / "a.mp4", fps=30)
    assert _leftovers(tmp_path) == []


def test_check_export_path(tmp_path):
    assert check_export_path(tmp_path / "a.mp4", "video") == tmp_path / "a.mp4"
    assert check_export_path(tmp_path / "frames", "video") == tmp_path / "frames"
    with pytest.raises(UserError, match="unknown output extension '.avi'"):
        check_export_path(tmp_path / "a.avi", "video")
    with pytest.raises(UserError, match="unknown output extension '.mp4'"):
        check_export_path(tmp_path / "a.mp4", "glb")
    with pytest.raises(UserError, match="does not exist"):
        check_export_path(tmp_path / "nope" / "a.glb", "glb")
    with pytest.raises(UserError, match="does not exist"):
        check_export_path(tmp_path / "nope" / "frames", "video")
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(UserError, match="--force"):
        check_export_path(tmp_path / "a.csv", "curves")
    assert check_export_path(tmp_path / "a.csv", "curves", force=True)
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "frame_00000.png").write_bytes(b"")
    with pytest.raises(UserError, match="--force"):
        check_export_path(tmp_path / "frames", "video")
    assert check_export_path(tmp_path / "frames", "video", force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        check_export_path(tmp_path / "file", "meshes", force=True)


def test_check_export_path_read_only(tmp_path, monkeypatch, frames):
    # simulated: the tests may run as root, who can write anywhere; the check really tries to create a file
    import tempfile

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(UserError, match="not writable"):
        check_export_path(tmp_path / "a.mp4", "video")
    with pytest.raises(UserError, match="not writable"):
        check_export_path(tmp_path / "frames", "video")
    with pytest.raises(UserError, match="not writable"):
        write_video(frames, tmp_path / "frames", fps=30)
    assert _leftovers(tmp_path) == []
