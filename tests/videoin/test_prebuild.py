"""The first frames' renderers are built during the fit pass (``ClipRenderer.prebuild``, fed by
``fit_frames(on_fit=...)``) and used by the render pass: the written frames are those of the serial
order (no prebuild), to the byte, on a short synthetic clip with a frame without a face, with the
default PREBUILD and with every frame prebuilt (twice: deterministic); the prebuilt renderers are used
(control: renderers prebuilt from the wrong pixels change the output)."""

import warnings

import numpy as np
import pytest

from emoshift.videoin.synthetic import talking_frames, write_clip

N, FPS, SIZE, NO_FACE = 10, 12.0, 256, (3,)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from emoshift.pipeline import Pipeline

    d = tmp_path_factory.mktemp("prebuild")
    frames, _ = talking_frames(N, FPS, SIZE, no_face=NO_FACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline.load(generator="prototype")
    return {"dir": d, "clip": write_clip(d / "talk.mp4", frames, FPS), "pipe": pipe}


def _run(setup, name, prebuild=None, wrong_pixels=False):
    """The written frames of animate_video and the frames given to ClipRenderer.prebuild."""
    from emoshift.videoin import animate_video, run
    from emoshift.videoin.writer import Mp4Writer

    written, prebuilt = [], []
    write, build = Mp4Writer.write, run.ClipRenderer.prebuild

    def record(self, frame, pts=None):
        written.append(np.array(frame))
        write(self, frame, pts)

    def spy(self, rgb, fit):
        prebuilt.append(fit.frame)
        build(self, np.ascontiguousarray(rgb[::-1]) if wrong_pixels else rgb, fit)

    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore")
        mp.setattr(Mp4Writer, "write", record)
        mp.setattr(run.ClipRenderer, "prebuild", spy)
        if prebuild is not None:
            mp.setattr(run, "PREBUILD", prebuild)
        res = animate_video(setup["pipe"], setup["clip"], "Make her go from calm to furious", setup["dir"] / name)
    return np.stack(written), prebuilt, res


def test_prebuilt_renderers_give_the_serial_frames(setup):
    from emoshift.videoin.run import PREBUILD

    fitted = [i for i in range(N) if i not in NO_FACE]
    serial, none, res = _run(setup, "serial.mp4", prebuild=0)
    assert none == [] and res.rendered.sum() >= 5
    ahead, prebuilt, _ = _run(setup, "ahead.mp4")
    assert prebuilt == [i for i in fitted if i < PREBUILD]  # the first frames, in order
    np.testing.assert_array_equal(ahead, serial)
    ahead_all, prebuilt, _ = _run(setup, "all.mp4", prebuild=N)  # every fitted frame's renderer ahead
    assert prebuilt == fitted
    np.testing.assert_array_equal(ahead_all, serial)
    again, _, _ = _run(setup, "again.mp4", prebuild=N)
    np.testing.assert_array_equal(again, serial)  # deterministic
    # control: renderers prebuilt from the wrong pixels (upside down) are the ones used
    wrong, _, _ = _run(setup, "wrong.mp4", prebuild=N, wrong_pixels=True)
    assert np.abs(wrong.astype(int) - serial).max() > 50
