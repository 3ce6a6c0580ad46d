"""The CLI tests reuse the pipeline tests' fake components."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
