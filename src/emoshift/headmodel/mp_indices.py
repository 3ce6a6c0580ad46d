"""MediaPipe face-mesh index tables, in one place (fitting, rendering and the landmark embedding use them).

Indices are into MediaPipe's 478 face-mesh points: 0..467 the mesh (``N_MESH``), 468..477 the two
irises (``refine_landmarks=True``). "Right"/"left" are the subject's.
"""

from __future__ import annotations

#: Points of the face mesh with irises, and of the mesh alone.
N_LANDMARKS = 478
N_MESH = 468
#: The ten iris points (centre and four rim points per eye).
IRISES = tuple(range(N_MESH, N_LANDMARKS))

#: Outer eye corners (subject's right, left); their distance is the inter-ocular distance (IOD).
OUTER_EYE_CORNERS = (33, 263)

#: Face-oval (silhouette) points: they slide along the outline with head pose.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip

#: Eyelid-margin points (both eyes): the points that carry blinks and eye widening.
EYELIDS = (
    7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246,
    249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466,
)  # fmt: skip

#: The two rings above each eyelid (``rightEyeUpper1/2``, ``leftEyeUpper1/2``): they follow no image
#: edge (the face mesh interpolates them between lid and brow).
EYE_FOLDS = (
    247, 30, 29, 27, 28, 56, 190, 113, 225, 224, 223, 222, 221, 189,
    467, 260, 259, 257, 258, 286, 414, 342, 445, 444, 443, 442, 441, 413,
)  # fmt: skip

#: The four eyelid margins as polylines from the outer to the inner eye corner (subject's right upper,
#: right lower, left upper, left lower).
EYELID_CONTOURS = (
    (33, 246, 161, 160, 159, 158, 157, 173, 133),
    (33, 7, 163, 144, 145, 153, 154, 155, 133),
    (263, 466, 388, 387, 386, 385, 384, 398, 362),
    (263, 249, 390, 373, 374, 380, 381, 382, 362),
)

#: Outer-lip contour (the lower lip from the subject's right corner, then the upper lip back).
OUTER_LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)

#: Inner-lip contour (upper lip left to right, then the lower lip back).
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
