"""Named parts of the ICT FaceKit Light head: vertex and polygon ranges from the release's documentation.

Ranges are half-open ``(start, stop)`` over the full 26,719-vertex / 26,384-polygon mesh.
"""

from __future__ import annotations

import numpy as np

# vertex ranges (half-open), from the ICT FaceKit README
VERTEX_RANGES: dict[str, list[tuple[int, int]]] = {
    "face": [(0, 9409)],
    "narrow_face": [(0, 6706)],
    "head_neck": [(9409, 11248)],
    "head": [(0, 11248)],  # face + head and neck: the skin
    "mouth_socket": [(11248, 13294)],
    "eye_sockets": [(13294, 14062)],
    "gums_tongue": [(14062, 17039)],
    "teeth": [(17039, 21451)],
    "eyeballs": [(21451, 24591)],
    "eyeball_left": [(21451, 23021)],
    "eyeball_right": [(23021, 24591)],
    "irises": [(22221, 23021), (23791, 24591)],
    "iris_left": [(22221, 23021)],
    "iris_right": [(23791, 24591)],
    "eyelashes_etc": [(24591, 26719)],  # lacrimal fluid, eye blend, eye occlusion, eyelashes
    "full": [(0, 26719)],
}

# polygon ranges (half-open)
POLYGON_RANGES: dict[str, list[tuple[int, int]]] = {
    "face": [(0, 9230)],
    "head_neck": [(9230, 11144)],
    "head": [(0, 11144)],
    "mouth_socket": [(11144, 13226)],
    "eye_sockets": [(13226, 14034)],
    "gums_tongue": [(14034, 17006)],
    "teeth": [(17006, 21496)],
    "eyeballs": [(21496, 24692)],
    "eyeball_left": [(21496, 23094)],
    "eyeball_right": [(23094, 24692)],
    "eyelashes_etc": [(24692, 26384)],
    "full": [(0, 26384)],
}

#: Multi-PIE 68-point landmark vertices, in the usual order (jaw 0-16, brows 17-26, nose 27-35,
#: eyes 36-47, mouth 48-67), from the ICT FaceKit README.
MULTIPIE_68 = np.array(
    [1225, 1888, 1052, 367, 1719, 1722, 2199, 1447, 966, 3661, 4390, 3927, 3924, 2608,
     3272, 4088, 3443, 268, 493, 1914, 2044, 1401, 3615, 4240, 4114, 2734, 2509, 978,
     4527, 4942, 4857, 1140, 2075, 1147, 4269, 3360, 1507, 1542, 1537, 1528, 1518, 1511,
     3742, 3751, 3756, 3721, 3725, 3732, 5708, 5695, 2081, 0, 4275, 6200, 6213, 6346,
     6461, 5518, 5957, 5841, 5702, 5711, 5533, 6216, 6207, 6470, 5517, 5966],
    dtype=np.int64,
)  # fmt: skip


def region_names() -> list[str]:
    return sorted(VERTEX_RANGES)


def vertex_indices(region: str) -> np.ndarray:
    """Sorted vertex indices of a named region (a key of :data:`VERTEX_RANGES`)."""
    if region not in VERTEX_RANGES:
        raise KeyError(f"unknown region '{region}'; known: {', '.join(region_names())}")
    return np.concatenate([np.arange(a, b) for a, b in VERTEX_RANGES[region]])


def polygon_indices(region: str) -> np.ndarray:
    """Polygon indices of a named region (a key of :data:`POLYGON_RANGES`)."""
    if region not in POLYGON_RANGES:
        raise KeyError(f"region '{region}' has no polygon range; known: {', '.join(sorted(POLYGON_RANGES))}")
    return np.concatenate([np.arange(a, b) for a, b in POLYGON_RANGES[region]])

