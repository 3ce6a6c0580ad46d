"""The web app's video branch: an uploaded video (recognised by its container signature) is animated
with :func:`emoshift.videoin.animate_video` into the job folder's ``video.mp4`` (audio kept)."""

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


def run_video_upload(pipe, data: bytes, request: dict, folder: Path, report) -> tuple[dict, dict]:
    """Animate an uploaded video -> ({"video": "video.mp4"}, summary). ``request`` has "instruction" and
    "options" (:class:`~emoshift.options.AnimateOptions`; a video keeps its own length, so the form's
    seconds, samples, face and crop do not apply); ``report(label, percent)`` shows the stage and how much
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
    return {"video": "video.mp4"}, res.summary()
