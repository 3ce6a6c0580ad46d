"""The local web app (``emoshift serve``): a FastAPI app serving one static page and a small JSON API.

Routes (every GET also answers HEAD):
    GET  /                        the page (static/index.html; three.js vendored in static/vendor, no CDN)
    GET  /api/config              limits, sample photos, example instructions, the options' ranges
    GET  /api/samples/{name}      a sample photo (JPEG)
    POST /api/jobs                multipart form: photo (file) or sample, instruction, seconds, fps, timing,
                                  intensity, neutral, seed, face, crop, max_side -> 202 {"id", "state", "position"}
                                  400 bad instruction / options / photo or a clip over the frame memory budget,
                                  413 upload or photo too large, 503 busy (checked here: :mod:`emoshift.web.limits`)
    GET  /api/jobs/{id}           {"state": queued|running|cancelling|done|error|cancelled, "error", "files",
                                  "summary", "progress": {"stage", "percent"}}
    DELETE /api/jobs/{id}         cancel: 200 {"state": "cancelled"} (was queued, or cancelled already),
                                  202 {"state": "cancelling"} (running: it stops at its next stage or batch
                                  of frames, keeping no files), 409 finished already, 404 unknown
    GET  /api/jobs/{id}/files/{name}   video.mp4, head.glb, curves.csv, weights.json, overlay.png

Errors are JSON ``{"error": "one readable line"}`` (unknown routes and methods too); the page shows them.
See :mod:`emoshift.web.jobs` for the queue, cancelling and the retention of files, and
:mod:`emoshift.web.guard` for the Host/Origin checks, the streamed body limit and the security headers
every request passes through. No server path appears in a message; there is no /docs and no /openapi.json.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
from contextlib import asynccontextmanager
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Match

from emoshift.io import UserError
from emoshift.options import RANGES, TIMINGS, AnimateOptions
from emoshift.web.guard import RequestGuard, allowed_hosts, content_security_policy
from emoshift.web.jobs import Busy, Job, JobQueue, sweep_stale
from emoshift.web.limits import UserFacingError, check_frames, frames_refusal, read_upload
from emoshift.web.progress import output_percent, track

STATIC = Path(__file__).parent / "static"
EXAMPLES = (
    "Turn this face from disgust to happiness",
    "She goes from slightly sad to extremely happy",
    "Show surprise, then fear",
    "From anger to a calm neutral face, then a smile",
    "A look of contempt turning into joy",
)
OUTPUTS = {"video": "video.mp4", "glb": "head.glb", "csv": "curves.csv", "json": "weights.json"}
OUTPUT_LABELS = {"video": "video", "glb": "3D head", "csv": "Live Link curves", "json": "weights"}
#: Longest text field accepted by the form parser (the instruction itself is limited to 300 characters).
MAX_FIELD_BYTES = 64 * 1024
NO_PHOTO_NOTE = "no photo sent: the result is 3D only (head.glb, curves); choose a photo or a sample for a video"
#: Bodies /api/jobs reads (the page sends multipart/form-data; scripts may send a URL-encoded form).
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
NOT_A_FORM = "could not read the form; send multipart/form-data (instruction, photo or sample, options)"


@dataclass
class ServeConfig:
    """Limits of the web app (all user-visible in /api/config and the page footer)."""

    max_pending: int = 4  # queued + running jobs; more -> 503 busy
    max_upload_mb: float = 10.0
    retention_minutes: float = 30.0  # finished jobs' files are deleted after this
    max_seconds: float = 20.0  # longest animation a request may ask for
    workdir: Path | None = None  # default: a fresh temporary folder, removed on shutdown
    preload: bool = True  # load the models in the background at start-up, not on the first request
    host: str | None = "127.0.0.1"  # the bound address: allowed in the Host header (besides loopback names)
    port: int | None = None  # the bound port: a browser's Origin must use it (None: any port)


#: The animation options a request may set (see :class:`emoshift.options.AnimateOptions`).
FORM_OPTIONS = ("seconds", "fps", "timing", "intensity", "seed", "neutral", "face", "crop", "max_side")


def form_ranges(max_seconds: float) -> dict[str, list[float]]:
    """(low, high) of each numeric option a request may set: :data:`RANGES`, seconds at most ``max_seconds``."""
    ranges = {k: list(RANGES[k]) for k in FORM_OPTIONS if k in RANGES}
    ranges["seconds"][1] = min(ranges["seconds"][1], max_seconds)
    return ranges


def form_options(form: Any, max_seconds: float) -> AnimateOptions:
    """The request's :class:`AnimateOptions` (validated; UserError -> 400), seconds at most ``max_seconds``."""
    opts = AnimateOptions.from_form({k: form.get(k) for k in FORM_OPTIONS})
    lo, hi = form_ranges(max_seconds)["seconds"]
    if opts.seconds is not None and opts.seconds > hi:
        raise UserError(f"seconds must lie in [{lo:g}, {hi:g}], got {opts.seconds:g}")
    return opts


def make_runner(get_pipeline: Callable[[], Any]) -> Callable[[Job, Path], tuple[dict, dict]]:
    """The job body: animate the photo read at submit (or an uploaded video), write every output into
    the job's folder. ``job.report`` raises :class:`~emoshift.web.jobs.Cancelled` once the job is cancelled."""

    def run(job: Job, folder: Path) -> tuple[dict, dict]:
        pipe = get_pipeline()
        photo = job.photo
        from emoshift.pipeline import FrameBudgetError
        from emoshift.videoin.web import is_video_bytes, run_video_upload  # video in (issue 17)

        if is_video_bytes(photo):
            return run_video_upload(pipe, photo, job.request, folder, job.report)
        r = job.request
        try:
            with track(pipe, job.report):
                result = pipe.animate(photo, r["instruction"], r["options"])
        except FrameBudgetError as err:  # with crop=face the frames are known only after the fit
            raise UserError(frames_refusal(err, r["options"].crop)) from None
        files = {}
        for k, (kind, name) in enumerate(OUTPUTS.items()):
            job.report(f"Writing the {OUTPUT_LABELS.get(kind, kind)}", output_percent(k, len(OUTPUTS) + 1))
            if kind == "video" and result.frames is None:
                continue
            pipe.save(result, folder / name)
            files[kind] = name
        if result.fit is not None and hasattr(pipe.writers, "overlay"):
            job.report("Drawing the fitted mesh", output_percent(len(OUTPUTS), len(OUTPUTS) + 1))
            pipe.writers.overlay(result, folder / "overlay.png")
            files["overlay"] = "overlay.png"
        return files, result.summary()

    return run


def create_app(get_pipeline: Callable[[], Any] | None = None, config: ServeConfig | None = None):
    """Build the FastAPI app. ``get_pipeline`` is called once, in the worker (default Pipeline.load)."""
    from emoshift.io import user_error_types
    from emoshift.planning import Instruction
    from emoshift.samples import SAMPLE_PHOTOS, sample_photo
    from emoshift.text.parser import parse_instruction

    config = config or ServeConfig()
    if get_pipeline is None:
        from emoshift.pipeline import Pipeline

        get_pipeline = Pipeline.load
    lock = threading.Lock()
    cache: list[Any] = []

    def pipeline_once():
        with lock:
            if not cache:
                cache.append(get_pipeline())
            return cache[0]

    def preload():
        try:
            pipeline_once()
        except Exception as err:  # the first job retries and reports it
            logging.getLogger("emoshift.web").warning("loading the models failed: %s", err)

    if config.preload:
        threading.Thread(target=preload, name="emoshift-preload", daemon=True).start()
    if config.workdir is None:
        sweep_stale(Path(tempfile.gettempdir()))  # result folders of servers that were killed (kill -9, OOM)
    workdir = Path(config.workdir) if config.workdir else Path(tempfile.mkdtemp(prefix="emoshift-serve-"))
    jobs = JobQueue(make_runner(pipeline_once), workdir, config.max_pending, config.retention_minutes * 60,
                    user_errors=user_error_types())  # fmt: skip
    limit = int(config.max_upload_mb * 1024 * 1024)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        jobs.close()  # stop the worker and delete every result

    app = FastAPI(title="emoshift", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    too_large = f"the upload is larger than the {config.max_upload_mb:g} MB limit"
    app.add_middleware(RequestGuard, hosts=allowed_hosts(config.host), port=config.port,  # type: ignore[arg-type]
                       body_limit=limit + 64 * 1024, csp=content_security_policy(STATIC / "index.html"),
                       too_large=too_large)  # fmt: skip
    app.state.jobs = jobs
    app.state.config = config
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    decoding = threading.Lock()  # one upload decoded at a time (the decode is bounded, not small)

    def error(status: int, message: str, **headers) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers or None)

    def get(path: str):
        """A GET route that answers HEAD too."""
        return app.api_route(path, methods=["GET", "HEAD"])

    @app.exception_handler(UserFacingError)
    async def _user_facing(_req, err: UserFacingError):
        return error(err.status, str(err))

    @app.exception_handler(HTTPException)
    async def _http(req: Request, err: HTTPException):  # unknown routes and methods: the same JSON errors
        path = req.url.path[:120]
        if err.status_code == 404:
            message = f"no such page or API route: {path}"
        elif err.status_code == 405:  # every method of the path's routes (Starlette names the first route's)
            matching = [r for r in app.routes if r.matches(req.scope)[0] != Match.NONE]
            methods = {m for r in matching for m in getattr(r, "methods", ())}
            allowed = ", ".join(sorted(methods))
            return error(405, f"{req.method} is not allowed on {path}; use {allowed}", Allow=allowed)
        else:
            message = f"{err.status_code}: {err.detail}"
        return error(err.status_code, message, **(err.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req, err: RequestValidationError):
        first = (err.errors() or [{}])[0]
        where = " ".join(str(x) for x in first.get("loc", ()))
        return error(422, f"invalid request: {where}: {first.get('msg', 'not understood')}")

    @get("/")
    async def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @get("/api/config")
    async def api_config():
        return {
            "max_upload_mb": config.max_upload_mb,
            "retention_minutes": config.retention_minutes,
            "max_pending": config.max_pending,
            "max_seconds": config.max_seconds,
            "samples": [{"name": k, "about": v, "url": f"/api/samples/{k}"} for k, v in SAMPLE_PHOTOS.items()],
            "examples": list(EXAMPLES),
            "timings": list(TIMINGS),
            "ranges": form_ranges(config.max_seconds),
        }

    @get("/api/samples/{name}")
    def api_sample(name: str):
        if name not in SAMPLE_PHOTOS:
            return error(404, f"no sample photo '{name}'")
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(sample_photo(name)).save(buf, format="JPEG", quality=90)
        return Response(buf.getvalue(), media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    @app.post("/api/jobs", status_code=202)
    async def api_submit(request: Request):  # the guard has already held the body to the size limit
        if request.headers.get("content-type", "").split(";")[0].strip().lower() not in FORM_TYPES:
            return error(400, NOT_A_FORM)  # a JSON body or a raw photo would read as an empty form
        try:
            form = await request.form(max_files=1, max_fields=20, max_part_size=MAX_FIELD_BYTES)
        except Exception as err:
            if "exceeded maximum size" in str(err):
                return error(400, "instruction too long: keep it to 300 characters")
            return error(400, NOT_A_FORM)
        try:
            return await submit(form)
        finally:
            await form.close()  # an upload Starlette spooled to a temporary file is deleted now

    def read_photo(data: bytes, max_side: int) -> np.ndarray:
        with decoding:
            return read_upload(data, workdir, max_side)

    async def submit(form) -> Any:
        from emoshift.fitting.image import limit_size
        from emoshift.videoin.web import is_video_bytes, video_upload_refusal

        text = str(form.get("instruction") or "")
        try:
            instruction = Instruction(text, parse_instruction(text))  # parsed once, here
            opts = form_options(form, config.max_seconds)
        except user_error_types() as err:
            return error(400, str(err))
        upload, sample = form.get("photo"), str(form.get("sample") or "")
        photo: Any = None
        if upload is not None and not (hasattr(upload, "read") and getattr(upload, "filename", "")):
            return error(400, "the photo field holds no file (empty file name); choose a photo or a sample, "
                         "or leave the field out for a 3D-only result")  # fmt: skip
        if upload is not None:
            data = await upload.read(limit + 1)
            if len(data) > limit:
                return error(413, too_large)
            if not data:
                return error(400, "the uploaded photo is empty")
            refusal = video_upload_refusal(data, upload.filename)
            if refusal:  # a damaged video is not read as a photo
                return error(400, refusal)
            # a photo is read now, as the job would (400 / 413 at once, not a failed job); a video in the job
            photo = data if is_video_bytes(data) else await run_in_threadpool(read_photo, data, opts.max_side)
        elif sample:
            if sample not in SAMPLE_PHOTOS:
                return error(400, f"unknown sample photo '{sample}'; samples: {', '.join(SAMPLE_PHOTOS)}")
            photo = limit_size(sample_photo(sample), opts.max_side)[0]
        if isinstance(photo, np.ndarray):
            check_frames(instruction, opts, photo.shape)  # 400 now, not after the fit
        req = {"instruction": instruction, "options": opts, "mode": "3d-only" if photo is None else "video",
               "upload_name": getattr(upload, "filename", None)}  # a video job's summary names it
        try:
            job = jobs.submit(req, photo)
        except Busy as err:
            return error(503, str(err), **{"Retry-After": "60"})
        out = {"id": job.id, "state": job.state, "position": jobs.status(job.id).get("position"), "mode": req["mode"]}
        if photo is None:
            out["note"] = NO_PHOTO_NOTE
        return out

    no_job = "no such job (finished jobs are deleted after the retention time)"

    @get("/api/jobs/{job_id}")
    async def api_status(job_id: str):
        st = jobs.status(job_id)
        return error(404, no_job) if st is None else st

    @app.delete("/api/jobs/{job_id}")
    async def api_cancel(job_id: str):
        st = jobs.cancel(job_id)
        if st is None:
            return error(404, no_job)
        if st["state"] in ("done", "error"):
            return error(409, f"the job has finished ({st['state']}); its files are deleted "
                         f"{config.retention_minutes:g} minutes after it ended")  # fmt: skip
        return JSONResponse(st, status_code=202 if st["state"] == "cancelling" else 200)

    @get("/api/jobs/{job_id}/files/{name}")
    async def api_file(job_id: str, name: str):
        st = jobs.status(job_id)
        if st is None or name not in {*OUTPUTS.values(), "overlay.png"}:
            return error(404, "no such file (finished jobs are deleted after the retention time)")
        path = jobs.folder(job_id) / name
        if not path.is_file():
            return error(404, f"{name} is not ready")
        return FileResponse(path, headers={"Cache-Control": "no-store"})

    return app
