"""Make docs/demo.png, the README's picture: the default animation's anchor frames, cropped to the face,
above the head model's shape renders of the same anchors.

    .venv/bin/python scripts/make_readme_figure.py
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from emoshift.pipeline import DEFAULT_INSTRUCTION, Pipeline

OUT = Path(__file__).resolve().parents[1] / "docs" / "demo.png"

pipe = Pipeline.load()
res = pipe.animate("astronaut", DEFAULT_INSTRUCTION, seed=0)
frames = np.asarray(res.frames)
lm = np.asarray(res.fit.landmarks_detected)
x0, y0 = lm.min(0)
x1, y1 = lm.max(0)
cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.75 * max(x1 - x0, y1 - y0)
box = tuple(int(round(v)) for v in (cx - half, cy - half * 1.05, cx + half, cy + half * 0.95))
tile = 256
idx = list(res.trajectory.anchor_frames)
labels = list(res.trajectory.labels)
sheet = Image.new("RGB", (tile * len(idx), tile + 24), "white")
draw = ImageDraw.Draw(sheet)
for k, (i, name) in enumerate(zip(idx, labels)):
    crop = Image.fromarray(frames[i]).crop(box).resize((tile, tile), Image.LANCZOS)
    sheet.paste(crop, (k * tile, 24))
    draw.text((k * tile + 6, 5), f"{name} (frame {i})", fill="black")
sheet.save(OUT)
print(f"wrote {OUT} ({DEFAULT_INSTRUCTION!r}, planner {res.plan.generator})")
