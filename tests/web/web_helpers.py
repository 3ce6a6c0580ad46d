"""Helpers of the web tests: small images in memory and waiting for a job (the fixture ``make_client``
is in conftest.py)."""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image


def image_bytes(value: int = 120, size: tuple[int, int] = (40, 30), fmt: str = "PNG") -> bytes:
    """A uniform ``size`` (width, height) image of grey ``value`` in format ``fmt``."""
    buf = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def wait(client, job_id, timeout=180, states=("done", "error", "cancelled")):  # a guard against a hang
    end = time.time() + timeout
    while time.time() < end:
        st = client.get(f"/api/jobs/{job_id}").json()
        if st["state"] in states:
            return st
        time.sleep(0.02)
    raise AssertionError(f"job did not reach {states}")
