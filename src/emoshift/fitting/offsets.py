"""Landmark offsets: where MediaPipe's canonical face puts each point, relative to its ICT surface point.

The landmark embedding (:mod:`emoshift.headmodel.landmarks`) snaps each of MediaPipe's 468 canonical
points onto the ICT face surface (median 0.8 mm away, up to 4.7 mm). MediaPipe's detections, however,
follow its canonical geometry, so the fitter adds the snapped-away offset back, as a constant vector in
the head frame (it rotates with the head; identity and expression move the surface point under it).
The eyelid margins (:data:`emoshift.headmodel.mp_indices.EYELIDS`) get no offset: the canonical face's eyes
are narrower than ICT's (lid height / eye width 0.255 vs 0.387; real detections 0.29-0.38), so its lid
offsets (0.33 cm on the upper lids, into the palpebral fissure) are an expression difference, not a
landmark-definition one, and made real open eyes fit as eyeWide. With these offsets MediaPipe's canonical
face fits with near-zero weights on every non-eye blendshape and a partial blink (its narrower eyes), and
the sample photos reproject 7-12% closer than without offsets (fit energy 24% lower).

The (468, 3) float32 offsets ship as ``emoshift/resources/landmark_offsets.npz``; rebuild with
``.venv/bin/python -m emoshift.fitting.offsets``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

OFFSETS_FILE = "landmark_offsets.npz"


def build_offsets() -> np.ndarray:
    """(468, 3) aligned canonical point minus its embedded ICT surface point, cm, zero on the eyelid
    margins (see the module docstring); needs both assets."""
    from emoshift.assets import find_asset
    from emoshift.headmodel.mp_indices import EYELIDS
    from emoshift.headmodel import load_arrays
    from emoshift.headmodel.landmarks import align_canonical, load_embedding
    from emoshift.headmodel.mesh import read_obj, triangulate
    from emoshift.headmodel.regions import polygon_indices

    ict = load_arrays()
    neutral = np.asarray(ict["neutral_vertices"], dtype=np.float64)
    canon, _ = read_obj(find_asset("mediapipe-canonical"))
    tris, src = triangulate(ict["faces"])
    face_tris = tris[np.isin(src, polygon_indices("face"))]
    aligned, _ = align_canonical(neutral, canon.astype(np.float64), face_tris)
    emb = load_embedding()
    surface = (neutral[emb.vertex_ids[:468]] * emb.bary[:468, :, None]).sum(1)
    offsets = aligned - surface
    offsets[list(EYELIDS)] = 0.0
    return offsets.astype(np.float32)


@lru_cache(maxsize=1)
def load_offsets() -> np.ndarray | None:
    """The shipped (468, 3) offsets, or None if the file is missing."""
    ref = resources.files("emoshift.resources").joinpath(OFFSETS_FILE)
    if not ref.is_file():
        return None
    with ref.open("rb") as f, np.load(f) as d:
        return d["offsets"].astype(np.float32)


def main() -> None:  # pragma: no cover - maintenance script
    from pathlib import Path

    from emoshift.io import atomic_write_with

    out = Path(str(resources.files("emoshift.resources").joinpath(OFFSETS_FILE)))
    off = build_offsets()
    atomic_write_with(out, lambda tmp: np.savez(open(tmp, "wb"), offsets=off))
    n = np.linalg.norm(off, axis=1)
    print(f"wrote {out}: median {np.median(n):.3f} cm, max {n.max():.3f} cm")


if __name__ == "__main__":  # pragma: no cover
    main()
