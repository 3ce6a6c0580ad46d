"""Expression trajectories between anchor expressions: the paper's linear interpolation and a natural mode.

Anchors are typically the source photo's fitted expression and pose, then each instructed emotion
(optionally with a neutral face between them, paper §IV-F). Two timings:

* ``"linear"`` — the paper's eq. (16): ``e = δ e_l + (1-δ) e_n``, ``θ = δ θ_l + (1-δ) θ_n`` with δ
  linear in time between consecutive anchors, evenly spaced, no holds, no idle motion (``hold_seconds``
  and ``idle`` are ignored; an anchor's explicit ``hold`` is still honoured).
* ``"natural"`` (default) — each anchor is held for ``hold_seconds`` (its apex), transitions follow the
  minimum-jerk profile ``s(τ) = 10τ³ - 15τ⁴ + 6τ⁵`` (zero velocity and acceleration at both ends, as in
  human point-to-point movements), rotations are interpolated on SO(3) by quaternion slerp, and with
  ``idle=True`` a seeded idle layer adds blinks (≈ 17 per minute, 0.1 s closing, 0.17 s opening) and a
  slow head sway (< 1.2° per axis), both faded in after the first frame, so frame 0 equals the first anchor
  exactly; blinks are kept off anchor frames, the sway is not (an emotion's anchor frame shows its expression
  exactly and its head rotation within the sway, under 1.2° per axis).

Timeline layout: ``hold_0, transition_1, hold_1, ..., transition_{n-1}, hold_{n-1}``; ``seconds`` rescales
the whole layout to a total duration; frames are sampled at ``k / fps`` and the last frame is the end of
the layout. ``anchor_frames[k]`` is the frame showing anchor ``k`` (the first frame for anchor 0, the
middle of its hold for the others; the last frame for the final anchor in linear mode).

Smoothness bound (see :func:`step_bound`): outside blinks, the per-frame change of any blendshape
weight is at most ``1.875 Δ / (fps · d)`` for a transition of duration ``d`` seconds and weight change
``Δ`` (1.875 = peak speed of the minimum-jerk profile; linear timing: ``Δ / (fps · d)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emoshift.io import UserError

N_EXPRESSION = 53
DEFAULT_SEGMENT_SECONDS = 1.0
MAX_FPS = 240.0
MAX_SECONDS = 600.0
#: Minimum-jerk peak speed relative to linear.
MIN_JERK_PEAK = 1.875
#: ICT indices of eyeBlink_L / eyeBlink_R (HeadModel.expression_names order).
BLINK_CHANNELS = (10, 11)
BLINKS_PER_MINUTE = 17.0
BLINK_CLOSE_S, BLINK_CLOSED_S, BLINK_OPEN_S = 0.10, 0.03, 0.17
SWAY_DEG = np.array([1.0, 1.2, 0.6])  # bound on the pitch, yaw, roll sway in degrees (two sinusoids)
IDLE_FADE_S = 0.5


@dataclass
class Anchor:
    """One key expression: ``expression`` (53,) ICT weights, ``rotation`` (3,) axis-angle radians
    (absolute head rotation), a ``label`` (e.g. "source", "happiness"), and an optional hold in seconds
    overriding ``build_trajectory(hold_seconds=...)``."""

    expression: np.ndarray
    rotation: np.ndarray
    label: str
    hold: float | None = None


@dataclass
class Trajectory:
    """Per-frame expression (T, 53) and rotation (T, 3) axis-angle, times (T,) seconds, the frame of
    each anchor and its label, and the frame rate."""

    expression: np.ndarray
    rotation: np.ndarray
    times: np.ndarray
    anchor_frames: list[int]
    labels: list[str]
    fps: float
    timing: str = "natural"
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.times)

    @property
    def n_frames(self) -> int:
        return len(self.times)

    def max_step(self) -> dict[str, float]:
        """Largest frame-to-frame changes: ``expression`` (any non-blink weight), ``blink`` (the
        eyeBlink weights) and ``rotation_deg`` (geodesic angle between consecutive head rotations)."""
        if len(self.times) < 2:
            return {"expression": 0.0, "blink": 0.0, "rotation_deg": 0.0}
        d = np.abs(np.diff(self.expression.astype(np.float64), axis=0))
        q = aa_to_quat(self.rotation)
        dots = np.abs((q[1:] * q[:-1]).sum(-1)).clip(0, 1)
        return {
            "expression": float(np.delete(d, BLINK_CHANNELS, axis=1).max()),
            "blink": float(d[:, BLINK_CHANNELS].max()),
            "rotation_deg": float(np.degrees(2 * np.arccos(dots)).max()),
        }


# ------------------------------------------------------------------------------------- rotations
def aa_to_quat(aa: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle -> (..., 4) unit quaternions (w, x, y, z)."""
    aa = np.asarray(aa, dtype=np.float64)
    theta = np.linalg.norm(aa, axis=-1, keepdims=True)
    half = theta / 2
    scale = np.where(theta > 1e-12, np.sin(half) / np.maximum(theta, 1e-12), 0.5 - theta**2 / 48)
    return np.concatenate([np.cos(half), aa * scale], -1)


def quat_to_aa(q: np.ndarray) -> np.ndarray:
    """(..., 4) unit quaternions -> (..., 3) axis-angle with angle in [0, π]."""
    q = np.asarray(q, dtype=np.float64)
    q = np.where(q[..., :1] < 0, -q, q)
    v = q[..., 1:]
    s = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2 * np.arctan2(s, q[..., :1])
    scale = np.where(s > 1e-12, angle / np.maximum(s, 1e-12), 2.0)
    return v * scale


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product of (..., 4) quaternions."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ],
        -1,
    )


def slerp(q0: np.ndarray, q1: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Spherical interpolation between two (4,) quaternions at fractions s (N,) -> (N, 4), shortest arc."""
    q0, q1 = np.asarray(q0, np.float64), np.asarray(q1, np.float64)
    d = float(np.dot(q0, q1))
    if d < 0:
        q1, d = -q1, -d
    s = np.asarray(s, np.float64)[:, None]
    if d > 0.9995:
        out = q0 + s * (q1 - q0)
    else:
        th = np.arccos(d)
        out = (np.sin((1 - s) * th) * q0 + np.sin(s * th) * q1) / np.sin(th)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing ``10τ³ - 15τ⁴ + 6τ⁵`` on τ clipped to [0, 1]."""
    t = np.clip(tau, 0.0, 1.0)
    return t * t * t * (10 + t * (-15 + 6 * t))


# ------------------------------------------------------------------------------------- layout
def _check_anchor(a: Anchor, k: int) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(a.expression, dtype=np.float64).reshape(-1)
    r = np.asarray(a.rotation, dtype=np.float64).reshape(-1)
    if e.shape != (N_EXPRESSION,) or r.shape != (3,):
        raise UserError(f"anchor {k} ('{a.label}') needs expression (53,) and rotation (3,), got {e.shape}, {r.shape}")
    if not (np.isfinite(e).all() and np.isfinite(r).all()):
        raise UserError(f"anchor {k} ('{a.label}') has non-finite values")
    return e, r


def _positive(name: str, value: float, upper: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0 or v > upper:
        raise UserError(f"{name} must be in (0, {upper:g}], got {value}")
    return v


def step_bound(trajectory: Trajectory) -> dict[str, float]:
    """The documented bounds on :meth:`Trajectory.max_step`, from the anchors and the frame layout.

    For a transition over ``n`` frames between anchors differing by ``Δ`` (largest weight change) and
    ``φ`` (rotation angle; for linear timing the norm of the axis-angle difference, which bounds the
    angle), one frame moves a weight by at most ``p Δ / n`` and the head by ``p φ / n`` with
    ``p`` = 1.875 (minimum jerk) or 1 (linear). Idle motion adds at most
    ``|SWAY_DEG| (π · 0.4 Hz + 1.875 / IDLE_FADE_S) / fps`` degrees of sway per frame (sinusoid speed
    plus fade-in) and ``1.875 / (BLINK_CLOSE_S · fps)`` of eyelid weight per frame.
    """
    peak = MIN_JERK_PEAK if trajectory.timing == "natural" else 1.0
    b = trajectory.meta["frame_bounds"]
    e = np.asarray(trajectory.meta["anchor_expressions"], np.float64)
    r = np.asarray(trajectory.meta["anchor_rotations"], np.float64)
    q = aa_to_quat(r)
    non_blink = np.delete(e, BLINK_CHANNELS, axis=1)
    expr = blink = rot = 0.0
    for k in range(len(e) - 1):
        n = b[2 * k + 2] - b[2 * k + 1]
        if n <= 0:
            continue
        expr = max(expr, peak * float(np.abs(non_blink[k + 1] - non_blink[k]).max()) / n)
        blink = max(blink, peak * float(np.abs(e[k + 1, BLINK_CHANNELS] - e[k, BLINK_CHANNELS]).max()) / n)
        if trajectory.timing == "natural":  # slerp: the geodesic angle
            ang = float(np.degrees(2 * np.arccos(min(1.0, abs(float(q[k] @ q[k + 1]))))))
        else:  # eq. 16 moves the axis-angle vector linearly; exp is 1-Lipschitz, so |Δθ| bounds the angle
            ang = float(np.degrees(np.linalg.norm(r[k + 1] - r[k])))
        rot = max(rot, peak * ang / n)
    if trajectory.meta.get("idle"):
        rot += float(np.linalg.norm(SWAY_DEG)) * (np.pi * 0.4 + MIN_JERK_PEAK / IDLE_FADE_S) / trajectory.fps
        blink += MIN_JERK_PEAK / (BLINK_CLOSE_S * trajectory.fps)
    return {"expression": expr, "blink": blink, "rotation_deg": rot}


def build_trajectory(
    anchors: list[Anchor],
    fps: float = 30,
    seconds: float | None = None,
    segment_seconds: float | list[float] | None = None,
    hold_seconds: float = 0.5,
    timing: str = "natural",
    idle: bool = True,
    intensity: float = 1.0,
    seed: int = 0,
) -> Trajectory:
    """Sample a trajectory through ``anchors`` (see the module docstring for the timing modes).

    Args:
        anchors: 1+ anchors; the first is usually the source photo's expression and pose.
        fps: frames per second (0, 240].
        seconds: total duration; rescales holds and transitions proportionally. Default: the sum of
            holds and transitions (``segment_seconds``, default 1 s each).
        segment_seconds: one duration for every transition or a list with one per transition.
        hold_seconds: apex hold of each anchor (natural timing; an anchor's ``hold`` overrides it).
        timing: "natural" or "linear" (the paper's eq. 16).
        idle: blinks and head sway (natural timing only).
        intensity: scales the expression weights of every anchor after the first (the source), clipped to
            [0, 1]: the targets are absolute, so 0 is a neutral face, not the photo's own expression.
        seed: seeds the idle layer.
    Returns:
        :class:`Trajectory` with T = max(2, round(duration · fps)) frames (1 for a single anchor
        without duration).
    Raises:
        UserError: bad anchors, timing, fps, durations or intensity (one line).
    """
    if timing not in ("natural", "linear"):
        raise UserError(f"unknown timing '{timing}'; use 'natural' or 'linear'")
    if not anchors:
        raise UserError("a trajectory needs at least one anchor")
    fps = _positive("fps", fps, MAX_FPS)
    intensity = float(intensity)
    if not np.isfinite(intensity) or not 0 <= intensity <= 3:
        raise UserError(f"intensity must be in [0, 3], got {intensity}")
    if not np.isfinite(float(hold_seconds)) or not 0 <= float(hold_seconds) <= MAX_SECONDS:
        raise UserError(f"hold_seconds must be in [0, {MAX_SECONDS:g}], got {hold_seconds}")
    n = len(anchors)
    exprs, rots = zip(*(_check_anchor(a, k) for k, a in enumerate(anchors)))
    exprs = np.stack(exprs)
    if n > 1:
        exprs[1:] = np.clip(exprs[1:] * intensity, 0.0, 1.0)
    quats = aa_to_quat(np.stack(rots))

    if segment_seconds is None:
        segments = [DEFAULT_SEGMENT_SECONDS] * (n - 1)
    elif np.ndim(segment_seconds) == 0:
        segments = [_positive("segment_seconds", segment_seconds, MAX_SECONDS)] * (n - 1)
    else:
        segments = [_positive("segment_seconds", s, MAX_SECONDS) for s in segment_seconds]
        if len(segments) != n - 1:
            raise UserError(f"segment_seconds needs {n - 1} durations (one per transition), got {len(segments)}")
    default_hold = float(hold_seconds) if timing == "natural" else 0.0
    holds = []
    for a in anchors:
        h = default_hold if a.hold is None else float(a.hold)
        if not np.isfinite(h) or not 0 <= h <= MAX_SECONDS:
            raise UserError(f"hold of anchor '{a.label}' must be in [0, {MAX_SECONDS:g}], got {a.hold}")
        holds.append(h)
    total = sum(holds) + sum(segments)
    if seconds is not None:
        seconds = _positive("seconds", seconds, MAX_SECONDS)
        if total <= 0:  # a single anchor without hold: a still of the requested length
            holds, total = [seconds], seconds
        scale = seconds / total
        holds, segments, total = [h * scale for h in holds], [s * scale for s in segments], seconds
    n_frames = max(2, int(round(total * fps))) if total > 0 else 1
    if n_frames > MAX_SECONDS * MAX_FPS:
        raise UserError(f"{n_frames} frames is too many; shorten the duration or lower fps")
    times = np.arange(n_frames) / fps
    # the layout spans frames [0, T-1]; its boundaries snap to whole frames so every anchor is hit exactly
    stretch = (n_frames - 1) / total if total > 0 else 0.0
    bounds = np.round(np.cumsum([0.0] + [x for k in range(n) for x in (holds[k], *segments[k : k + 1])]) * stretch)
    bounds = np.minimum(bounds.astype(np.int64), n_frames - 1)  # hold k: [b[2k], b[2k+1]]; move k: [b[2k+1], b[2k+2]]
    frame = np.arange(n_frames)
    expr = np.empty((n_frames, N_EXPRESSION))
    quat = np.empty((n_frames, 4))
    rot_lin = np.empty((n_frames, 3))
    rot_arr = np.stack(rots)
    for k in range(n):
        hold = (frame >= bounds[2 * k]) & (frame <= bounds[2 * k + 1]) if k < n - 1 else frame >= bounds[2 * k]
        expr[hold], quat[hold], rot_lin[hold] = exprs[k], quats[k], rot_arr[k]
        if k == n - 1:
            break
        a, b = bounds[2 * k + 1], bounds[2 * k + 2]
        move = (frame > a) & (frame < b)
        if move.any():
            tau = (frame[move] - a) / float(b - a)
            s = min_jerk(tau) if timing == "natural" else tau
            expr[move] = exprs[k] + s[:, None] * (exprs[k + 1] - exprs[k])
            quat[move] = slerp(quats[k], quats[k + 1], s)
            rot_lin[move] = rot_arr[k] + s[:, None] * (rot_arr[k + 1] - rot_arr[k])  # eq. 16 on the pose vector

    anchor_frames = [int((bounds[2 * k] + bounds[2 * k + 1]) // 2) for k in range(n)]
    anchor_frames[0] = 0
    if timing == "linear":
        rotation = rot_lin
    else:
        if idle and n_frames > 1:
            rng = np.random.default_rng(seed)
            expr = _add_blinks(expr, times, fps, anchor_frames, rng)
            quat = _add_sway(quat, times, rng)
        rotation = quat_to_aa(quat)
    return Trajectory(
        expression=expr.astype(np.float32),
        rotation=rotation.astype(np.float32),
        times=times.astype(np.float32),
        anchor_frames=anchor_frames,
        labels=[a.label for a in anchors],
        fps=fps,
        timing=timing,
        meta={"holds": [h * stretch / fps for h in holds], "segments": [x * stretch / fps for x in segments],
              "frame_bounds": bounds.tolist(), "anchor_expressions": exprs.astype(np.float32).tolist(),
              "anchor_rotations": rot_arr.astype(np.float32).tolist(), "seed": int(seed),
              "idle": bool(idle and timing == "natural"), "intensity": intensity},
    )  # fmt: skip


def _blink_profile(t: np.ndarray) -> np.ndarray:
    """Eyelid closure in [0, 1] at times t (s) after a blink starts: min-jerk close, hold, slower open."""
    close = min_jerk(t / BLINK_CLOSE_S)
    opening = 1 - min_jerk((t - BLINK_CLOSE_S - BLINK_CLOSED_S) / BLINK_OPEN_S)
    return np.where(t < BLINK_CLOSE_S + BLINK_CLOSED_S, close, opening) * (t >= 0)


def _add_blinks(expr, times, fps, anchor_frames, rng) -> np.ndarray:
    """Blinks at Poisson times (≈ BLINKS_PER_MINUTE), none within 0.25 s of an anchor frame or the ends."""
    duration = BLINK_CLOSE_S + BLINK_CLOSED_S + BLINK_OPEN_S
    keep_clear = [f / fps for f in anchor_frames] + [times[-1]]
    starts, t = [], rng.exponential(60.0 / BLINKS_PER_MINUTE) * 0.6
    while t < times[-1]:
        ok = all(not (s - 0.25 - duration < t < s + 0.25) for s in keep_clear) and t > IDLE_FADE_S
        ok = ok and all(t - p > 2 * duration for p in starts)
        if ok:
            starts.append(t)
        t += rng.exponential(60.0 / BLINKS_PER_MINUTE)
    if not starts:
        return expr
    closure = np.max([_blink_profile(times - s) for s in starts], axis=0)
    out = expr.copy()
    for c in BLINK_CHANNELS:
        out[:, c] = expr[:, c] + (1 - expr[:, c]) * closure
    return out


def _add_sway(quat, times, rng) -> np.ndarray:
    """Compose a slow head sway (two sinusoids per axis, 0.1-0.4 Hz) faded in from zero at t = 0."""
    amp = SWAY_DEG
    freqs = rng.uniform(0.1, 0.4, size=(3, 2))
    phases = rng.uniform(0, 2 * np.pi, size=(3, 2))
    fade = min_jerk(times / IDLE_FADE_S)
    ang = np.zeros((len(times), 3))
    for a in range(3):
        for j in range(2):
            ang[:, a] += 0.25 * amp[a] * (np.sin(2 * np.pi * freqs[a, j] * times + phases[a, j]) - np.sin(phases[a, j]))
    ang *= fade[:, None]
    # pitch/yaw/roll degrees -> axis-angle about the head's own x, y, z (small angles)
    sway = aa_to_quat(np.radians(ang))
    return quat_mul(quat, sway)
