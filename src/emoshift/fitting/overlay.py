"""Draw fitted heads over the photo: a wireframe of the camera-facing triangles plus landmarks."""

from __future__ import annotations

import numpy as np

from emoshift.fitting.result import FaceFit


def fit_vertices(model, fit: FaceFit) -> np.ndarray:
    """(V, 3) camera-space vertices of ``model`` at ``fit`` (identity truncated/padded to the model's K)."""
    k = model.n_identity
    ident = np.zeros(k, dtype=np.float32)
    n = min(k, len(fit.identity))
    ident[:n] = fit.identity[:n]
    rest = (np.asarray(x, np.float32)[None] for x in (fit.expression, fit.rotation, fit.translation))
    return model(ident[None], *rest).vertices[0]


def face_triangles(model) -> np.ndarray:
    """(T', 3) triangles of ``model`` whose corners all lie in the ICT narrow face region (no neck, scalp, eyes)."""
    from emoshift.headmodel.regions import vertex_indices

    tris = model.triangles
    in_face = np.isin(np.asarray(model.vertex_ids), vertex_indices("narrow_face"))
    keep = in_face[tris].all(1)
    return tris[keep] if keep.any() else tris


def draw_overlay(image: np.ndarray, fits: list[FaceFit], model, landmarks: bool = True) -> np.ndarray:
    """(H, W, 3) uint8 copy of ``image`` with each fit's face wireframe (front-facing edges of the face
    region) and landmarks (detected: green, fitted: red)."""
    from PIL import Image, ImageDraw

    base = Image.fromarray(image).convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    tris = face_triangles(model)
    for fit in fits:
        v = fit_vertices(model, fit)
        uv = fit.camera.project(v)
        a, b, c = v[tris[:, 0]], v[tris[:, 1]], v[tris[:, 2]]
        normal = np.cross(b - a, c - a)
        front = (normal * a).sum(1) < 0  # facing the camera at the origin
        edges = np.concatenate([tris[front][:, [0, 1]], tris[front][:, [1, 2]], tris[front][:, [2, 0]]])
        edges = np.unique(np.sort(edges, 1), axis=0)
        for i, j in edges:
            draw.line([tuple(uv[i]), tuple(uv[j])], fill=(80, 170, 255, 70), width=1)
        if landmarks:
            r = max(0.8, min(image.shape[:2]) / 600)
            for pts, col in ((fit.landmarks_detected, (0, 255, 0, 255)), (fit.landmarks_fitted, (255, 40, 40, 255))):
                for x, y in pts:
                    draw.ellipse([x - r, y - r, x + r, y + r], fill=col)
    return np.asarray(Image.alpha_composite(base, layer).convert("RGB"))
