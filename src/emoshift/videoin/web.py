"""The web app's video branch: an uploaded video (recognised by its container signature) is animated
with :func:`emoshift.videoin.animate_video` into the job folder's ``video.mp4`` (audio kept). An upload
named as a video whose bytes are no known container is refused at submit as "not a readable video"
(:func:`video_upload_refusal`), not read as a photo. The job's summary names the upload by its own file
name (the request's ``upload_name``), never by the server's path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Container signatures: ISO-BMFF (mp4, mov, m4v: "ftyp" at byte 4), Matroska/WebM, AVI (RIFF....AVI ).
_SIGNATURES = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"))


def is_video_bytes(data: Any) -> bool:
    """True when ``data`` (bytes) starts like an MP4/MOV, Matroska/WebM or AVI file."""
    if not isinstance(data, (bytes, bytearray)) or len(data) < 12:
        return False
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return True
    return any(data[k : k + len(sig)] == sig for k, sig in _SIGNATURES)


def video_upload_refusal(data: Any, filename: str | None) -> str | None:
    """The submit's one-line refusal of an upload named as a video (``.mp4``, ``.mov``, ...) whose bytes
    are no video container; None otherwise (a video, or a photo for the image reader)."""
    from emoshift.videoin.probe import is_video_path

    if filename and is_video_path(filename) and not is_video_bytes(data):
        return f"the uploaded file is not a readable video ({Path(filename).suffix.lower()} without a video container)"
    return None


def run_video_upload(pipe, data: bytes, request: dict, folder: Path, report) -> tuple[dict, dict]:
    """Animate an uploaded video -> ({"video": "video.mp4"}, summary). ``request`` has "instruction",
    "upload_name" (the summary's "video": the upload's own file name, or None) and "options"
    (:class:`~emoshift.options.AnimateOptions`; a video keeps its own length, so the form's seconds,
    samples, face and crop do not apply); ``report(label, percent)`` shows the stage and how much
    of the job is done (:data:`emoshift.videoin.run.STAGES`: 2-98%, the fit pass to ~31%)."""
    from emoshift.videoin.run import animate_video

    folder = Path(folder)
    src = folder / "upload.mp4"  # PyAV probes the container, the extension only names it
    src.write_bytes(data)
    opts = request.get("options") or pipe.options
    opts = opts.replace(seconds=None, samples=1, face=None, crop="none")
    try:
        report("Reading the video", 2.0)
        res = animate_video(pipe, src, request["instruction"], folder / "video.mp4", opts,
                            report=lambda label, done: report(label, 2.0 + 96.0 * done))  # fmt: skip
    except Exception as err:  # the message must not show the server's path
        err.args = tuple(str(a).replace(str(src), "the uploaded video") for a in err.args) or err.args
        raise
    finally:
        src.unlink(missing_ok=True)
    name = request.get("upload_name")
    return {"video": "video.mp4"}, {**res.summary(), "video": Path(str(name)).name if name else None}
