"""The FastAPI app on the fake pipeline: jobs, files, limits, busy answers, errors, retention, offline page."""

from __future__ import annotations

import io
import re
import threading
import time

import numpy as np
import pytest
from fake_components import fake_pipeline
from fastapi.testclient import TestClient
from PIL import Image
from web_helpers import image_bytes as _png
from web_helpers import wait as _wait

from emoshift.web.app import NOT_A_FORM, STATIC, ServeConfig, create_app


def test_sample_job_produces_all_files(make_client):
    client, pipe, _ = make_client()
    r = client.post("/api/jobs", data={"instruction": "from disgust to happy", "sample": "astronaut",
                                       "seconds": "auto", "intensity": "0.5", "neutral": "false"})  # fmt: skip
    assert r.status_code == 202, r.text
    st = _wait(client, r.json()["id"])
    assert st["state"] == "done", st
    assert st["summary"]["anchors"] == ["source", "disgust", "happiness"]  # neutral=false reached the pipeline
    assert set(st["files"]) == {"video", "glb", "csv", "json", "overlay"}
    assert pipe.fitter.calls == [(512, 512)]  # the astronaut
    body = client.get(st["files"]["glb"]).text
    assert body.startswith("glb ")


def test_uploaded_photo_is_used_and_dropped(make_client):
    client, pipe, app = make_client()
    r = client.post("/api/jobs", data={"instruction": "sad"}, files={"photo": ("me.png", _png(), "image/png")})
    st = _wait(client, r.json()["id"])
    assert st["state"] == "done" and pipe.fitter.calls == [(30, 40)]
    folder = app.state.jobs.folder(st["id"])
    assert sorted(p.name for p in folder.iterdir()) == ["curves.csv", "head.glb", "overlay.png", "video.mp4",
                                                        "weights.json"]  # fmt: skip
    assert app.state.jobs.jobs[st["id"]].photo is None


@pytest.mark.parametrize(
    "data, status, msg",
    [
        ({"instruction": "make it purple", "sample": "astronaut"}, 400, "no emotion found"),
        ({"instruction": "", "sample": "astronaut"}, 400, "empty"),
        ({"instruction": "Сделай это лицо счастливым", "sample": "astronaut"}, 400, "English"),
        ({"instruction": "happy " * 60, "sample": "astronaut"}, 400, "characters long"),
        ({"instruction": "happy", "sample": "nobody"}, 400, "unknown sample photo"),
        ({"instruction": "happy", "sample": "astronaut", "seconds": "999"}, 400, "seconds must lie"),
        ({"instruction": "happy", "sample": "astronaut", "timing": "fast"}, 400, "timing must be"),
        ({"instruction": "happy", "sample": "astronaut", "intensity": "abc"}, 400, "must be a number"),
        ({"instruction": "happy", "sample": "astronaut", "neutral": "maybe"}, 400,
         "neutral must be true or false (1/0, yes/no, on/off), got 'maybe'"),
    ],
)
def test_bad_requests_are_readable(make_client, data, status, msg):
    client, pipe, _ = make_client()
    r = client.post("/api/jobs", data=data)
    assert r.status_code == status and msg in r.json()["error"]
    assert pipe.fitter.calls == []


def test_upload_limit(make_client):
    client, pipe, _ = make_client(max_upload_mb=0.01)
    big = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="PNG")
    assert len(buf.getvalue()) > 0.02 * 2**20
    r = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": ("big.png", buf.getvalue())})
    assert r.status_code == 413 and "0.01 MB limit" in r.json()["error"]
    assert pipe.fitter.calls == []


def test_no_face_and_crash_are_reported_and_server_keeps_serving(make_client):
    client, pipe, _ = make_client()
    generate = pipe.planner.generate

    def crash(instruction, **kw):
        if "sad" in instruction.text:
            raise RuntimeError(f"boom in {client.app.state.jobs.workdir}")
        return generate(instruction, **kw)

    pipe.planner.generate = crash
    dark = client.post("/api/jobs", data={"instruction": "happy"}, files={"photo": ("d.png", _png(0))})
    boom = client.post("/api/jobs", data={"instruction": "sad", "sample": "astronaut"})
    ok = client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"})
    assert _wait(client, dark.json()["id"])["error"] == "no face found in the photo"
    assert _wait(client, boom.json()["id"])["error"] == "internal error (RuntimeError); see the server log"
    assert _wait(client, ok.json()["id"])["state"] == "done"


def test_busy_beyond_the_queue(make_client):
    gate = threading.Event()
    pipe = fake_pipeline()
    real = pipe.animate

    def slow(*a, **k):
        gate.wait(10)
        return real(*a, **k)

    pipe.animate = slow
    client, _, _ = make_client(pipe, max_pending=2)
    ids = [client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}) for _ in range(2)]
    assert [r.status_code for r in ids] == [202, 202]
    r = client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"})
    assert r.status_code == 503 and r.json()["error"].startswith("busy") and r.headers["retry-after"] == "60"
    queued = client.get(f"/api/jobs/{ids[1].json()['id']}").json()
    assert queued["state"] == "queued" and queued["position"] == 1
    gate.set()
    assert all(_wait(client, x.json()["id"])["state"] == "done" for x in ids)
    assert client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}).status_code == 202


def test_retention_deletes_files(make_client):
    client, _, app = make_client(retention_minutes=1)
    st = _wait(client, client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}).json()["id"])
    folder = app.state.jobs.folder(st["id"])
    assert folder.is_dir()
    assert app.state.jobs.cleanup(now=time.time() + 30) == 0 and folder.is_dir()
    assert app.state.jobs.cleanup(now=time.time() + 61) == 1
    assert not folder.exists()
    assert client.get(f"/api/jobs/{st['id']}").status_code == 404
    assert client.get(st["files"]["video"]).status_code == 404


def test_workdir_removed_on_shutdown(tmp_path):
    app = create_app(fake_pipeline, ServeConfig(workdir=tmp_path / "w"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        _wait(client, client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}).json()["id"])
        assert any((tmp_path / "w").iterdir())
    assert not (tmp_path / "w").exists()


def test_page_is_offline_and_its_assets_exist(make_client):
    client, _, _ = make_client()
    html = client.get("/").text
    assert "importmap" in html
    refs = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'"(/static/[^"]+)"', html)
    js = "".join((STATIC / n).read_text() for n in ("app.js", "viewer.js"))
    assert not re.search(r"https?://", html + js)  # nothing from the internet
    for ref in [r for r in refs if r.startswith("/static/")]:
        path = ref if ref.endswith((".js", ".css")) else ref + "loaders/GLTFLoader.js"
        assert client.get(path).status_code == 200, path
    assert (STATIC / "vendor/three/LICENSE").read_text().startswith("The MIT License")
    cfg = client.get("/api/config").json()
    assert cfg["max_upload_mb"] == 10 and cfg["retention_minutes"] == 30 and cfg["samples"][0]["name"] == "astronaut"
    img = client.get("/api/samples/astronaut")
    assert img.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(img.content)).size == (512, 512)


@pytest.mark.parametrize("argv, msg", [(["--port", "0"], "--port"), (["--queue", "0"], "positive")])
def test_serve_bad_options_are_one_line(argv, msg, capsys):
    from emoshift.cli import main

    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1


def test_full_disk_during_a_job_is_readable_and_leaves_no_files(make_client):
    import errno

    pipe = fake_pipeline()

    def full(result, path):
        path.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    pipe.writers.csv = full
    client, _, app = make_client(pipe)
    st = _wait(client, client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}).json()["id"])
    assert st["state"] == "error" and st["error"] == "the server could not write the results (No space left on device)"
    assert st["files"] == {} and not app.state.jobs.folder(st["id"]).exists()


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/nope", 404),
        ("GET", "/api/jobs/..%2F..%2F/files/video.mp4", 404),
        ("GET", "/docs", 404),
        ("GET", "/openapi.json", 404),
        ("GET", "/static/nope.js", 404),
        ("DELETE", "/api/config", 405),
        ("POST", "/api/jobs/abc", 405),
        ("PUT", "/api/jobs", 405),
    ],
)
def test_unknown_routes_and_methods_answer_json_errors(make_client, method, path, status):
    client, _, _ = make_client()
    r = client.request(method, path)
    assert r.status_code == status and r.headers["content-type"] == "application/json"
    body = r.json()
    assert list(body) == ["error"] and "\n" not in body["error"]
    assert ("not allowed" if status == 405 else "no such page or API route") in body["error"]
    if status == 405:
        assert r.headers["allow"] and r.headers["allow"] in body["error"]


def test_validation_errors_answer_json_too(make_client):
    client, _, app = make_client()

    def typed(n: int):  # no route of the app takes typed input: one is added for the test
        return n

    app.add_api_route("/api/typed/{n}", typed, methods=["GET"])
    r = client.get("/api/typed/x")
    assert r.status_code == 422 and r.json()["error"].startswith("invalid request: path n: ")


def test_head_works_where_get_does(make_client):
    client, _, _ = make_client()
    st = _wait(client, client.post("/api/jobs", data={"instruction": "happy", "sample": "astronaut"}).json()["id"])
    for path in ("/", "/api/config", "/api/samples/astronaut", f"/api/jobs/{st['id']}", st["files"]["video"],
                 "/static/app.js"):  # fmt: skip
        r = client.head(path)
        assert r.status_code == 200 and r.content == b"", path
    assert client.head("/api/jobs/nope").status_code == 404


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"instruction": "happy", "sample": "astronaut"}},
        {"content": _png(), "headers": {"content-type": "image/jpeg"}},
        {"content": b"instruction=happy", "headers": {"content-type": "text/plain"}},
        {"content": b""},
    ],
)
def test_a_body_that_is_not_a_form_is_named_so(make_client, kwargs):
    client, _, _ = make_client()
    r = client.post("/api/jobs", **kwargs)
    assert r.status_code == 400
    assert r.json()["error"] == NOT_A_FORM == ("could not read the form; send multipart/form-data (instruction, "
                                               "photo or sample, options)")
