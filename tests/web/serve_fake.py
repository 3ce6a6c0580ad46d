"""Run ``emoshift serve`` (the real command, uvicorn and all) on the fake pipeline, for the loopback tests.

Usage: python serve_fake.py PORT [SLOW_SECONDS] -- each job's animate call sleeps SLOW_SECONDS first.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))

from fake_components import fake_pipeline  # noqa: E402

from emoshift import pipeline  # noqa: E402
from emoshift.cli import main  # noqa: E402

port, slow = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
pipe = fake_pipeline()
real = pipe.animate


def animate(*a, **k):
    time.sleep(slow)
    return real(*a, **k)


pipe.animate = animate
pipeline.Pipeline.load = classmethod(lambda cls, **kw: pipe)
sys.exit(main(["serve", "--port", port, "--quiet", *sys.argv[3:]]))
