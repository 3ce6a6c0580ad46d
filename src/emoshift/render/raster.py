"""The one CPU triangle rasterizer: a Numba z-buffer producing triangle-id, barycentric and depth buffers.

Conventions: pixel ``(i, j)`` (row ``i``, column ``j``) has its centre at ``(x, y) = (j + 0.5, i + 0.5)``
in the pixel coordinates of :class:`emoshift.camera.Camera` (x right, y down). A pixel belongs to a
triangle when its centre lies inside or on an edge; the smaller depth wins (ties: the lower triangle id).
Barycentric weights are affine in screen space (not perspective-corrected: the head's triangles are a
few pixels wide and its depth range is ~2% of its distance, so the difference is far below a pixel).

Triangles are rasterized by row bands in parallel (:func:`parallel_map`: Python threads running the
GIL-free kernel; each band owns its rows, so the z-buffer needs no locks and the result does not depend
on the thread count). Threads rather than ``numba.prange`` keep the one-off JIT compile short.

The same kernel (:func:`raster_into`) is called from other jitted code (shape images, reenactment).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from emoshift.jit import njit

#: Depth of empty pixels.
FAR = np.float32(np.inf)


@dataclass
class Fragments:
    """Per-pixel rasterization result.

    tri_id: (H, W) int32 triangle index, -1 where no triangle covers the pixel.
    bary: (H, W, 3) float32 barycentric weights of the triangle's corners (0 on the background).
    depth: (H, W) float32 interpolated depth (``inf`` on the background).
    """

    tri_id: np.ndarray
    bary: np.ndarray
    depth: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        """(H, W) bool, True where a triangle covers the pixel."""
        return self.tri_id >= 0

    def interpolate(self, attributes: np.ndarray, triangles: np.ndarray) -> np.ndarray:
        """Interpolate per-vertex attributes (V, C) to (H, W, C) float32 (0 on the background)."""
        attr = np.ascontiguousarray(attributes, dtype=np.float32).reshape(len(attributes), -1)
        out = np.zeros(self.tri_id.shape + (attr.shape[1],), np.float32)
        interpolate_into(self.tri_id, self.bary, np.ascontiguousarray(triangles, dtype=np.int32), attr, out)
        return out


@njit(cache=True, nogil=True, _nrt=False)
def barycentric(x0, y0, x1, y1, x2, y2, inv, px, py):  # pragma: no cover - jitted
    """Barycentric weights (w0, w1, w2) of point (px, py) in the triangle (x0, y0), (x1, y1), (x2, y2) of
    inverse signed area ``inv``; (-1, 0, 0) when it lies outside (any weight negative; on an edge: inside)."""
    w0 = ((x1 - px) * (y2 - py) - (x2 - px) * (y1 - py)) * inv
    if w0 < 0:
        return -1.0, 0.0, 0.0
    w1 = ((x2 - px) * (y0 - py) - (x0 - px) * (y2 - py)) * inv
    if w1 < 0:
        return -1.0, 0.0, 0.0
    w2 = 1.0 - w0 - w1
    if w2 < 0:
        return -1.0, 0.0, 0.0
    return w0, w1, w2


@njit(cache=True, nogil=True, fastmath=False)
def raster_into(screen, tris, row0, row1, cull, id_offset, tri_id, bary, depth):  # pragma: no cover - jitted
    """Rasterize all triangles into rows ``row0 <= i < row1`` of the given buffers (in place).

    Args:
        screen: (V, 3) float32 ``x_px, y_px, depth``.
        tris: (T, 3) int32.
        cull: 0 = draw both sides; 1 = skip back faces: triangles that appear clockwise on the
            screen (positive signed area in y-down pixel coordinates), for meshes whose outward
            faces appear counter-clockwise to the viewer (the ICT head's convention).
        id_offset: added to the triangle index written to ``tri_id`` (to draw several triangle
            lists into one set of buffers, e.g. culled skin then unculled mouth interior).
        tri_id, bary, depth: (H, W), (H, W, 3), (H, W) buffers, initialised by the caller.
    """
    _raster(screen, tris, row0, row1, cull, id_offset, tri_id, bary, depth, False, np.empty((0, 0), np.float32))


@njit(cache=True, nogil=True, fastmath=False)
def raster_over_into(screen, tris, row0, row1, cull, id_offset, tri_id, bary, depth):  # pragma: no cover - jitted
    """:func:`raster_into` of a second list (ids from ``id_offset``) over the buffers of a first (ids below
    it), with the fragments of the two lists rasterized into buffers of their own and merged (a fragment of
    the second wins where its float32 depth is strictly closer than the first's; :func:`rasterize_head`):
    against a pixel of the first list the fragment's depth is compared as stored (rounded to float32), as the
    merge compared the two buffers; against one of its own list as :func:`raster_into` compares."""
    _raster(screen, tris, row0, row1, cull, id_offset, tri_id, bary, depth, True, np.empty((0, 0), np.float32))


#: Tiles (pixels a side) over which :func:`raster_inner_into` finds the inner parts' triangles hidden behind the
#: skin, and the depth (cm) by which the skin must lie in front of a triangle's nearest vertex there.
HIDDEN_TILE = 8
HIDDEN_MARGIN_CM = 1e-3


@njit(cache=True, nogil=True)
def tile_far(depth, row0, row1):  # pragma: no cover - jitted
    """(ceil((row1 - row0) / HIDDEN_TILE), ceil(W / HIDDEN_TILE)) float32: the farthest ``depth`` (H, W) in each
    tile of HIDDEN_TILE x HIDDEN_TILE pixels of rows row0..row1 (inf where a pixel is uncovered)."""
    w = depth.shape[1]
    out = np.zeros(((row1 - row0 + HIDDEN_TILE - 1) // HIDDEN_TILE, (w + HIDDEN_TILE - 1) // HIDDEN_TILE), np.float32)
    for i in range(row0, row1):
        ti = (i - row0) // HIDDEN_TILE
        for j in range(w):
            tj = j // HIDDEN_TILE
            if not (depth[i, j] <= out[ti, tj]):
                out[ti, tj] = depth[i, j]
    return out


@njit(cache=True, nogil=True, fastmath=False)
def raster_inner_into(screen, tris, row0, row1, id_offset, tri_id, bary, depth, over):  # pragma: no cover - jitted
    """The inner parts (two-sided; ids from ``id_offset``) into rows ``row0 <= i < row1`` of buffers that hold the
    skin already: :func:`raster_over_into` with ``over``, else :func:`raster_into` (a head's fragments, as
    :func:`rasterize_head` and :func:`raster_box` make them). Skips each triangle whose every tile
    (:func:`tile_far`, of the skin before the inner parts) its box touches holds skin nearer than its nearest vertex
    by HIDDEN_MARGIN_CM: the same fragments (no pixel of it could pass the depth test), without walking the
    head's inside hidden behind the face (its teeth, gums, mouth socket and eyeballs are half its triangles:
    they cost as much as the skin)."""
    _raster(screen, tris, row0, row1, 0, id_offset, tri_id, bary, depth, over, tile_far(depth, row0, row1))


@njit(cache=True, nogil=True, fastmath=False)
def _raster(screen, tris, row0, row1, cull, id_offset, tri_id, bary, depth, over, far):  # pragma: no cover - jitted
    """:func:`raster_into` (``over`` False) and :func:`raster_over_into` (True); with tiles ``far`` (not empty),
    the triangles hidden behind them skipped (:func:`raster_inner_into`)."""
    width = tri_id.shape[1]
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        x0, y0, z0 = screen[a, 0], screen[a, 1], screen[a, 2]
        x1, y1, z1 = screen[b, 0], screen[b, 1], screen[b, 2]
        x2, y2, z2 = screen[c, 0], screen[c, 1], screen[c, 2]
        ymin = min(y0, min(y1, y2))
        ymax = max(y0, max(y1, y2))
        # rows whose centres i + 0.5 fall in [ymin, ymax]
        i0 = max(int(np.ceil(ymin - 0.5)), row0)
        i1 = min(int(np.floor(ymax - 0.5)), row1 - 1)
        if i0 > i1:
            continue
        xmin = min(x0, min(x1, x2))
        xmax = max(x0, max(x1, x2))
        j0 = max(int(np.ceil(xmin - 0.5)), 0)
        j1 = min(int(np.floor(xmax - 0.5)), width - 1)
        if j0 > j1:
            continue
        if far.shape[0] > 0 and _hidden(far, (i0 - row0) // HIDDEN_TILE, (i1 - row0) // HIDDEN_TILE, j0 // HIDDEN_TILE,
                                        j1 // HIDDEN_TILE, min(z0, min(z1, z2)) - HIDDEN_MARGIN_CM):  # fmt: skip
            continue
        area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
        if not (area != 0.0) or not np.isfinite(area) or not np.isfinite(z0 + z1 + z2):
            continue
        if cull == 1 and area > 0:
            continue
        inv = 1.0 / area
        for i in range(i0, i1 + 1):
            py = i + 0.5
            for j in range(j0, j1 + 1):
                w0, w1, w2 = barycentric(x0, y0, x1, y1, x2, y2, inv, j + 0.5, py)
                if w0 < 0:
                    continue
                z = w0 * z0 + w1 * z1 + w2 * z2
                if over and tri_id[i, j] < id_offset:
                    closer = np.float32(z) < depth[i, j]
                else:
                    closer = z < depth[i, j]
                if closer:
                    depth[i, j] = z
                    tri_id[i, j] = t + id_offset
                    bary[i, j, 0] = w0
                    bary[i, j, 1] = w1
                    bary[i, j, 2] = w2


@njit(cache=True, nogil=True, _nrt=False)
def _hidden(far, ti0, ti1, tj0, tj1, z):  # pragma: no cover - jitted
    """Whether every tile (ti0..ti1, tj0..tj1) of ``far`` lies nearer than depth ``z`` (False for a NaN)."""
    for ti in range(ti0, ti1 + 1):
        for tj in range(tj0, tj1 + 1):
            if not (far[ti, tj] < z):
                return False
    return True


_POOL: ThreadPoolExecutor | None = None


def _reset_pool() -> None:
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_reset_pool)  # a forked worker starts its own threads


def n_threads() -> int:
    """Worker threads for the renderers (``NUMBA_NUM_THREADS``, by default the CPU count)."""
    import numba  # imported by emoshift.jit already (first: its import leaves PyYAML out)

    return max(1, int(numba.config.NUMBA_NUM_THREADS))


_LOCAL = threading.local()


@contextmanager
def inline() -> Iterator[None]:
    """Inside the block, :func:`parallel_map` calls ``fn(k)`` in order on the calling thread: for callers
    that already run on every core (the video's frame threads, :func:`emoshift.videoin.run.write_clip`),
    where handing each band or frame to the shared pool and waiting for it only adds thread switches.
    The same calls with the same arguments: the same results."""
    before = getattr(_LOCAL, "inline", False)
    _LOCAL.inline = True
    try:
        yield
    finally:
        _LOCAL.inline = before


def inlined() -> bool:
    """Whether this thread is inside :func:`inline` (its :func:`parallel_map` calls run in order here)."""
    return getattr(_LOCAL, "inline", False)


def parallel_map(fn: Callable[[int], object], n: int) -> None:
    """Call ``fn(k)`` for k in range(n) on a shared thread pool (in order on this thread inside
    :func:`inline`); ``fn`` should spend its time in ``nogil`` kernels. Exceptions propagate."""
    global _POOL
    if n <= 1 or n_threads() == 1 or inlined():
        for k in range(n):
            fn(k)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=n_threads(), thread_name_prefix="emoshift-render")
    for _ in _POOL.map(fn, range(n)):
        pass


@njit(cache=True, nogil=True)
def raster_box(screen, tris, n_skin, x0, y0, rw, rh):  # pragma: no cover - jitted
    """Fragments of the pixel box (x0, y0, rw, rh) of a head whose first ``n_skin`` triangles are skin
    (back faces culled) and the rest inside parts (two-sided: mouth interior, eyes).

    Returns: local (V, 3) ``screen`` shifted to the box, tri_id (rh, rw) int32 (-1 background),
    bary (rh, rw, 3), depth (rh, rw) float32.
    """
    nv = screen.shape[0]
    local = np.empty((nv, 3), np.float32)
    for v in range(nv):
        local[v, 0] = screen[v, 0] - x0
        local[v, 1] = screen[v, 1] - y0
        local[v, 2] = screen[v, 2]
    tri_id = np.full((rh, rw), -1, np.int32)
    bary = np.zeros((rh, rw, 3), np.float32)
    depth = np.full((rh, rw), FAR, np.float32)
    raster_into(local, tris[:n_skin], 0, rh, 1, 0, tri_id, bary, depth)
    if n_skin < tris.shape[0]:
        raster_inner_into(local, tris[n_skin:], 0, rh, n_skin, tri_id, bary, depth, False)
    return local, tri_id, bary, depth


@njit(cache=True, nogil=True)
def interpolate_into(tri_id, bary, tris, attr, out):  # pragma: no cover - jitted
    """out[i, j] = sum_k bary[i, j, k] * attr[tris[tri_id[i, j], k]] where covered (in place)."""
    h, w = tri_id.shape
    c = attr.shape[1]
    for i in range(h):
        for j in range(w):
            t = tri_id[i, j]
            if t < 0:
                continue
            for k in range(3):
                v = tris[t, k]
                wk = bary[i, j, k]
                for ch in range(c):
                    out[i, j, ch] += wk * attr[v, ch]


def new_buffers(height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empty (tri_id, bary, depth) buffers for :func:`raster_into`."""
    return (
        np.full((height, width), -1, np.int32),
        np.zeros((height, width, 3), np.float32),
        np.full((height, width), FAR, np.float32),
    )


def rasterize(screen: np.ndarray, tris: np.ndarray, width: int, height: int, cull_back: bool = False) -> Fragments:
    """Rasterize a triangle mesh given in screen space.

    Args:
        screen: (V, 3) float32 ``[x_px, y_px, depth]`` (smaller depth = closer), pixel coordinates
            as produced by :meth:`emoshift.camera.Camera.project` (x right, y down).
        tris: (T, 3) int vertex indices.
        width, height: image size in pixels.
        cull_back: skip back faces (triangles that appear clockwise on screen; see :func:`raster_into`).
    Returns:
        :class:`Fragments` with (H, W) buffers.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    screen = np.ascontiguousarray(screen, dtype=np.float32)
    tris = np.ascontiguousarray(tris, dtype=np.int32)
    if screen.ndim != 2 or screen.shape[1] != 3 or tris.ndim != 2 or tris.shape[1] != 3:
        raise ValueError(f"expected screen (V,3) and tris (T,3), got {screen.shape} and {tris.shape}")
    cull = 1 if cull_back else 0
    return _banded(lambda r0, r1, buffers: raster_into(screen, tris, r0, r1, cull, 0, *buffers), width, height)


def rasterize_head(screen: np.ndarray, tris: np.ndarray, n_skin: int, width: int, height: int) -> Fragments:
    """:func:`rasterize` of a head whose first ``n_skin`` triangles are skin (back faces culled) and the rest
    inside parts (two-sided), into one set of buffers: the same fragments as the two lists rasterized apart
    and merged (an inner fragment wins where its depth is strictly closer, ties to the lower id;
    :func:`raster_over_into`), without the second buffers and the merge."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    screen = np.ascontiguousarray(screen, dtype=np.float32)
    tris = np.ascontiguousarray(tris, dtype=np.int32)
    skin, inner = tris[:n_skin], tris[n_skin:]

    def band(r0: int, r1: int, buffers) -> None:
        raster_into(screen, skin, r0, r1, 1, 0, *buffers)
        if len(inner):
            raster_inner_into(screen, inner, r0, r1, int(n_skin), *buffers, True)

    return _banded(band, width, height)


def _banded(fn: Callable, width: int, height: int) -> Fragments:
    """New (tri_id, bary, depth) buffers filled by ``fn(row0, row1, buffers)`` over row bands in parallel
    (:func:`parallel_map`); one band inside :func:`inline` (each band walks all the triangles, so bands run in
    turn on one thread only repeat that walk; a pixel's triangles are tested in the same order either way)."""
    buffers = new_buffers(int(height), int(width))
    n_bands = 1 if inlined() else max(1, min(int(height), 2 * n_threads()))
    step = -(-int(height) // n_bands)
    parallel_map(lambda k: fn(k * step, min(int(height), (k + 1) * step), buffers), n_bands)
    return Fragments(*buffers)
