"""The textured 3D head: the photo baked onto the head's UVs, rendered from any viewpoint (turntables).

Baking: every texel of the head's UV layout (ICT's UDIM-style tiles: 0 face, 1 scalp/neck and mouth
socket, 2 gums and tongue, 3 teeth, and here 4 and 5 for the left and right eyeballs, which share tile
0's coordinates in ICT) is mapped to its surface point in the fitted pose and projected into the photo.
Texels whose point the photo shows (same depth as the source render, facing the camera) take the photo's
colour, weighted by how squarely they face it; the rest are filled by pull-push (the hole takes the
blurred colours of the nearest seen texels), and never-seen mouth parts and eyeballs start from the
reenactor's part colours.

Rendering: the posed head (expression, rotation about its own origin) is framed by a fixed frontal
camera, rasterized at 2x and box-filtered, textured bilinearly and mildly shaded so its 3D shape reads
as it turns.
"""

from __future__ import annotations

import numpy as np
from emoshift.jit import njit

from emoshift.headmodel import HeadModel, load_arrays
from emoshift.headmodel.mesh import triangulate, vertex_normals
from emoshift.rotations import axis_angle_to_matrix
from emoshift.headmodel.regions import polygon_indices, vertex_indices
from emoshift.render.fill import pull_push
from emoshift.render.raster import FAR, parallel_map, rasterize, raster_into
from emoshift.render.mesh_tables import PART_REGIONS
from emoshift.render.reenact import EYE, IRIS, SKIN, Reenactor
from emoshift.render.warp import bilinear, bilinear_many

TEXTURE_SIZE = 512
N_TILES = 6
EYE_TILES = (4, 5)  # the two eyeballs share ICT's UVs; each gets its own tile here
#: Framing (head frame cm): centre and half side of the square the image shows, camera distance.
VIEW_CENTER = (0.0, -2.5, 2.0)
VIEW_HALF = 17.0
VIEW_DISTANCE = 80.0
BACKGROUND = (52, 52, 56)
SUPERSAMPLE = 2
#: Texels facing the photo's camera less than FACING[0] are unseen, more than FACING[1] fully trusted.
FACING = (0.12, 0.35)
VISIBILITY_TOL_CM = 0.6


@njit(cache=True, nogil=True)
def _texture_lookup(tex, tile, u, v, out):  # pragma: no cover - jitted
    """Bilinear sample of texture tile ``tile`` of the (N, S, S, 3) stack at UV (u, v), v up, into out (3,)."""
    s = tex.shape[1]
    bilinear(tex[tile], u * s, (1.0 - v) * s, out)


@njit(cache=True, nogil=True)
def _render_textured(screen, shade, tris, n_skin, corner_uv, corner_tile, tex, background, out):  # pragma: no cover
    """One frame (S, S, 3) uint8 of the posed head: raster, texture, shade."""
    s = out.shape[0]
    tri_id = np.full((s, s), -1, np.int32)
    bary = np.zeros((s, s, 3), np.float32)
    depth = np.full((s, s), FAR, np.float32)
    raster_into(screen, tris[:n_skin], 0, s, 1, 0, tri_id, bary, depth)
    raster_into(screen, tris[n_skin:], 0, s, 0, n_skin, tri_id, bary, depth)
    pix = np.empty(3, np.float32)
    for i in range(s):
        for j in range(s):
            t = tri_id[i, j]
            if t < 0:
                for c in range(3):
                    out[i, j, c] = background[c]
                continue
            b0, b1, b2 = bary[i, j, 0], bary[i, j, 1], bary[i, j, 2]
            u = b0 * corner_uv[t, 0, 0] + b1 * corner_uv[t, 1, 0] + b2 * corner_uv[t, 2, 0]
            v = b0 * corner_uv[t, 0, 1] + b1 * corner_uv[t, 1, 1] + b2 * corner_uv[t, 2, 1]
            _texture_lookup(tex, corner_tile[t], u, v, pix)
            sh = b0 * shade[tris[t, 0]] + b1 * shade[tris[t, 1]] + b2 * shade[tris[t, 2]]
            for c in range(3):
                out[i, j, c] = np.uint8(min(255.0, max(0.0, pix[c] * sh + 0.5)))


class TexturedHead:
    """The fitted head with the photo baked into a texture, rendered from new viewpoints.

    Args:
        image: (H, W, 3) uint8 photo; fit: its :class:`emoshift.fitting.FaceFit`;
        model: ``HeadModel(region="full")`` (loaded when omitted or of another region);
        renderer: the photo's :class:`~emoshift.render.reenact.Reenactor` when one exists already (its public
        source projection, visibility and part colours are baked; none is built then: ``image``, ``fit`` and
        ``model`` are its own). :meth:`from_renderer` says the same.
    Attributes:
        texture: (6, S, S, 3) uint8 tiles (see the module docstring); ``face_texture`` is tile 0, laid
        out on the face's UV tile (row 0 is v = 1), as :func:`emoshift.export.gltf.write_glb` expects.
    """

    def __init__(
        self, image: np.ndarray | None, fit=None, model: HeadModel | None = None, texture_size: int = TEXTURE_SIZE,
        renderer: Reenactor | None = None,
    ) -> None:  # fmt: skip
        if texture_size < 8 or texture_size & (texture_size - 1):
            raise ValueError(f"texture_size must be a power of two >= 8, got {texture_size}")
        self.reenactor = r = renderer if renderer is not None else Reenactor(image, fit, model)
        self.normals = vertex_normals(r.base, r.triangles).astype(np.float32)  # (V, 3) head frame, unposed
        arrays = load_arrays()
        polys = np.concatenate([polygon_indices(region) for region, _ in PART_REGIONS])
        faces, face_uvs = arrays["faces"][polys], arrays["face_uvs"][polys]
        remap = np.full(r.model.neutral.shape[0], -1, np.int64)
        remap[r.vertex_ids] = np.arange(len(r.vertex_ids))
        tris_full, _ = triangulate(faces)
        tuv, _ = triangulate(face_uvs)
        tris = remap[tris_full]
        ok = (tris >= 0).all(1)
        tris, tuv = tris[ok], tuv[ok]
        part = r.vertex_part[tris].min(1)
        order = np.argsort(part != SKIN, kind="stable")
        self.triangles = np.ascontiguousarray(tris[order], np.int32)
        self.n_skin = int((part == SKIN).sum())
        uv = arrays["uvs"][tuv[order]].astype(np.float32)  # (T, 3, 2)
        tile = np.floor(uv[:, :, 0].mean(1)).astype(np.int32)
        eye = np.isin(part[order], (EYE, IRIS))
        left = np.isin(r.vertex_ids[self.triangles[:, 0]], vertex_indices("eyeball_left"))
        tile[eye] = np.where(left[eye], EYE_TILES[0], EYE_TILES[1])
        uv[:, :, 0] -= np.floor(uv[:, :, 0].mean(1, keepdims=True))
        self.corner_uv = np.ascontiguousarray(uv, np.float32)
        self.corner_tile = np.ascontiguousarray(tile, np.int32)
        self.texture = self._bake(texture_size)

    @classmethod
    def from_renderer(cls, renderer: Reenactor, texture_size: int = TEXTURE_SIZE) -> TexturedHead:
        """Bake the photo of an existing :class:`~emoshift.render.reenact.Reenactor` (no second one is built)."""
        return cls(None, texture_size=texture_size, renderer=renderer)

    @property
    def face_texture(self) -> np.ndarray:
        """(S, S, 3) uint8 texture of the face UV tile."""
        return self.texture[0]

    # ------------------------------------------------------------------------------------- baking
    def _bake(self, size: int) -> np.ndarray:
        r = self.reenactor
        rot = axis_angle_to_matrix(r.source_rotation[None])[0]
        normals = self.normals @ rot.T
        verts = r.source_vertices()
        to_cam = -verts / np.linalg.norm(verts, axis=1, keepdims=True)
        facing = (normals * to_cam).sum(1)
        tex = np.zeros((N_TILES, size, size, 3), np.float32)
        for tile in range(N_TILES):
            sel = np.nonzero(self.corner_tile == tile)[0]
            colour = np.zeros((size, size, 3), np.float32)
            weight = np.zeros((size, size), np.float32)
            covered = np.zeros((size, size), bool)
            if len(sel):
                corners = self.corner_uv[sel]  # (t, 3, 2)
                pts = corners.reshape(-1, 2)
                screen = np.stack([pts[:, 0] * size, (1 - pts[:, 1]) * size, np.zeros(len(pts))], 1)
                frags = rasterize(screen, np.arange(3 * len(sel)).reshape(-1, 3), size, size)
                covered = frags.mask
                t = frags.tri_id[covered]
                b = frags.bary[covered]
                vids = self.triangles[sel[t]]  # (n, 3)
                src = (r.src_screen[vids] * b[..., None]).sum(1)  # x, y, depth in the photo
                face = (facing[vids] * b).sum(1)
                (ox, oy), (bh, bw) = r.src_origin, r.src_tri.shape
                qx = np.floor(src[:, 0]).astype(np.int64) - ox
                qy = np.floor(src[:, 1]).astype(np.int64) - oy
                inside = (qx >= 0) & (qx < bw) & (qy >= 0) & (qy < bh)
                qx, qy = np.clip(qx, 0, bw - 1), np.clip(qy, 0, bh - 1)
                seen = inside & (np.abs(r.src_depth[qy, qx] - src[:, 2]) < VISIBILITY_TOL_CM)
                w = np.clip((face - FACING[0]) / (FACING[1] - FACING[0]), 0, 1) * seen
                seen_colour = bilinear_many(r.image, src[:, 0].astype(np.float32), src[:, 1].astype(np.float32))
                # unseen mouth parts and eyeballs take the reenactor's part colours (skin: pull-push)
                part_colour = self._part_colour_of(self.triangles[sel[t], 0])
                painted = (w == 0) & ~np.isnan(part_colour[:, 0])
                colour[covered] = np.where(painted[:, None], np.nan_to_num(part_colour), seen_colour)
                weight[covered] = np.where(painted, 1.0, w)
            filled = pull_push(colour, weight) if weight.max() > 0 else colour
            tex[tile] = filled
        return np.clip(tex + 0.5, 0, 255).astype(np.uint8)

    def _part_colour_of(self, vertex_ids: np.ndarray) -> np.ndarray:
        """(n, 3) the reenactor's painted colour for non-skin vertices, NaN for skin (left to pull-push)."""
        r = self.reenactor
        out = np.full((len(vertex_ids), 3), np.nan, np.float32)
        parts = r.vertex_part[vertex_ids]
        for code, colour in r.part_colours.items():
            out[parts == code] = colour
        return out

    # ------------------------------------------------------------------------------------ render
    def render(self, expression: np.ndarray, rotation: np.ndarray, size: int = 512) -> np.ndarray:
        """(size, size, 3) uint8 view of the head with a (53,) expression and (3,) axis-angle rotation."""
        return self.render_batch(np.asarray(expression)[None], np.asarray(rotation)[None], size)[0]

    def render_batch(self, expressions: np.ndarray, rotations: np.ndarray, size: int = 512) -> np.ndarray:
        """(T, size, size, 3) uint8 for (T, 53) expressions and (T, 3) rotations."""
        if int(size) < 16 or int(size) > 4096:
            raise ValueError(f"size must be in 16..4096, got {size}")
        r = self.reenactor
        e = np.asarray(expressions, np.float32).reshape(-1, r.expression_basis.shape[0])
        rot = np.asarray(rotations, np.float32).reshape(-1, 3)
        if len(e) != len(rot):
            raise ValueError(f"{len(e)} expressions but {len(rot)} rotations")
        big = int(size) * SUPERSAMPLE
        mats = axis_angle_to_matrix(rot)
        shaped = r.base[None] + (e @ r.expression_basis).reshape(len(e), -1, 3)
        r._correct(shaped, e)
        posed = np.einsum("tvc,tdc->tvd", shaped, mats, optimize=True) - np.asarray(VIEW_CENTER, np.float32)
        dist = VIEW_DISTANCE - posed[..., 2]
        focal = big * VIEW_DISTANCE / (2 * VIEW_HALF)
        screens = np.stack([big / 2 + focal * posed[..., 0] / dist, big / 2 - focal * posed[..., 1] / dist, dist], -1)
        light = np.array([-0.3, 0.4, 1.0], np.float32)
        light /= np.linalg.norm(light)
        ndotl = np.einsum("vc,tdc,d->tv", self.normals, mats, light, optimize=True)
        shades = (0.8 + 0.25 * np.clip(ndotl, 0, 1)).astype(np.float32)
        out = np.empty((len(e), big, big, 3), np.uint8)
        screens = np.ascontiguousarray(screens, np.float32)
        background = np.asarray(BACKGROUND, np.uint8)
        parallel_map(
            lambda k: _render_textured(
                screens[k], shades[k], self.triangles, self.n_skin, self.corner_uv, self.corner_tile, self.texture,
                background, out[k],
            ),
            len(e),
        )
        small = out.reshape(len(e), size, SUPERSAMPLE, size, SUPERSAMPLE, 3).mean((2, 4))
        return (small + 0.5).astype(np.uint8)

    def turntable(
        self, n_frames: int = 60, yaw_deg: float = 35.0, expression: np.ndarray | None = None, size: int = 512
    ) -> np.ndarray:
        """(n_frames, size, size, 3): the head swinging its yaw sinusoidally over ±``yaw_deg`` (a slow
        turntable that stays on the side the photo showed), with ``expression`` (default: the photo's)."""
        r = self.reenactor
        e = r.source_expression if expression is None else np.asarray(expression, np.float32)
        yaw = np.radians(yaw_deg) * np.sin(2 * np.pi * np.arange(n_frames) / max(n_frames, 1))
        rots = np.stack([np.zeros(n_frames), yaw, np.zeros(n_frames)], 1).astype(np.float32)
        return self.render_batch(np.repeat(e[None], n_frames, 0), rots, size)
