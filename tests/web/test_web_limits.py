"""Checks at submit (emoshift.web.limits): bad photos and clips over the frame memory budget are refused at
once (400 / 413, no job, no queue slot), with messages that read naturally and name only what the page
offers; the advertised ranges can all be chosen; a valid request still runs."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from fake_components import fake_pipeline, photo
from web_helpers import image_bytes, wait

from emoshift.options import AnimateOptions
from emoshift.pipeline import build_trajectory
from emoshift.planning import Instruction
from emoshift.text.parser import parse_instruction
from emoshift.web.limits import planned_frames

BIG = image_bytes(120, (1000, 1000), "JPEG")  # the size of the QA photo (dev01, 1000x1000)


def png_header(w: int, h: int) -> bytes:
    """A PNG whose header says w x h (a pixel bomb: nothing behind it but a few bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(64))) + chunk(b"IEND", b"")


def _refused(client, pipe, app, r, status):
    assert r.status_code == status, r.text
    assert pipe.fitter.calls == [] and app.state.jobs.jobs == {}  # no job, no slot taken
    assert [p.name for p in app.state.jobs.workdir.iterdir() if p.name.startswith("upload")] == []
    return r.json()["error"]


@pytest.mark.parametrize("seconds, frames, gib", [("16", 480, "1.3"), ("20", 600, "1.7")])
def test_long_clip_of_a_big_photo_is_refused_at_once(make_client, seconds, frames, gib):
    client, pipe, app = make_client()
    r = client.post("/api/jobs", data={"instruction": "happy", "seconds": seconds, "fps": "30"},
                    files={"photo": ("big.jpg", BIG)})  # fmt: skip
    assert _refused(client, pipe, app, r, 400) == (
        f"{frames} frames of 1000x1000 need {gib} GiB (limit 1.25 GiB); "
        "shorten the duration, lower the frame rate, or choose crop to the face"
    )


def test_auto_duration_is_counted_too(make_client):
    """No seconds: the clip's length comes from the instruction (3 emotions, 2 neutral faces: 8 s)."""
    client, pipe, app = make_client()
    r = client.post("/api/jobs", data={"instruction": "Show surprise, then fear, then anger", "fps": "120"},
                    files={"photo": ("big.jpg", BIG)})  # fmt: skip
    assert _refused(client, pipe, app, r, 400).startswith("960 frames of 1000x1000 need 2.7 GiB")


def test_a_clip_within_the_budget_still_runs(make_client):
    """Controls: 8 s of the same photo; 20 s with crop=face (the crop is known after the fit); the max_side
    the API takes brings the 20 s clip under the budget (frames at 500x500)."""
    client, pipe, _ = make_client()
    for fields in ({"seconds": "8"}, {"seconds": "20", "crop": "face"}, {"seconds": "20", "max_side": "500"}):
        r = client.post("/api/jobs", data={"instruction": "happy", "fps": "30", **fields},
                        files={"photo": ("big.jpg", BIG)})  # fmt: skip
        assert r.status_code == 202, (fields, r.text)
        assert wait(client, r.json()["id"])["state"] == "done", fields
    assert pipe.fitter.calls == [(1000, 1000), (1000, 1000), (500, 500)]


@pytest.mark.parametrize(
    "text, options",
    [
        ("happy", {}),
        ("from disgust to happiness", {"seconds": None, "fps": 24.0}),
        ("from disgust to happiness", {"neutral": False, "timing": "linear"}),
        ("Show surprise, then fear, then anger", {"seconds": 3.3, "fps": 7.0}),
    ],
)
def test_planned_frames_are_the_pipelines(text, options):
    """The dry plan's frame count is what the pipeline renders (fake stages, the real trajectory)."""
    instruction = Instruction(text, parse_instruction(text))
    opts = AnimateOptions(**options)
    result = fake_pipeline(trajectory=build_trajectory).animate(photo(), instruction, opts)
    assert planned_frames(instruction, opts) == len(result.frames)


@pytest.mark.parametrize(
    "name, data, status, message",
    [
        ("notes.jpg", b"hello, this is not a photo\n" * 10, 400, "the uploaded file is not a readable image"),
        ("cut.jpg", BIG[: len(BIG) // 2], 400, "cannot read the uploaded photo: image file is truncated"),
        ("bomb.png", png_header(20000, 20000), 413, "the uploaded photo is too large to decode safely: 400 Mpx "
         "(the limit is 100 Mpx, 178 Mpx for JPEG); downscale it first"),
        ("big.png", png_header(12000, 12000), 413, "the uploaded photo is too large to decode safely: "
         "12000x12000 = 144 Mpx, the limit for PNG is 100 Mpx; downscale it first"),
    ],
)  # fmt: skip
def test_bad_photos_are_refused_at_once(make_client, name, data, status, message):
    client, pipe, app = make_client()
    r = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": (name, data)})
    assert _refused(client, pipe, app, r, status).startswith(message)


def test_face_problems_stay_job_errors_with_clean_messages(make_client):
    """Only the detector knows: no face, or face=5 of a photo with one. The job fails, saying so plainly."""
    client, _, app = make_client()
    dark = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": ("d.png", image_bytes(0))})
    fifth = client.post("/api/jobs", data={"instruction": "happy", "face": "5"},
                        files={"photo": ("p.png", image_bytes())})  # fmt: skip
    assert wait(client, dark.json()["id"])["error"] == "no face found in the photo"
    assert wait(client, fifth.json()["id"])["error"] == "face 5 asked for, but 1 faces found"


def test_every_advertised_range_can_be_chosen(make_client):
    client, _, _ = make_client(max_pending=64, max_seconds=12)
    ranges = client.get("/api/config").json()["ranges"]
    assert ranges["seconds"] == [0.5, 12]  # the server's cap, not the CLI's 120
    assert set(ranges) == {"seconds", "fps", "intensity", "seed", "face", "max_side"}  # what a request may set
    for name, ends in ranges.items():
        for value in ends:
            r = client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut", name: str(value)})
            assert r.status_code == 202, (name, value, r.text)
    r = client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut", "seconds": "12.5"})
    assert r.status_code == 400 and r.json()["error"] == "seconds must lie in [0.5, 12], got 12.5"
    client.app.state.jobs.wait_idle()


def test_decoded_photo_is_what_the_job_animates(make_client):
    """The upload is read once, at submit, as the pipeline reads photos (limited to max_side)."""
    client, pipe, app = make_client()
    r = client.post("/api/jobs", data={"instruction": "happy", "max_side": "100"},
                    files={"photo": ("p.png", image_bytes(90, (400, 200)))})  # fmt: skip
    job = app.state.jobs.jobs[r.json()["id"]]
    st = wait(client, job.id)
    assert st["state"] == "done" and pipe.fitter.calls == [(50, 100)]
    assert job.photo is None  # dropped once the job ended
    assert not np.any([p.name.startswith("upload") for p in app.state.jobs.workdir.rglob("*")])
