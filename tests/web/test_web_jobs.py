"""Cancelling jobs (emoshift.web.jobs, DELETE /api/jobs/{id}): a queued job leaves the queue at once, a
running one stops at its next progress report and keeps no files, a finished one is left as it is (409);
unknown ids are 404; the Origin check applies."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fake_components import fake_pipeline
from web_helpers import wait

from emoshift.web.jobs import Job, JobQueue

JOB = {"instruction": "happy", "sample": "astronaut"}


def _blocking_pipeline():
    """A fake pipeline whose fit waits for ``started``/``release`` (the stage report before it has run)."""
    pipe = fake_pipeline()
    started, release = threading.Event(), threading.Event()
    fit = pipe.fitter.fit

    def slow_fit(image, face=None, name=None):
        started.set()
        release.wait(20)
        return fit(image, face, name)

    pipe.fitter.fit = slow_fit
    return pipe, started, release


def test_delete_cancels_the_running_and_the_queued_job(make_client):
    pipe, started, release = _blocking_pipeline()
    client, _, app = make_client(pipe)
    running = client.post("/api/jobs", data=JOB).json()["id"]
    queued = client.post("/api/jobs", data=JOB).json()["id"]
    assert started.wait(20)
    folder = app.state.jobs.folder(running)
    assert folder.is_dir()

    for _ in range(2):  # twice: the same answer
        r = client.delete(f"/api/jobs/{queued}")
        assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert client.get(f"/api/jobs/{queued}").json()["state"] == "cancelled"
    r = client.delete(f"/api/jobs/{running}")
    assert r.status_code == 202 and r.json()["state"] == "cancelling"
    assert client.get(f"/api/jobs/{running}").json()["state"] == "cancelling"
    release.set()  # the fit returns; the next stage's report stops the job
    st = wait(client, running)
    assert st["state"] == "cancelled" and st["error"] is None and st["files"] == {}
    assert not folder.exists() and pipe.writers.calls == []  # no partial outputs
    app.state.jobs.wait_idle(20)
    assert pipe.fitter.calls == [(512, 512)]  # the queued job never ran
    assert not app.state.jobs.folder(queued).exists()
    # the slots are free again, and a new job runs to the end
    assert wait(client, client.post("/api/jobs", data=JOB).json()["id"])["state"] == "done"


def test_delete_a_finished_job_is_409_and_unknown_ids_are_404(make_client):
    client, _, app = make_client()
    st = wait(client, client.post("/api/jobs", data=JOB).json()["id"])
    r = client.delete(f"/api/jobs/{st['id']}")
    assert r.status_code == 409 and r.json() == {"error": "the job has finished (done); its files are deleted "
                                                          "30 minutes after it ended"}  # fmt: skip
    assert client.get(f"/api/jobs/{st['id']}").json()["state"] == "done" and app.state.jobs.folder(st["id"]).is_dir()
    r = client.delete("/api/jobs/nope")
    assert r.status_code == 404 and r.json() == {"error": "no such job (finished jobs are deleted after the "
                                                          "retention time)"}  # fmt: skip


def test_delete_from_another_site_is_refused(make_client):
    pipe, started, release = _blocking_pipeline()
    client, _, _ = make_client(pipe)
    job = client.post("/api/jobs", data=JOB).json()["id"]
    r = client.delete(f"/api/jobs/{job}", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    release.set()
    assert wait(client, job)["state"] == "done"  # untouched


def test_a_cancel_as_the_job_ends_still_leaves_no_files(tmp_path: Path):
    """The runner wrote everything and reports no more: the cancel wins all the same (the final report)."""
    gate, wrote = threading.Event(), threading.Event()

    def run(job: Job, folder: Path):
        (folder / "video.mp4").write_bytes(b"x")
        wrote.set()
        gate.wait(20)
        return {"video": "video.mp4"}, {}

    q = JobQueue(run, tmp_path / "w")
    try:
        job = q.submit({}, None)
        assert wrote.wait(20)
        assert q.cancel(job.id)["state"] == "cancelling"
        gate.set()
        assert q.wait_idle(20)
        assert q.status(job.id)["state"] == "cancelled" and q.status(job.id)["files"] == {}
        assert not q.folder(job.id).exists()
    finally:
        q.close()


def test_a_cancelled_queued_job_frees_its_slot_and_is_skipped(tmp_path: Path):
    ran, gate = [], threading.Event()

    def run(job: Job, folder: Path):
        ran.append(job.id)
        gate.wait(20)
        return {}, {}

    q = JobQueue(run, tmp_path / "w", max_pending=2)
    first = q.submit({}, None)
    end = time.time() + 20
    while not ran and time.time() < end:
        time.sleep(0.01)
    second = q.submit({}, None)
    assert q.cancel(second.id)["state"] == "cancelled"
    third = q.submit({}, None)  # the cancelled job's slot is free
    gate.set()
    assert q.wait_idle(20)
    assert ran == [first.id, third.id]
    assert q.status(second.id)["state"] == "cancelled"
    q.close()
