"""Reading and writing video inputs: the facts checked up front, timestamps and audio carried over."""

from fractions import Fraction

import av
import numpy as np
import pytest

from emoshift.io import UserError
from emoshift.videoin import is_video_path, probe
from emoshift.videoin.probe import iter_frames, output_size
from emoshift.videoin.synthetic import write_clip
from emoshift.videoin.writer import Mp4Writer, read_audio


def _frames(n, size=64):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    return np.stack([np.roll(base, 2 * i, axis=1) for i in range(n)])


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("v") / "clip.mp4", _frames(30), 15.0, audio=True)


def test_probe_reads_the_clip_facts(clip):
    info = probe(clip)
    assert (info.width, info.height, info.frames, info.fps, info.audio) == (64, 64, 30, Fraction(15), "aac")
    assert info.seconds == pytest.approx(2.0) and not info.variable_rate


def test_a_too_long_video_is_one_line_user_error(clip):
    with pytest.raises(UserError, match=r"2\.0 s .* at most 1 s") as err:
        probe(clip, max_seconds=1.0)
    assert "\n" not in str(err.value)


def test_unreadable_inputs_are_user_errors(tmp_path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(UserError, match="not a readable video"):
        probe(bad)
    with pytest.raises(UserError, match="not found"):
        probe(tmp_path / "missing.mp4")


def test_video_paths_and_sizes():
    assert is_video_path("a/talk.MP4") and is_video_path("x.webm") and not is_video_path("a.jpg")
    assert not is_video_path(np.zeros((2, 2, 3)))
    assert output_size(640, 360, 1024) == (640, 360)
    assert output_size(1920, 1080, 512) == (512, 288)
    assert output_size(641, 361, None) == (640, 360)  # H.264 4:2:0 needs even sides


def test_writer_keeps_timestamps_of_a_variable_rate_video_and_copies_the_audio(clip, tmp_path):
    # a variable-frame-rate input: intervals alternate 1/15 s and 2/15 s
    vfr = tmp_path / "vfr.mp4"
    frames = _frames(12)
    with av.open(str(vfr), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=15)
        s.width = s.height = 64
        s.pix_fmt, s.time_base = "yuv420p", Fraction(1, 15)
        t = 0
        for k, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            vf.pts, vf.time_base = t, Fraction(1, 15)
            c.mux(s.encode(vf))
            t += 1 + k % 2
        c.mux(s.encode())
    info = probe(vfr)
    assert info.variable_rate
    out = tmp_path / "out.mp4"
    with Mp4Writer(out, info) as w:
        for _, rgb, pts in iter_frames(info):
            w.write(rgb, pts)
    with av.open(str(vfr)) as a, av.open(str(out)) as b:
        pa = [f.time for f in a.decode(video=0)]
        pb = [f.time for f in b.decode(video=0)]
    np.testing.assert_allclose(pb, pa, atol=1e-3)
    assert np.ptp(np.diff(pb)) > 0.05  # still variable (control: a constant rate would give 0)

    # audio: packets copied, so the decoded samples are identical
    info = probe(clip)
    out2 = tmp_path / "audio.mp4"
    with Mp4Writer(out2, info) as w:
        for _, rgb, pts in iter_frames(info):
            w.write(rgb, pts)
    a_in, rate_in = read_audio(clip)
    a_out, rate_out = read_audio(out2)
    assert rate_in == rate_out and a_in.shape == a_out.shape
    np.testing.assert_array_equal(a_in, a_out)
    assert np.abs(a_in).max() > 0.1  # control: there is a tone to compare


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--max-video-seconds", "1"], "at most 1 s"),
        (["--glb"], "drop --glb"),
        (["--samples", "2"], "samples is for photos"),
        (["--seconds", "3"], "seconds is for photos"),
        (["--crop", "face"], "crop is for photos"),
        (["--out", "x.gif"], "written as .mp4"),
    ],
)
def test_cli_refuses_with_one_line_and_exit_2_before_writing(clip, tmp_path, capsys, extra, message):
    from emoshift.cli import main

    out = tmp_path / "out.mp4"
    extra = [str(tmp_path / e) if e.endswith(".gif") else e for e in extra]
    code = main(["animate", str(clip), "from calm to furious", "--out", str(out), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_web_upload_of_a_video_takes_the_video_branch(clip, tmp_path):
    from types import SimpleNamespace

    from emoshift.fitting import Fitter
    from emoshift.text.parser import parse_instruction
    from emoshift.videoin.web import is_video_bytes
    from emoshift.web.app import make_runner

    data = clip.read_bytes()
    assert is_video_bytes(data) and not is_video_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    from emoshift.options import AnimateOptions

    pipe = SimpleNamespace(parse=parse_instruction, options=AnimateOptions(), fitter=Fitter())
    job = SimpleNamespace(photo=data, request={"instruction": "from calm to furious", "options": AnimateOptions()},
                          report=lambda *a: None)  # fmt: skip
    run = make_runner(lambda: pipe)
    with pytest.raises(UserError, match="no face found in any frame of upload.mp4"):  # noise frames, no face
        run(job, tmp_path)
    assert not list(tmp_path.iterdir())  # the upload is removed, no half-written output


def test_pipeline_animate_points_a_video_to_animate_video():
    from types import SimpleNamespace

    from emoshift.pipeline import Pipeline

    with pytest.raises(UserError, match="is a video: use Pipeline.animate_video"):
        Pipeline.animate(SimpleNamespace(seed=0), "talk.mp4", "from calm to furious")
