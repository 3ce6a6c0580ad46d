"""Rebuild emoshift/resources/landmark_embedding.npz from the two shared assets and print the residuals.

    .venv/bin/python scripts/build_landmark_embedding.py
"""

import json
from pathlib import Path

from emoshift.assets import find_asset
from emoshift.headmodel import load_arrays
from emoshift.headmodel.landmarks import EMBEDDING_FILE, build_embedding

out = Path(__file__).resolve().parents[1] / "src" / "emoshift" / "resources" / EMBEDDING_FILE
emb, report = build_embedding(load_arrays(), find_asset("mediapipe-canonical"))
emb.save(out)
print(json.dumps(report, indent=2))
print(f"wrote {out}")
