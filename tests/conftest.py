"""Shared fixtures: the head model is loaded once per test session; global state is restored per module."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GLOG_minloglevel", "2")
# torch's OpenMP threads spin while they wait at a barrier; when other processes hold the cores (a loaded
# machine, parallel CI jobs) each parallel op then waits for a descheduled spinner: measured here, training
# the judge on 2 threads took 25 s with spinning and 0.8 s with sleeping waits at load 13 on 2 cores.
# Must be set before torch is first imported (libgomp reads it once).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture(autouse=True, scope="module")
def _torch_threads_restored():
    """Every test module leaves torch's intra-op thread count as it found it."""
    import torch

    n = torch.get_num_threads()
    yield
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@pytest.fixture(scope="session")
def ict_arrays():
    from emoshift.headmodel import load_arrays

    return load_arrays()


@pytest.fixture(scope="session")
def head_model():
    from emoshift.headmodel import HeadModel

    return HeadModel.load()


@pytest.fixture(scope="session")
def grey_measure(head_model):
    """The grey head's mouth and brows: expression (53,) -> (mouth widening, mouth width / opening height, inner-brow gap change), lengths
    in eye-corner distances of the neutral head (MediaPipe landmarks: corners 61/291, inner lips 13/14,
    inner brows 55/285)."""
    def landmarks(e):
        return head_model(expression=np.asarray(e, np.float32)[None]).landmarks[0]

    rest = landmarks(np.zeros(53))
    eye = np.linalg.norm(rest[33] - rest[263])

    def f(e):
        lm = landmarks(e)
        width = np.linalg.norm(lm[61] - lm[291])
        height = np.linalg.norm(lm[13] - lm[14])
        widening = (width - np.linalg.norm(rest[61] - rest[291])) / eye
        brows = (np.linalg.norm(lm[55] - lm[285]) - np.linalg.norm(rest[55] - rest[285])) / eye
        return float(widening), float(width / max(height, 1e-6)), float(brows)

    return f


#: The commit whose shipped generator was trained before session 19 (on anger's B-C jaw and contempt's former
#: 0.8 sideways pull; session 18's planner capped both): the control of the tests of the retrained generator.
GENERATOR_BEFORE_SESSION19 = "2c8c265"


@pytest.fixture(scope="session")
def generator_before_session19(tmp_path_factory):
    """The shipped generator as of :data:`GENERATOR_BEFORE_SESSION19`, read from git (skips without the history)."""
    import subprocess
    from pathlib import Path

    from emoshift.models.generator import Generator

    path = tmp_path_factory.mktemp("gen18") / "i2fet_before19.pt"
    root = Path(__file__).resolve().parents[1]
    blob = f"{GENERATOR_BEFORE_SESSION19}:src/emoshift/resources/i2fet_default.pt"
    try:
        data = subprocess.run(["git", "-C", str(root), "show", blob], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"no git history with {blob}")
    path.write_bytes(data)
    return Generator.load(path)
