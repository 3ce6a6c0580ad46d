"""The web app's job queue: bounded, one worker thread, per-job folders deleted after a retention time.

* At most ``max_pending`` jobs are queued or running; :meth:`JobQueue.submit` beyond that raises
  :class:`Busy` (the app answers 503 with a readable message and ``Retry-After``).
* One worker thread runs the jobs in order (the machine has few cores; a second concurrent job would
  only slow both down). The pipeline is created lazily by the worker, once.
* Each job writes into its own folder under ``workdir``. An uploaded photo is held in memory until its
  job starts (Starlette spools uploads over 1 MB to a temporary file for the length of the request
  only), written to the job folder just long enough to be decoded, then dropped; a finished job's
  folder (its video, .glb, curves, overlay) is deleted ``retention_s`` seconds after it finished, and
  the whole ``workdir`` is removed when the queue is closed. Nothing is sent anywhere.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("emoshift.web")


class Busy(Exception):
    """The queue is full."""


@dataclass
class Job:
    id: str
    request: dict
    photo: Any  # decoded later by the pipeline: bytes-backed file object / array / sample name / None
    state: str = "queued"  # queued | running | done | error
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # kind -> file name in the job folder
    summary: dict | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    progress: dict = field(default_factory=lambda: {"stage": "", "percent": 0})  # set by the job's runner

    def report(self, stage: str, percent: float) -> None:
        """Record the running stage and the job's percentage (shown by the page)."""
        self.progress = {"stage": stage, "percent": int(min(max(percent, 0), 100))}

    def public(self, position: int | None = None) -> dict:
        out = {"id": self.id, "state": self.state, "error": self.error, "summary": self.summary}
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
    ):
        self.run = run
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
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

    def close(self) -> None:
        """Stop the worker after the current job and delete every job folder."""
        self._queue.put(None)
        self._thread.join(timeout=60)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=30)
            except queue.Empty:
                self.cleanup()
                continue
            if job is None:
                return
            job.state = "running"
            folder = self.folder(job.id)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                job.files, job.summary = self.run(job, folder)
                job.report("Done", 100)
                job.state = "done"
            except self.user_errors as err:
                job.state, job.error = "error", str(err)
            except Exception as err:  # keep serving; the log has the traceback
                log.exception("job %s failed", job.id)
                job.state, job.error = "error", f"internal error ({err.__class__.__name__}); see the server log"
            finally:
                job.photo = None  # drop the upload
                job.finished = time.time()
                with self._lock:
                    if job.id in self._order:
                        self._order.remove(job.id)
