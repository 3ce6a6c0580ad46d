"""The landmark embedding: MediaPipe's 478 face-mesh points as (triangle, barycentric) on the ICT head.

How it is made (:func:`build_embedding`, run by ``scripts/build_landmark_embedding.py``):

1. MediaPipe's canonical face mesh (468 points, same frame and units as ICT) is aligned to the ICT
   neutral head with a similarity transform (Umeyama) from ten corresponding points (eye corners, nose
   tip, mouth corners, lip centres, chin) whose ICT positions are Multi-PIE landmark vertices;
2. the alignment is refined by a few similarity-ICP rounds against the ICT face surface;
3. each point is projected to the closest point of the ICT face surface (triangles of the face region),
   giving three corner vertices and barycentric weights; the distance is the residual.
4. The ten refined iris points (468-477) are placed on the ICT eyeballs: the centre is the corneal
   apex, the four boundary points lie at the human iris radius along +x, +y, -x, -y in the
   image-aligned order MediaPipe uses (see :data:`IRIS_DIRECTIONS`, :func:`_iris_embedding`).

The result is small and committed as ``emoshift/resources/landmark_embedding.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from emoshift.headmodel.mesh import read_obj, triangulate
from emoshift.headmodel.regions import MULTIPIE_68, polygon_indices, vertex_indices

#: (MediaPipe index, Multi-PIE 68 index) pairs used for the initial similarity alignment.
MP_TO_68 = [(33, 36), (133, 39), (362, 42), (263, 45), (1, 30), (61, 48), (291, 54), (0, 51), (17, 57), (152, 8)]

#: MediaPipe refined iris points: (centre, boundary...) per eye. 468-472 are the subject's right eye
#: (image left on a frontal photo), 473-477 the subject's left eye.
IRIS_POINTS = {"right": (468, (469, 470, 471, 472)), "left": (473, (474, 475, 476, 477))}
#: Direction, in the head frame, of each boundary point from the iris centre, in MediaPipe's order;
#: measured on real detections (``tests/fitting`` checks it on the packaged photos).
IRIS_DIRECTIONS = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float64)

EMBEDDING_FILE = "landmark_embedding.npz"


@dataclass
class LandmarkEmbedding:
    vertex_ids: np.ndarray  # (478, 3) int64 full-mesh vertex indices of each point's triangle
    bary: np.ndarray  # (478, 3) float32 barycentric weights
    residual_cm: np.ndarray  # (478,) distance of the aligned canonical point to the surface (0 for irises)

    def save(self, path: str | Path) -> None:
        from emoshift.io import atomic_write_with

        atomic_write_with(
            path,
            lambda tmp: np.savez(
                open(tmp, "wb"), vertex_ids=self.vertex_ids, bary=self.bary, residual_cm=self.residual_cm
            ),
        )


def load_embedding() -> LandmarkEmbedding:
    """The committed embedding shipped inside the package."""
    with resources.files("emoshift.resources").joinpath(EMBEDDING_FILE).open("rb") as f:
        d = np.load(f)
        return LandmarkEmbedding(d["vertex_ids"].astype(np.int64), d["bary"].astype(np.float32), d["residual_cm"])


def umeyama(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Similarity (s, R, t) minimising ``|s R src + t - dst|^2``. src, dst: (N, 3)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.eye(3)
    if np.linalg.det(u @ vt) < 0:
        d[2, 2] = -1
    r = u @ d @ vt
    s = float(np.trace(np.diag(sig) @ d) / a.var(0).sum())
    return s, r, mu_d - s * r @ mu_s


def closest_points_on_triangles(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Barycentric weights (N, 3) of the closest point on triangle (a, b, c) to p; all (N, 3).

    Ericson, *Real-Time Collision Detection*, 5.1.5, vectorised.
    """
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = (ab * ap).sum(1), (ac * ap).sum(1)
    bp = p - b
    d3, d4 = (ab * bp).sum(1), (ac * bp).sum(1)
    cp = p - c
    d5, d6 = (ab * cp).sum(1), (ac * cp).sum(1)
    va = d3 * d6 - d5 * d4
    vb = d5 * d2 - d1 * d6
    vc = d1 * d4 - d3 * d2
    denom = va + vb + vc
    with np.errstate(divide="ignore", invalid="ignore"):
        v = vb / denom
        w = vc / denom
    out = np.stack([1 - v - w, v, w], 1)
    # region tests, from the most specific to the interior (later assignments win where they apply)
    def put(mask, wts):
        out[mask] = wts[mask] if wts.ndim == 2 else wts

    n = len(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        # edge regions
        t_ab = d1 / (d1 - d3)
        put((vc <= 0) & (d1 >= 0) & (d3 <= 0), np.stack([1 - t_ab, t_ab, np.zeros(n)], 1))
        t_ac = d2 / (d2 - d6)
        put((vb <= 0) & (d2 >= 0) & (d6 <= 0), np.stack([1 - t_ac, np.zeros(n), t_ac], 1))
        t_bc = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        put((va <= 0) & ((d4 - d3) >= 0) & ((d5 - d6) >= 0), np.stack([np.zeros(n), 1 - t_bc, t_bc], 1))
    # vertex regions
    put((d1 <= 0) & (d2 <= 0), np.array([1.0, 0, 0]))
    put((d3 >= 0) & (d4 <= d3), np.array([0, 1.0, 0]))
    put((d6 >= 0) & (d5 <= d6), np.array([0, 0, 1.0]))
    return out


def project_to_surface(
    points: np.ndarray, vertices: np.ndarray, tris: np.ndarray, k: int = 24
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest surface point of each query point.

    Returns (triangle index (N,), barycentric (N,3), distance (N,)).
    """
    centroids = vertices[tris].mean(1)
    from scipy.spatial import cKDTree  # building the embedding only (a script): not on every import

    _, cand = cKDTree(centroids).query(points, k=k)  # (N, k)
    n = len(points)
    p = np.repeat(points, k, axis=0)
    t = tris[cand.reshape(-1)]
    w = closest_points_on_triangles(p, vertices[t[:, 0]], vertices[t[:, 1]], vertices[t[:, 2]])
    q = (vertices[t] * w[:, :, None]).sum(1)
    dist = np.linalg.norm(q - p, axis=1).reshape(n, k)
    best = dist.argmin(1)
    rows = np.arange(n)
    tri_idx = cand[rows, best]
    return tri_idx, w.reshape(n, k, 3)[rows, best], dist[rows, best]


#: Radius of the human iris (cm, ~11.7 mm diameter); MediaPipe's four iris boundary points lie on it.
IRIS_RADIUS_CM = 0.585


def _iris_embedding(neutral: np.ndarray, tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertex-exact embedding of the 10 iris points: (10, 3) vertex ids, (10, 3) bary.

    The centre is the corneal apex (front-most vertex of the iris range). Each boundary point is the
    front-surface vertex (within 0.5 cm of the apex in depth) whose offset from the apex is closest to
    :data:`IRIS_RADIUS_CM` along the point's direction (+x, +y, -x, -y). (The iris range's widest rim
    lies ~1.4 cm out, 2.5x the real iris, and would bias gaze and eyelid fits.)
    """
    ids, bary = [], []
    for side in IRIS_POINTS:
        iris = vertex_indices(f"iris_{side}")
        pts = neutral[iris]
        apex = int(np.argmax(pts[:, 2]))
        d = pts - pts[apex]
        penalty = np.where(d[:, 2] > -0.5, 0.0, 1e3)
        chosen = [iris[apex]]
        for direction in IRIS_DIRECTIONS:
            err = np.linalg.norm(d[:, :2] - direction * IRIS_RADIUS_CM, axis=1) + penalty
            chosen.append(iris[np.argmin(err)])
        for v in chosen:
            tri = tris[np.nonzero((tris == v).any(1))[0][0]]
            ids.append(tri)
            bary.append((tri == v).astype(np.float32))
    return np.asarray(ids, dtype=np.int64), np.asarray(bary, dtype=np.float32)


def align_canonical(
    neutral: np.ndarray, canon: np.ndarray, face_tris: np.ndarray, icp_rounds: int = 5
) -> tuple[np.ndarray, float]:
    """Steps 1-2 of the embedding: MediaPipe's canonical points (468, 3) in the ICT frame, and the scale.

    neutral: (V, 3) ICT neutral vertices; canon: (468, 3) canonical mesh; face_tris: (T, 3) face triangles.
    """
    mp_idx = [m for m, _ in MP_TO_68]
    ict_pts = neutral[MULTIPIE_68[[j for _, j in MP_TO_68]]]
    s, r, t = umeyama(canon[mp_idx], ict_pts)
    aligned = s * canon @ r.T + t
    for _ in range(icp_rounds):
        tri_idx, w, dist = project_to_surface(aligned, neutral, face_tris)
        target = (neutral[face_tris[tri_idx]] * w[:, :, None]).sum(1)
        keep = dist < np.percentile(dist, 90)
        s2, r2, t2 = umeyama(aligned[keep], target[keep])
        aligned = s2 * aligned @ r2.T + t2
        s = s2 * s
    return aligned, float(s)


def build_embedding(ict: dict, canonical_obj: str | Path, icp_rounds: int = 5) -> tuple[LandmarkEmbedding, dict]:
    """Compute the embedding from the ICT arrays and MediaPipe's canonical mesh.

    Returns the embedding and a report dict (alignment scale, residual statistics in cm).
    """
    neutral = np.asarray(ict["neutral_vertices"], dtype=np.float64)
    canon, _ = read_obj(canonical_obj)
    canon = canon.astype(np.float64)
    tris_all, _ = triangulate(ict["faces"])
    face_polys = set(polygon_indices("face").tolist())
    _, src_poly = triangulate(ict["faces"])
    face_tris = tris_all[np.isin(src_poly, list(face_polys))]

    aligned, s = align_canonical(neutral, canon, face_tris, icp_rounds)
    tri_idx, w, dist = project_to_surface(aligned, neutral, face_tris)
    iris_ids, iris_bary = _iris_embedding(neutral, tris_all)
    emb = LandmarkEmbedding(
        vertex_ids=np.concatenate([face_tris[tri_idx], iris_ids]).astype(np.int64),
        bary=np.concatenate([w, iris_bary]).astype(np.float32),
        residual_cm=np.concatenate([dist, np.zeros(10)]).astype(np.float32),
    )
    report = {
        "scale": float(s),
        "residual_cm_median": float(np.median(dist)),
        "residual_cm_mean": float(dist.mean()),
        "residual_cm_p95": float(np.percentile(dist, 95)),
        "residual_cm_max": float(dist.max()),
        "worst_points": [int(i) for i in np.argsort(-dist)[:5]],
    }
    return emb, report
