"""Issue 15 against the real ``emoshift serve`` on 127.0.0.1 (fake pipeline, a free port): Host and
Origin checks, the streamed body limit (chunked uploads), security headers, no OpenAPI, no server
paths, clear form errors, explicit 3D-only results, stale-folder sweep, quick SIGTERM shutdown.
Every request goes to 127.0.0.1 only; every wait is bounded."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emoshift.warmup import WARM_UP_PREFIX

HERE = Path(__file__).parent
SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, slow: float = 0.0, extra: tuple[str, ...] = ()):
        self.port = _free_port()
        self.tmp = tmp
        env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "serve_fake.py"), str(self.port), str(slow), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)  # fmt: skip
        end = time.time() + 30
        while time.time() < end:
            try:
                if self.request("GET", "/api/config")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("server did not start: " + self.proc.stderr.read())

    def request(self, method, path, body=None, headers=None, host=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            hdrs = {"Host": host or f"127.0.0.1:{self.port}", **(headers or {})}
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def submit(self, fields: dict, photo: tuple[str, bytes] | None = None, headers=None):
        body, ctype = multipart(fields, photo)
        return self.request("POST", "/api/jobs", body, {"Content-Type": ctype, **(headers or {})})

    def wait(self, job_id, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            st = json.loads(self.request("GET", f"/api/jobs/{job_id}")[2])
            if st["state"] in ("done", "error"):
                return st
            time.sleep(0.05)
        raise AssertionError("job did not finish")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=20)


def multipart(fields: dict, photo: tuple[str, bytes] | None = None) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    if photo is not None:
        out.write(f'--{b}\r\nContent-Disposition: form-data; name="photo"; filename="{photo[0]}"\r\n'
                  "Content-Type: application/octet-stream\r\n\r\n".encode() + photo[1] + b"\r\n")  # fmt: skip
    out.write(f"--{b}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={b}"


def _png(value=120) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((30, 40, 3), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.stop()


def test_host_allow_list_refuses_dns_rebinding(server):
    for host in ("evil.example", "evil.example:%d" % server.port, "127.0.0.1.nip.io"):
        status, _, body = server.request("GET", "/api/config", host=host)
        assert status == 421, host
        status, _, _ = server.submit({"instruction": "happy", "sample": "astronaut"}, headers={"Host": host})
        assert status == 421
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", "localhost"):
        assert server.request("GET", "/api/config", host=host)[0] == 200, host  # control


def test_cross_site_job_submission_refused(server):
    fields = {"instruction": "happy", "sample": "astronaut"}
    for origin in ("https://evil.example", f"http://127.0.0.1:{server.port + 1}", "null", f"http://localhost.evil:{server.port}"):
        status, _, body = server.submit(fields, headers={"Origin": origin})
        assert status == 403 and "cross-site" in json.loads(body)["error"], origin
    assert server.submit(fields, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
    # controls: the page's own origin, and a script without Origin
    assert server.submit(fields, headers={"Origin": f"http://127.0.0.1:{server.port}"})[0] == 202
    assert server.submit(fields, headers={"Origin": f"http://localhost:{server.port}",
                                          "Sec-Fetch-Site": "same-origin"})[0] == 202  # fmt: skip


def _spool_files(server) -> list[str]:
    """Files the server process holds open in its TMPDIR (Starlette spools big uploads to unnamed
    temporary files there; they show in /proc/PID/fd), other than its result folder and its warm-up's
    (emoshift.warmup.WARM_UP_PREFIX: the first-job warm-up may still be encoding its video while the upload streams)."""
    out = []
    for fd in Path(f"/proc/{server.proc.pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(server.tmp)) and "emoshift-serve-" not in target and WARM_UP_PREFIX not in target:
            out.append(target)
    return out


def test_chunked_upload_refused_without_spooling(server):
    """A 40 MB chunked body (no Content-Length): refused with 413 once the 10 MB limit is passed, and
    at no point while it streams does the server hold a spooled file in its TMPDIR."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    b = "xyz"
    head = (f'--{b}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\n\r\n').encode()
    conn.putrequest("POST", "/api/jobs", skip_host=True)
    conn.putheader("Host", f"127.0.0.1:{server.port}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={b}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    chunk = b"\0" * 2**20
    spooled, sent = [], 0
    try:
        conn.send(b"%x\r\n%s\r\n" % (len(head), head))
        for _ in range(40):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += 1
            if sent % 3 == 0:
                time.sleep(0.05)
                spooled += _spool_files(server)
        conn.send(b"0\r\n\r\n")
    except OSError:  # the server closed the connection after its 413: fine
        pass
    try:
        r = conn.getresponse()
        status, body = r.status, r.read()
    finally:
        conn.close()
    assert spooled == []
    assert status == 413 and "10 MB limit" in json.loads(body)["error"], (status, body)
    assert server.request("GET", "/api/config")[0] == 200  # still serving


def test_security_headers_and_no_openapi(server):
    status, headers, body = server.request("GET", "/")
    h = {k.lower(): v for k, v in headers.items()}
    assert status == 200
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp
    assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
    # the CSP's hash is the page's import map, so the page still works under it
    from emoshift.web.guard import inline_script_hashes

    assert all(x in csp for x in inline_script_hashes(body.decode()))
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert server.request("GET", path)[0] == 404, path
    assert "x-content-type-options" in {k.lower() for k in server.request("GET", "/api/jobs/nope")[1]}


def test_messages_show_no_server_paths(server):
    status, _, body = server.submit({"instruction": "happy"}, photo=("x.png", b"definitely not an image"))
    err = json.loads(body)["error"]
    assert status == 400 and err == "the uploaded file is not a readable image"  # refused at once, no job
    status, _, body = server.submit({"instruction": "happy"}, photo=("x.png", _png()[:-30]))  # truncated
    err = json.loads(body)["error"]
    assert status == 400 and err.startswith("cannot read the uploaded photo: ")
    assert "/tmp" not in err and "emoshift-serve" not in err and str(server.tmp) not in err


def test_long_instruction_and_empty_photo_are_clear(server):
    status, _, body = server.submit({"instruction": "happy " * 350_000, "sample": "astronaut"})  # 2.1 M characters
    assert status == 400 and "instruction too long" in json.loads(body)["error"]
    status, _, body = server.submit({"instruction": "happy " * 100, "sample": "astronaut"})
    assert status == 400 and "characters" in json.loads(body)["error"]
    status, _, body = server.submit({"instruction": "happy"}, photo=("", b""))
    err = json.loads(body)["error"]
    assert status == 400 and "no file" in err and "3D-only" in err


def test_no_photo_is_an_explicit_3d_only_result(server):
    status, _, body = server.submit({"instruction": "happy"})
    r = json.loads(body)
    assert status == 202 and r["mode"] == "3d-only" and "3D only" in r["note"]
    st = server.wait(r["id"])
    assert st["state"] == "done" and st["mode"] == "3d-only" and "video" not in st["files"], st
    status, _, body = server.submit({"instruction": "happy", "sample": "astronaut"})  # control
    r = json.loads(body)
    assert r["mode"] == "video" and "note" not in r and "video" in server.wait(r["id"])["files"]


def test_stale_result_folders_swept_at_start(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / "emoshift-serve-stale1"
    (stale / "job").mkdir(parents=True)
    (stale / "job" / "video.mp4").write_bytes(b"x")
    (stale / ".emoshift-serve-pid").write_text(str(dead.pid))
    live = tmp_path / "emoshift-serve-live1"
    live.mkdir()
    (live / ".emoshift-serve-pid").write_text(str(os.getpid()))  # a running server's folder: kept
    s = Server(tmp_path)
    try:
        assert not stale.exists() and live.is_dir()
        assert len([p for p in tmp_path.iterdir() if p.name.startswith("emoshift-serve-")]) == 2  # live + its own
    finally:
        s.stop()


def test_sigterm_with_full_queue_stops_in_seconds(tmp_path):
    """4 jobs of 20 s each queued; SIGTERM must end the server in < 10 s (before: 58-60 s), dropping the
    queue and deleting the result folder."""
    s = Server(tmp_path, slow=20.0)
    try:
        ids = [json.loads(s.submit({"instruction": "happy", "sample": "astronaut"})[2])["id"] for _ in range(4)]
        assert len(ids) == 4
        time.sleep(0.5)
        workdirs = [p for p in tmp_path.iterdir() if p.name.startswith("emoshift-serve-")]
        assert len(workdirs) == 1
        t = time.time()
        s.proc.send_signal(signal.SIGTERM)
        s.proc.wait(timeout=30)
        took = time.time() - t
        assert took < 10, took
        assert not workdirs[0].exists()
    finally:
        s.stop()


def test_non_loopback_bind_warns():
    from emoshift.web.guard import allowed_hosts, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert "192.168.1.5" in allowed_hosts("192.168.1.5") and "evil.example" not in allowed_hosts("0.0.0.0")


@pytest.mark.parametrize("host, warned", [("0.0.0.0", True), ("192.168.1.5", True), ("127.0.0.1", False),
                                          ("localhost", False)])  # fmt: skip
def test_serve_warns_on_non_loopback_bind(monkeypatch, capsys, host, warned):
    """The command only: uvicorn.run and the app are replaced (nothing listens)."""
    import uvicorn

    import emoshift.web.app as web_app
    from emoshift.cli import main

    seen = {}
    monkeypatch.setattr(web_app, "create_app", lambda get, config: seen.setdefault("config", config))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.setdefault("run", kw))
    assert main(["serve", "--host", host, "--port", "8123", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert ("warning: listening on " + host in err) is warned and ("reachable from other machines" in err) is warned
    assert seen["config"].host == host and seen["config"].port == 8123 and seen["run"]["host"] == host
    assert seen["run"]["timeout_graceful_shutdown"] <= 5
