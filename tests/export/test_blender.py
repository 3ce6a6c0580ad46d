"""Real-tool check: Blender (Debian's ``blender`` 3.4, headless) imports the .glb with its own glTF
importer and finds the 52 ARKit shape keys by name, their animation over the clip's length and values.

Slow (Blender starts in ~5-10 s): ``pytest -m slow``. ``make test`` installs Blender (``make blender``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emoshift.export.arkit import ARKIT_NAMES
from emoshift.export.gltf import write_glb

SCRIPT = Path(__file__).with_name("blender_import.py")


def _blender_import(glb: Path, tmp_path: Path) -> dict:
    blender = shutil.which("blender")
    if not blender:
        pytest.fail("blender is needed (Debian: `make blender`, or apt-get install blender python3-numpy)")
    out = tmp_path / "blender.json"
    cmd = [blender, "--background", "--factory-startup", "--python-exit-code", "3",
           "--python", str(SCRIPT), "--", str(glb), str(out)]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and out.exists(), (p.stdout[-2000:], p.stderr[-2000:])
    return json.loads(out.read_text())


@pytest.mark.slow
def test_blender_imports_52_arkit_shape_keys_and_the_animation(tmp_path, head_model, make_traj):
    names = head_model.expression_names
    fps, n = 30.0, 46  # 1.5 s
    traj = make_traj(n, fps)
    e = traj.expression
    e[:] = 0
    e[:, names.index("jawOpen")] = np.linspace(0, 1, n)
    e[:, names.index("browInnerUp_L")] = 0.8
    e[:, names.index("browInnerUp_R")] = 0.4  # ARKit's single browInnerUp: their mean
    glb = write_glb(tmp_path / "head.glb", head_model, np.zeros(50, np.float32), traj)
    got = _blender_import(glb, tmp_path)

    assert len(got["meshes"]) == 1
    mesh = got["meshes"][0]
    keys = mesh["keys"]
    assert keys[0] == "Basis" and keys[1:] == list(ARKIT_NAMES)  # the 52 names, exactly, in order
    # animation length: the video's n / fps = 1.53 s (46 frames, the last held 1/30 s) at Blender's scene
    # rate, for the shape keys and the head's rotation
    duration = n / fps
    start, end = mesh["range"]
    assert (end - start) / got["fps"] == pytest.approx(duration, abs=1 / got["fps"])
    assert got["node_actions"] and all(
        (b - a) / got["fps"] == pytest.approx(duration, abs=1 / got["fps"]) for a, b in got["node_actions"]
    )
    # the keys play the weights: jawOpen ramps 0 -> 1 over the 45 frame steps (at the middle, 23 of 45),
    # then holds; browInnerUp holds the halves' mean
    values = mesh["values"]
    assert set(values) == set(ARKIT_NAMES)
    assert values["jawOpen"] == pytest.approx([0.0, n / 2 / (n - 1), 1.0], abs=0.005)
    assert values["browInnerUp"] == pytest.approx([0.6] * 3, abs=1e-4)
    assert values["mouthSmileLeft"] == pytest.approx([0.0] * 3, abs=1e-6)
