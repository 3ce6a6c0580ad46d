"""The photo path imports mediapipe without matplotlib, sounddevice (start-up time: its PortAudio search
alone took 50 ms) or cv2, and without the parts of mediapipe the fitter does not use (its Tasks API, the
solutions other than the face mesh and face detection); the real modules still work after, and
``mp.tasks`` / ``mp.solutions.<name>`` are the modules a plain ``import mediapipe`` gives."""

import subprocess
import sys

CODE = """
import sys
from emoshift.fitting.detect import DEFERRED_MEDIAPIPE, import_mediapipe
mp = import_mediapipe()
print(sorted(m for m in ("matplotlib", "matplotlib.pyplot", "sounddevice", "cv2") if m in sys.modules))
deferred = [m for n in DEFERRED_MEDIAPIPE.values() for m in n.values()]
print(sorted(m for m in deferred if m in sys.modules), len(deferred))
assert mp.solutions.face_mesh.FaceMesh is not None
from mediapipe.tasks.python import vision  # a direct import first: mp.tasks stays mediapipe.tasks.python
assert mp.tasks.vision is vision and mp.tasks is sys.modules["mediapipe.tasks.python"]
assert mp.solutions.pose is sys.modules["mediapipe.python.solutions.pose"] and mp.solutions.pose.Pose
print(sorted(m for m in deferred if m in sys.modules))  # control: what was used is imported now
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
    assert out.stdout.split("\n")[:5] == ["[]", "[] 9", "['mediapipe.python.solutions.pose', 'mediapipe.tasks.python']",
                                        "FaceLandmarker", "True"], out.stdout


PLAIN = """
import mediapipe as mp
from mediapipe.tasks.python import vision
print(mp.tasks is __import__("sys").modules["mediapipe.tasks.python"], mp.tasks.vision is vision)
"""


def test_control_a_plain_mediapipe_import_has_the_same_tasks_attribute():
    out = subprocess.run([sys.executable, "-c", PLAIN], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]
