"""Request guard for the local web app (issue 15): the checks every request passes before a route sees it.

* **Host allow-list** (DNS rebinding): only ``127.0.0.1``, ``localhost``, ``::1`` and the address the
  server is bound to; anything else gets 421 Misdirected Request.
* **Origin check** on state-changing requests (POST, PUT, PATCH, DELETE): a browser's ``Origin`` must
  be this server (allowed host and the bound port), and ``Sec-Fetch-Site: cross-site`` is refused,
  so another web page the user visits cannot queue jobs (403). Scripts without an Origin (curl) pass.
* **Body limit while streaming**: a declared ``Content-Length`` over the limit is refused at once; a
  body without one (chunked) is read into memory only up to the limit, then refused (413). Nothing
  is spooled to disk before the limit is known to hold.
* **Security headers** on every response: a Content-Security-Policy suited to the page (its own
  scripts and three.js modules, the import map by hash, blob: images and models), ``frame-ancestors
  'none'``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def host_name(value: str) -> str:
    """'Host' header value -> lower-case name without port or IPv6 brackets ('[::1]:80' -> '::1')."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def inline_script_hashes(html: str) -> list[str]:
    """CSP 'sha256-...' sources for the inline <script> elements of a page (e.g. its import map)."""
    out = []
    for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S | re.I):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return out


def content_security_policy(page: Path) -> str:
    """The page's CSP: own scripts/modules + its inline import map; blob:/data: images and models."""
    hashes = " ".join(inline_script_hashes(page.read_text(encoding="utf-8")))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}".strip(),
            "style-src 'self'",
            "img-src 'self' blob: data:",
            "media-src 'self' blob:",
            "connect-src 'self' blob: data:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class RequestGuard:
    """Pure ASGI middleware implementing the checks of the module docstring.

    Args:
        app: the ASGI app to protect.
        hosts: allowed host names (no port); see :func:`allowed_hosts`.
        port: the bound port (an Origin must use it); None accepts any port of an allowed host.
        body_limit: largest request body in bytes.
        csp: the Content-Security-Policy header value.
        too_large: the 413 message.
    """

    def __init__(self, app, hosts: Iterable[str], port: int | None, body_limit: int, csp: str, too_large: str):
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.port = port
        self.body_limit = body_limit
        self.too_large = too_large
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]

    def origin_ok(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or (parts.hostname or "") not in self.hosts:
            return False
        return self.port is None or port == self.port

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = host_name(headers.get("host", ""))
        if host not in self.hosts:
            return await _reply(send_with_headers, 421, f"this server answers only to {', '.join(sorted(self.hosts))}; "
                                "open it as http://127.0.0.1:PORT/")  # fmt: skip
        if scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send_with_headers)
        origin = headers.get("origin")
        if (origin is not None and not self.origin_ok(origin)) or headers.get("sec-fetch-site") == "cross-site":
            return await _reply(send_with_headers, 403, "cross-site requests are refused; use the page this server serves")
        declared = headers.get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.body_limit):
            return await _reply(send_with_headers, 413, self.too_large)
        body = bytearray()
        while True:  # read the body into memory, never more than the limit
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > self.body_limit:
                return await _reply(send_with_headers, 413, self.too_large)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send_with_headers)


async def _reply(send, status: int, message: str) -> None:
    data = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})


def allowed_hosts(bound: str | None) -> list[str]:
    """Loopback names plus the bound address; for a wildcard bind (0.0.0.0, ::) this machine's name
    and addresses too (best effort)."""
    hosts = list(LOOPBACK_NAMES)
    if bound and bound not in ("0.0.0.0", "::", ""):
        hosts.append(bound.strip("[]").lower())
    elif bound:
        import socket

        name = socket.gethostname()
        hosts += [name.lower(), socket.getfqdn().lower()]
        try:
            hosts += [ai[4][0] for ai in socket.getaddrinfo(name, None)]
        except OSError:
            pass
    return sorted(set(hosts))


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
