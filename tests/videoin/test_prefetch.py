"""The fit pass decodes in a background thread (``videoin.run.prefetched``) while the face mesh works:

* the same items in the same order; an exception of the source is raised at its place; leaving early
  closes the source and ends the thread; the thread never runs more than ``depth`` (+ the one in its
  hand) ahead of the consumer; control: a deep queue does run ahead (so the bound is seen);
* ``fit_clip`` with it fits what the serial decoding fits, to the bit (a short synthetic clip, with
  frames without a face); control: the clip's frames in another order fit otherwise.
"""

import threading
import warnings

import numpy as np
import pytest

from emoshift.videoin.run import prefetched


def _source(n, fail_at=None, log=None, taken=None, lead=None, reached=None):
    try:
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"bad item {i}")
            if lead is not None:
                lead.append(i - taken[0])  # how far ahead of the consumer this item is produced
            if reached is not None and i == reached[0]:
                reached[1].set()
            yield i
    finally:
        if log is not None:
            log.append("closed")


def test_same_items_errors_in_place_and_early_exit_stops():
    with prefetched(_source(500), 4) as items:
        assert list(items) == list(range(500))
    got, log = [], []
    with pytest.raises(ValueError, match="bad item 37"):
        with prefetched(_source(100, fail_at=37, log=log), 4) as items:
            got.extend(items)
    assert got == list(range(37)) and log == ["closed"]
    log, before = [], threading.active_count()
    with prefetched(_source(10**9, log=log), 4) as items:
        for i in items:
            if i == 5:
                break
    assert log == ["closed"] and threading.active_count() == before  # source closed, thread gone


def test_the_thread_stays_at_most_depth_ahead():
    taken, lead = [0], []
    with prefetched(_source(300, taken=taken, lead=lead), 4) as items:
        for _ in items:
            taken[0] += 1
    assert len(lead) == 300 and max(lead) <= 4 + 1
    # control: with a deep queue the thread runs ahead of a consumer that waits (item 50 before it takes one)
    taken, lead, reached = [0], [], [50, threading.Event()]
    with prefetched(_source(300, taken=taken, lead=lead, reached=reached), 1000) as items:
        assert reached[1].wait(60)
        for _ in items:
            taken[0] += 1
    assert max(lead) >= 50


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from emoshift.videoin.synthetic import talking_frames, write_clip

    frames, _ = talking_frames(10, 12.0, 256, no_face=(4,))
    return write_clip(tmp_path_factory.mktemp("prefetch") / "talk.mp4", frames, 12.0)


def test_fit_clip_fits_what_the_serial_decoding_fits(clip):
    from emoshift.fitting import Fitter
    from emoshift.fitting.video import fit_frames
    from emoshift.videoin import probe
    from emoshift.videoin.probe import iter_frames
    from emoshift.videoin.rest import resting_keyframe_fits
    from emoshift.videoin.run import fit_clip

    info = probe(clip)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = Fitter()
        own, fits = fit_clip(fitter, info, progress=False)
        frames = [(i, rgb) for i, rgb, _ in iter_frames(info)]
        # fit_clip's identity comes from the clip's resting frames (emoshift.videoin.rest)
        serial = fit_frames(fitter, iter(frames), progress=False, keyframes=resting_keyframe_fits)
        reversed_fits = fit_frames(fitter, iter(frames[::-1]), progress=False, keyframes=resting_keyframe_fits)  # control
    assert sorted(fits) == [f.frame for f in serial] and 4 not in fits and len(own) == 10
    for f in serial:
        np.testing.assert_array_equal(own[f.frame], np.asarray(f.expression, np.float32))
        np.testing.assert_array_equal(fits[f.frame].rotation, f.rotation)
        np.testing.assert_array_equal(fits[f.frame].translation, f.translation)
    other = {f.frame: np.asarray(f.expression, np.float32) for f in reversed_fits}
    assert max(np.abs(other[i] - own[i]).max() for i in other) > 1e-4
