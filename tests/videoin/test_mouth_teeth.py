"""The emotion's open mouth at a video apex shows the upper incisors, as the still photo's does.

A speaking frame's renderer (``Reenactor.speech``) keeps its own teeth, so the photo's lowered upper
incisors (ICT's upper lip hides its teeth once the jaw drops; the photo path lowers them as the lips part)
were off in the video path, and anger's shout came out as a dark round hole (a yawn) where the photo path
bares the teeth. They now follow the emotion's own mouth (``Reenactor.mouth_gap`` = the lip gap of the
trajectory's expression times :func:`emoshift.videoin.mix.mouth_share`), smooth in time and blind to the
syllables.

Measured on the synthetic talking clip (the astronaut, jaw seeds 0-2), "Make her look angry.", over the
apex hold's frames: the share of bright, unsaturated pixels (luminance > 120, max - min channel < 60:
teeth) in the upper half of MediaPipe's inner-lip polygon of the output, mean 0.480 / 0.493 / 0.477 per
seed; with the incisors not lowered (the control, ``mouth_share`` = 0: the former video path exactly)
0.412 / 0.335 / 0.312. The threshold sits between with a margin on both sides. (Before session 12's
mouth shading, 0.597 / 0.647 / 0.591 vs 0.433 / 0.464 / 0.410: the upper lip's shadow now darkens the top
of the lowered incisors, as it does on the still photo's painted teeth.)

The clip is made with anger's round "O" shout from before session 12 (:data:`O_ANGER`, pinned here): the
squared shout that replaced it raises the upper lip off the incisors by itself, so with it the control
shows the teeth too (0.668 against 0.682 lowered) and could not fail; this test is about the incisors
following the emotion's lip gap, which the round mouth needs. Its jaw is pinned too (no
:data:`emoshift.emotions.JAW_OPEN_MAX` limit): held to 0.3, the round mouth's control showed 0.452.
"""

import warnings

import numpy as np
import pytest

N, FPS, SIZE = 36, 12.0, 256
#: anger's prototypes before session 12 (AU22 B, AU26 C-E): a round open mouth whose upper lip hides the incisors
O_ANGER = ("4E+5A+7E+10D+22B+23B+25E+26D", "4E+5A+7D+10C+22B+23B+25E+26C", "4E+5A+7E+10E+22B+23B+25E+26E")
TEETH_MIN = 0.445
LUM_MIN, SAT_MAX = 120.0, 60.0


def _upper_teeth_share(frames):
    """(k,) the share of teeth-coloured pixels in the upper half of each frame's inner-lip polygon."""
    from PIL import Image, ImageDraw

    from emoshift.fitting.detect import LandmarkDetector
    from emoshift.headmodel.mp_indices import INNER_LIPS

    det = LandmarkDetector(max_faces=1, static=True)
    out = []
    try:
        for f in frames:
            faces = det.detect(f, fallback=False)
            assert faces, "no face found on an output frame"
            poly = faces[0].landmarks[list(INNER_LIPS), :2]
            im = Image.new("L", (f.shape[1], f.shape[0]), 0)
            ImageDraw.Draw(im).polygon([(float(x), float(y)) for x, y in poly], fill=1)
            mask = np.asarray(im) > 0
            rows = np.nonzero(mask)[0]
            mask[int(np.median(rows)) :] = False  # the upper half: the upper incisors
            px = f[mask].astype(np.float32)
            teeth = (px.mean(1) > LUM_MIN) & (px.max(1) - px.min(1) < SAT_MAX)
            out.append(float(teeth.mean()))
    finally:
        det.close()
    return np.asarray(out)


@pytest.fixture(scope="module")
def apexes(tmp_path_factory):
    """The apex hold's output frames, with the incisors lowered by the emotion's mouth and (control) not
    lowered (``mix.mouth_share`` = 0, as the video path was)."""
    from emoshift.pipeline import Pipeline
    from emoshift.videoin import animate_video, mix, probe
    from emoshift.videoin.probe import iter_frames
    from emoshift.videoin.synthetic import talking_frames, write_clip

    d = tmp_path_factory.mktemp("teeth")
    frames, _ = talking_frames(N, FPS, SIZE)
    clip = write_clip(d / "talk.mp4", frames, FPS)
    out = {}
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore")
        from emoshift import emotions as em

        mp.setitem(em.PROTOTYPES, "anger", O_ANGER)
        mp.setitem(em.JAW_OPEN_MAX, "anger", 1.0)  # the round mouth's own jaw drop (session 18's limit is 0.3)
        em._prototype.cache_clear()
        pipe = Pipeline.load(generator="prototype")
        for name in ("emotion", "control"):
            if name == "control":
                mp.setattr(mix, "mouth_share", lambda present, fade, covered=None: np.zeros(len(present), np.float32))
            res = animate_video(pipe, clip, "Make her look angry.", d / f"{name}.mp4")
            hold = res.trajectory.meta.get("holds", [0])[-1] * FPS
            apex = int(res.trajectory.anchor_frames[-1])
            idx = list(range(int(apex - hold / 2), min(N, int(apex + hold / 2) + 1)))
            assert len(idx) >= 5 and res.rendered[idx].all()
            outs = np.stack([f for _, f, _ in iter_frames(probe(res.path))])
            out[name] = outs[idx]
    em._prototype.cache_clear()  # the pinned prototypes do not outlive the fixture
    return out


def test_the_shout_bares_the_upper_teeth_at_the_apex(apexes):
    got, control = _upper_teeth_share(apexes["emotion"]), _upper_teeth_share(apexes["control"])
    print(f"upper teeth share {got.mean():.3f} (control, incisors not lowered: {control.mean():.3f})")
    assert got.mean() > TEETH_MIN
    assert control.mean() < TEETH_MIN  # control: the former video path shows a dark hole there


def test_mouth_share_follows_the_emotion_not_the_speech():
    from emoshift.videoin import mix

    present = np.array([0.0, 0.0, 0.3, 0.8, 1.0, 1.0, 1.0], np.float32)
    fade = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0], np.float32)
    covered = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], np.float32)
    share = mix.mouth_share(present, fade, covered)
    np.testing.assert_allclose(share, [0.0, 0.0, 0.3, 0.8, 1.0, 0.5, 0.0], atol=1e-6)
    assert mix.mouth_share(present, fade)[-1] == 1.0  # control: uncovered, the emotion's mouth is shown


def test_lip_gaps_are_the_shaped_inner_lips_gap():
    """Reenactor.lip_gaps (two vertices) equals the gap of the whole shaped mesh (teeth drop off)."""
    from emoshift.pipeline import Pipeline
    from emoshift.render.reenact import _lip_gap
    from emoshift.videoin.synthetic import talking_frames

    frames, _ = talking_frames(2, FPS, SIZE)
    pipe = Pipeline.load(generator="prototype")
    fit = pipe.fit(frames[0])
    r = pipe.renderer(frames[0], fit).for_frame(frames[0], fit, speech=True)
    rng = np.random.default_rng(0)
    e = rng.uniform(0, 0.6, (5, 53)).astype(np.float32)
    got = r.lip_gaps(e)
    want = _lip_gap(r._shaped(e))
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert np.ptp(got) > 0.1  # control: the expressions part the lips differently
