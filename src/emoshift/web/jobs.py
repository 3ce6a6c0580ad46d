"""The web app's job queue: bounded, one worker thread, per-job folders deleted after a retention time.

* At most ``max_pending`` jobs are queued or running; :meth:`JobQueue.submit` beyond that raises
  :class:`Busy` (the app answers 503 with a readable message and ``Retry-After``).
* One worker thread runs the jobs in order (the machine has few cores; a second concurrent job would
  only slow both down). The pipeline is created lazily by the worker, once.
* Each job writes into its own folder under ``workdir``. An uploaded photo is decoded at submit (written
  to ``workdir`` just long enough for the pipeline's reader, :func:`emoshift.web.limits.read_upload`;
  Starlette spools uploads over 1 MB to a temporary file for the length of the request only) and held
  in memory as an array until its job ends (an uploaded video as bytes); a finished job's
  folder (its video, .glb, curves, overlay) is deleted ``retention_s`` seconds after it finished, and
  the whole ``workdir`` is removed when the queue is closed. Nothing is sent anywhere.
* The ``workdir`` holds an owner file with the server's process id; :func:`sweep_stale` (run by the
  app at start) deletes the ``emoshift-serve-*`` folders whose server is gone (kill -9, out of memory).
* :meth:`JobQueue.cancel` (``DELETE /api/jobs/{id}``): a queued job leaves the queue at once and stays
  listed as ``cancelled`` (no files) until the retention time; a running one is asked to stop (state
  ``cancelling``): its next progress report raises :class:`Cancelled`, which the worker catches; its
  folder is deleted (no partial outputs) and it ends ``cancelled``. A finished job is left as it is.
* :meth:`JobQueue.close` (server shutdown) drops the queued jobs, waits at most ``stop_timeout``
  seconds for the running one, and deletes every result: shutdown takes seconds, not minutes.
* Error messages never show server paths (:func:`scrub_paths`).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emoshift.outputs import WRITE_ERRNOS

log = logging.getLogger("emoshift.web")
OWNER_FILE = ".emoshift-serve-pid"
STALE_PREFIX = "emoshift-serve-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep_stale(parent: Path, prefix: str = STALE_PREFIX) -> list[Path]:
    """Delete ``parent/prefix*`` folders (ours) whose owner process is gone; returns what was deleted.

    A folder without an owner file is deleted when it is older than an hour (a server from before
    owner files, or one killed while starting); a live server's folder is never touched.
    """
    removed = []
    try:
        candidates = [p for p in Path(parent).iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except OSError:
        return removed
    for folder in candidates:
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            owner = folder / OWNER_FILE
            if owner.is_file():
                text = owner.read_text().strip()
                stale = not (text.isdigit() and _alive(int(text)))
            else:
                stale = time.time() - folder.stat().st_mtime > 3600
        except OSError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("deleted %d result folder(s) left by servers that were stopped abruptly", len(removed))
    return removed


def scrub_paths(message: str, root: Path) -> str:
    """``message`` with any path under ``root`` (the server's work folder) replaced by a neutral word."""
    return re.sub(re.escape(str(root)) + r"[^\s:;,)'\"]*", "(uploaded file)", message)


class Busy(Exception):
    """The queue is full."""


class Cancelled(BaseException):  # not an Exception: no ``except Exception`` in the pipeline swallows it
    """Raised in a running job by its progress report once the job is cancelled."""


@dataclass
class Job:
    id: str
    request: dict
    photo: Any  # the photo read at submit (array), an uploaded video (bytes) or None (3D only)
    state: str = "queued"  # queued | running | cancelling | done | error | cancelled
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # kind -> file name in the job folder
    summary: dict | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    progress: dict = field(default_factory=lambda: {"stage": "", "percent": 0})  # set by the job's runner
    cancelled: threading.Event = field(default_factory=threading.Event, repr=False)  # set by JobQueue.cancel

    def report(self, stage: str, percent: float) -> None:
        """Record the running stage and the job's percentage (shown by the page); raises
        :class:`Cancelled` once the job is cancelled (the runner's way out)."""
        if self.cancelled.is_set():
            raise Cancelled
        self.progress = {"stage": stage, "percent": int(min(max(percent, 0), 100))}

    def public(self, position: int | None = None) -> dict:
        out = {"id": self.id, "state": self.state, "error": self.error, "summary": self.summary,
               "mode": self.request.get("mode")}  # fmt: skip
        out["progress"] = dict(self.progress)
        out["files"] = {k: f"/api/jobs/{self.id}/files/{v}" for k, v in self.files.items()}
        if position is not None:
            out["position"] = position
        return out


class JobQueue:
    """Bounded FIFO of animation jobs run by one worker thread.

    Args:
        run: ``run(job, folder) -> (files: dict kind->name, summary: dict)``; raises for failures
            (a user error's message is shown as is, see ``user_errors``).
        workdir: parent of the per-job folders (created; removed by :meth:`close`).
        max_pending: queued + running jobs allowed at once.
        retention_s: seconds a finished job's files are kept.
        user_errors: exception types whose message is shown to the user verbatim.
    """

    def __init__(
        self,
        run: Callable[[Job, Path], tuple[dict, dict]],
        workdir: Path,
        max_pending: int = 4,
        retention_s: float = 1800,
        user_errors: tuple[type[BaseException], ...] = (),
        stop_timeout: float = 3.0,
    ):
        self.run = run
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / OWNER_FILE).write_text(str(os.getpid()))
        self.stop_timeout = stop_timeout
        self._closing = threading.Event()
        self.max_pending = max_pending
        self.retention_s = retention_s
        self.user_errors = user_errors
        self.jobs: dict[str, Job] = {}
        self._order: list[str] = []  # ids of queued/running jobs, oldest first
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="emoshift-worker", daemon=True)
        self._thread.start()

    def submit(self, request: dict, photo: Any) -> Job:
        self.cleanup()
        with self._lock:
            if self._closing.is_set():
                raise Busy("the server is stopping")
            if len(self._order) >= self.max_pending:
                raise Busy(
                    f"busy: {len(self._order)} animations are already queued or running; try again in a minute"
                )
            job = Job(uuid.uuid4().hex, request, photo)
            self.jobs[job.id] = job
            self._order.append(job.id)
        self._queue.put(job)
        return job

    def status(self, job_id: str) -> dict | None:
        self.cleanup()
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            pos = self._order.index(job_id) if job.state == "queued" and job_id in self._order else None
            return job.public(pos)

    def cancel(self, job_id: str) -> dict | None:
        """Cancel a queued or running job (see the module docstring); returns its status (state
        ``cancelled`` or ``cancelling``; a finished job's unchanged), None for an unknown id."""
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            if job.state == "queued":  # the worker skips it when it comes out of the queue
                self._order.remove(job_id)
                job.state, job.photo, job.finished = "cancelled", None, time.time()
            elif job.finished is None:  # running: stopped at its next progress report
                job.cancelled.set()
                job.state = "cancelling"
            return job.public()

    def folder(self, job_id: str) -> Path:
        return self.workdir / job_id

    def cleanup(self, now: float | None = None) -> int:
        """Delete finished jobs older than the retention time; returns how many were deleted."""
        now = time.time() if now is None else now
        with self._lock:
            old = [j for j in self.jobs.values() if j.finished is not None and now - j.finished > self.retention_s]
            for j in old:
                del self.jobs[j.id]
        for j in old:
            shutil.rmtree(self.folder(j.id), ignore_errors=True)
        return len(old)

    def wait_idle(self, timeout: float = 60) -> bool:
        """Block until no job is queued or running (for tests and shutdown)."""
        end = time.time() + timeout
        while time.time() < end:
            with self._lock:
                if not self._order:
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> bool:
        """Drop the queued jobs, wait at most ``stop_timeout`` s for the running one, delete every job
        folder. Returns False when the running job was still busy (its thread is a daemon: it ends with
        the process, and whatever it writes after this is swept at the next start)."""
        self._closing.set()
        dropped = 0
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None and job.state == "queued":
                self._finish(job, "error", "the server stopped before this job ran")
                dropped += 1
        if dropped:
            log.info("dropped %d queued job(s) at shutdown", dropped)
        self._queue.put(None)
        self._thread.join(timeout=self.stop_timeout)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return not self._thread.is_alive()

    def _finish(self, job: Job, state: str, error: str | None = None) -> None:
        with self._lock:  # one decision: a cancel that came as the job ended still wins
            if job.cancelled.is_set():
                state, error = "cancelled", None
            if state != "done":  # a failed or cancelled job keeps no partial results
                shutil.rmtree(self.folder(job.id), ignore_errors=True)
                job.files = {}
            job.state, job.error = state, error
            job.photo = None  # drop the upload
            job.finished = time.time()
            if job.id in self._order:
                self._order.remove(job.id)

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=30)
            except queue.Empty:
                self.cleanup()
                continue
            if job is None or self._closing.is_set():
                if job is not None and job.state == "queued":
                    self._finish(job, "error", "the server stopped before this job ran")
                return
            with self._lock:
                if job.state != "queued":  # cancelled while it waited
                    continue
                job.state = "running"
            folder = self.folder(job.id)
            state, error = "error", None
            try:
                folder.mkdir(parents=True, exist_ok=True)
                job.files, job.summary = self.run(job, folder)
                job.report("Done", 100)
                state = "done"
            except Cancelled:
                state = "cancelled"
            except self.user_errors as err:
                error = scrub_paths(str(err), self.workdir)
            except Exception as err:  # keep serving; the log has the traceback
                log.exception("job %s failed", job.id)
                if isinstance(err, OSError) and err.errno in WRITE_ERRNOS:  # e.g. the server's disk is full
                    error = f"the server could not write the results ({err.strerror})"
                else:
                    error = f"internal error ({err.__class__.__name__}); see the server log"
            finally:
                self._finish(job, state, error)
