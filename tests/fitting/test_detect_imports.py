"""The photo path imports mediapipe without matplotlib, sounddevice (start-up time: its PortAudio search
alone took 50 ms) or cv2; the real modules still work after."""

import subprocess
import sys

CODE = """
import sys
from emoshift.fitting.detect import import_mediapipe
mp = import_mediapipe()
print(sorted(m for m in ("matplotlib", "matplotlib.pyplot", "sounddevice", "cv2") if m in sys.modules))
assert mp.solutions.face_mesh.FaceMesh is not None
import matplotlib.pyplot as plt  # the real modules still import afterwards
from mediapipe.python.solutions import drawing_utils
assert drawing_utils.plt.figure is plt.figure and type(plt).__name__ == "module"
import cv2
assert drawing_utils.cv2.cvtColor is cv2.cvtColor  # the stand-in mediapipe kept loads the real cv2
print(mp.tasks.vision.FaceLandmarker.__name__)
import importlib.util
print(importlib.util.find_spec("sounddevice") is not None)  # control: installed, so a plain import would load it
"""


def test_mediapipe_imports_without_matplotlib():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["[]", "FaceLandmarker", "True"], out.stdout
