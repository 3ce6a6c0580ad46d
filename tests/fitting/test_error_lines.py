"""Issue 15 with the real detector: a 6000x500 panorama with a 500 px face gets a hint (not a bare
"no face found"), and the error is the only line on stderr (MediaPipe's C++ logs, which it writes
from other threads and at exit, must not add lines)."""

import subprocess
import sys

import numpy as np
from PIL import Image


def test_panorama_hint_is_the_only_stderr_line(tmp_path, astronaut):
    face = np.asarray(Image.fromarray(astronaut).resize((500, 500)))
    pano = np.full((500, 6000, 3), 200, np.uint8)
    pano[:, 2750:3250] = face
    Image.fromarray(pano).save(tmp_path / "pano.png")
    r = subprocess.run([sys.executable, "-m", "emoshift", "fit", str(tmp_path / "pano.png"), "--out",
                        str(tmp_path / "c.json")], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("emoshift: error: no face found") and "very wide image; crop" in lines[0]
    assert not (tmp_path / "c.json").exists()
