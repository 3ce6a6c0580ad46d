"""Landmark fitting of the ICT head: a bounded Levenberg–Marquardt solver in numpy.

Model of one face (camera space, centimetres, camera looking down -Z, see :mod:`emoshift.camera`)::

    X_l = R (mu_l + B_id,l a + B_exp,l e) + t          l = 1..478 MediaPipe points
    u_l = cx + f X_l,x / (-X_l,z),   v_l = cy - f X_l,y / (-X_l,z)

The energy, in units of ``face_size / 200`` pixels (so priors weigh the same at any resolution)::

    E = sum_l w_l^2 |P_l (proj(X_l) - obs_l)|^2 / unit^2  (contour points get a lower w_l, lid folds none)
      + sum_l w_d^2 (f (z_l / mean z - 1) - d_l)^2 / unit^2 (MediaPipe relative depth d_l, z_l = -X_l,z)
      + w_id |a|^2 + w_e2 |e|^2 + w_e1 sum(e)               (Gaussian identity, sparse expression)
      + w_t (|e - e_prev|^2 + s_r |log(R R_prev^T)|^2 + s_t |t - t_prev|^2)   (video smoothing)

``P_l`` is the identity, except on the interior eyelid-margin points where it is ``n n^T`` with ``n`` the
normal of the detected margin (they slide along the lid, see :data:`EYELID_CONTOURS`), subject to
``0 <= e <= 1``. Rotation is updated multiplicatively (``R <- exp([d]x) R``). Bounds are
kept with a small active-set loop per LM step: a weight whose step would leave [0, 1] is pinned to the
bound and the remaining step re-solved. A pose-only stage (6 unknowns) runs first from a weak-perspective
initialisation (rotation from MediaPipe's 3D points by Umeyama when depth is given, else frontal), then
all unknowns together. The Jacobian is analytic: the model is linear in (a, e), so each iteration is one
(956 [+ 468 depth] x 109) Jacobian and a 109 x 109 solve; a photo converges in ~10 iterations. The residuals
and their Jacobian are numba kernels (:mod:`emoshift.fitting.kernels`, one loop over the points), the rest
(priors, LM steps, bounds) numpy.

The iris points use the shipped embedding (corneal apex and four points at the human iris radius).

Off-axis view terms (issue 11). MediaPipe reports the lower face of a strongly pitched or turned face as
a weaker, flatter mouth than it is. Measured on frontal smiling photos re-rendered 20-40 degrees off-axis
with their known fitted expression (dev03, dev04, dev12, astronaut; neutral controls dev01, dev02,
grace_hopper): fitting the exactly projected model landmarks recovers the smile at every pose (0.84 of
0.84), but MediaPipe's landmarks of the renders put the mouth corners 6-13% of the inter-ocular distance
below the true corners along the head's up axis (1.5-3.5% on the neutral faces) and the fit recovered a
smile of 0.26 where the truth was 0.69, explaining the rest with mouthStretch/ShrugUpper: the pose-
expression trade the photos dev05 and dev11 showed. So beyond ``FitConfig.view_angles[0]`` degrees
between the head's forward axis and the camera's (full at ``view_angles[1]``), the fit (1) expects only
``1 - view_attenuation`` of the lower face's expression motion in the detections (:meth:`point_gains`,
applied in :meth:`shape` with a rotation, hence in :meth:`points`), and (2) drops ``view_slide`` of the
lower face's residual along the projected head up axis (:func:`lower_face_projectors`, fixed per solve
from its starting rotation). Below ``view_angles[0]`` both vanish and the fit is unchanged.

The hidden side (issue 11 part 3). A face pitched and turned 20-45 degrees hides its far mouth corner
behind the nose; MediaPipe reports that half of the mouth as an unsmiling guess. On frontal smilers
(dev03, dev04, dev12) re-rendered with their known smile at 30-40 degrees down and 20-30 turned, the fit
gave the far side's mouthSmile 0.00-0.21 (truth 0.51-0.76, near side 0.65-0.99), so a sad or angry target
never removed the far half of the smile. With ``h`` from :func:`hidden_side` (the view ramp above times a
smoothstep of the turn seen from the head over ``symmetry_angles``; 0 near frontal and on faces only
pitched), the fit (3) drops ``hidden_discount * h`` of the hidden half's lower-face landmark weight
(:func:`side_masks`) and (4) adds ``symmetry_weight * h * sum (e_L - e_R)^2`` over the paired lower-face
weights (:data:`SYMMETRIC_LOWER`): the hidden side follows its visible mirror, and the visible side is no
longer dragged down by the guessed half. Both fixed per solve from its starting rotation. Measured on the
same re-rendered smilers (12 pitched and turned views): far side 0.05 -> 0.52 on average (0.08 -> 0.82 of the
truth), near side 0.78 -> 0.65 (1.24 -> 1.02 of the truth).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from emoshift.camera import MIN_DEPTH, project
from emoshift.fitting.terms import (  # noqa: F401 (FitConfig and the tables re-exported)
    EYE_FOLDS,
    EYELID_CONTOURS,
    EYELIDS,
    FACE_OVAL,
    FitConfig,
    corrected_landmark_bases,
    eyelid_projectors,
    lower_face_mask,
    lower_face_projectors,
    point_weights,
    SYMMETRIC_LOWER,
    hidden_side,
    side_masks,
    symmetry_pairs,
    view_gain,
)
from emoshift.headmodel.ops import axis_angle_to_matrix, matrix_to_axis_angle, pose


@dataclass
class FitState:
    """Unknowns of one face: identity (K,), expression (53,), rotation matrix (3, 3), translation (3,) cm."""

    identity: np.ndarray
    expression: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    history: list = field(default_factory=list)

    @property
    def axis_angle(self) -> np.ndarray:
        return matrix_to_axis_angle(self.rotation[None])[0]

    def copy(self) -> FitState:
        return FitState(self.identity.copy(), self.expression.copy(), self.rotation.copy(), self.translation.copy(), [])


class _Forward(NamedTuple):
    """One state's residuals (:meth:`LandmarkSolver._forward`) with the arrays their Jacobian reuses, and the
    inputs they are of (compared by identity: the solve's arrays, never changed in place)."""

    state: FitState
    obs: np.ndarray
    w: np.ndarray
    depth: tuple | None
    r: np.ndarray
    gains: np.ndarray | None
    p: np.ndarray
    x: np.ndarray
    z: np.ndarray
    wm: np.ndarray
    zbar: float | None

    def of(self, s: FitState, obs: np.ndarray, w: np.ndarray, depth) -> bool:
        return self.state is s and self.obs is obs and self.w is w and self.depth is depth


def _so3_exp(d: np.ndarray) -> np.ndarray:
    return axis_angle_to_matrix(d[None])[0]


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a x = b`` in the dtype of ``a`` (numpy's solve would return float64 for mixed inputs)."""
    return np.linalg.solve(a, b.astype(a.dtype, copy=False))


class LandmarkSolver:
    """Fits (identity, expression, rotation, translation) to 2D landmarks for a given camera.

    Args:
        lmk_neutral: (L, 3) model landmarks of the mean head (cm).
        lmk_identity: (K, L, 3) identity modes at the landmarks.
        lmk_expression: (E, L, 3) expression blendshapes at the landmarks.
        config: weights and iteration counts.
    """

    def __init__(
        self,
        lmk_neutral: np.ndarray,
        lmk_identity: np.ndarray,
        lmk_expression: np.ndarray,
        config: FitConfig | None = None,
        dtype=np.float32,
    ):
        self.config = config or FitConfig()
        self.dtype = dt = np.dtype(dtype)  # float32: ~20% faster than float64 with the same results on photos
        self.mu = np.asarray(lmk_neutral, dt)
        self.k = lmk_identity.shape[0]
        self.n_exp = lmk_expression.shape[0]
        # (L, 3, K+E): per point, the 3D offset of each linear unknown
        basis = np.concatenate([np.asarray(lmk_identity, dt), np.asarray(lmk_expression, dt)], 0)
        self.basis = np.ascontiguousarray(basis.transpose(1, 2, 0))
        self.n_lmk = self.mu.shape[0]
        self.point_weight = point_weights(self.n_lmk, self.config).astype(dt)
        self.lower_face = lower_face_mask(self.mu)  # (L,) where the view attenuation applies
        self.pairs = np.zeros((0, 2), np.int64)  # (P, 2) expression pairs (_L, _R) of the view symmetry prior
        self.sides = side_masks(self.mu)  # (2, L) the lower face's _L and _R halves
        self._none = np.zeros(0, dt)  # the kernels' stand-in for an absent array (no gains, no depth)

    @classmethod
    def from_model(cls, model, config: FitConfig | None = None, dtype=np.float32) -> LandmarkSolver:
        """Build from a :class:`emoshift.headmodel.HeadModel` (its 478 landmark bases)."""
        solver = cls(*corrected_landmark_bases(model), config, dtype)
        solver.pairs = symmetry_pairs(model.expression_names)
        return solver

    def symmetry(self, rotation: np.ndarray) -> float:
        """Weight w of the view symmetry prior ``w sum_pairs (e_L - e_R)^2`` at head ``rotation``:
        ``symmetry_weight`` times :func:`hidden_side`'s h (0 without pairs, near frontal or only pitched)."""
        return self.config.symmetry_weight * hidden_side(rotation, self.config)[0] if len(self.pairs) else 0.0

    def _symmetry_value(self, s: FitState, sym: float) -> float:
        if sym <= 0:
            return 0.0
        d = s.expression[self.pairs[:, 0]] - s.expression[self.pairs[:, 1]]
        return sym * float(d @ d)

    # ------------------------------------------------------------------------------------ geometry
    def shape(self, identity: np.ndarray, expression: np.ndarray, rotation: np.ndarray | None = None) -> np.ndarray:
        """(L, 3) unposed landmarks; with ``rotation``, as MediaPipe reports them at that head rotation
        (the lower face's expression motion scaled by :meth:`point_gains`)."""
        return self._shape(identity, expression, None if rotation is None else self._gains(rotation))

    def _shape(self, identity: np.ndarray, expression: np.ndarray, gains: np.ndarray | None) -> np.ndarray:
        """:meth:`shape` with the view gains given ((L,), or None where they are all 1: one product)."""
        if gains is None:
            return self.mu + self.basis @ np.concatenate([identity, expression]).astype(self.dtype, copy=False)
        k = self.k
        e = np.asarray(expression, self.dtype)
        x = self.mu + self.basis[:, :, :k] @ np.asarray(identity, self.dtype) if k else self.mu.copy()
        return x + (self.basis[:, :, k:] @ e) * gains[:, None]

    def point_gains(self, rotation: np.ndarray) -> np.ndarray:
        """(L,) factor on each landmark's expression motion at head ``rotation`` (3, 3): 1 everywhere
        unless ``FitConfig.view_attenuation``, then :func:`view_gain` on the lower face."""
        g = view_gain(rotation, self.config)
        return (1 - (1 - g) * self.lower_face).astype(self.dtype)

    def _gains(self, rotation: np.ndarray) -> np.ndarray | None:
        """:meth:`point_gains`, or None where they are all 1 (a face within ``view_angles[0]`` of frontal):
        the shape and the Jacobian then skip the per-point scaling (a third of a solve's time on video)."""
        return None if view_gain(rotation, self.config) >= 1.0 else self.point_gains(rotation)

    def points(self, s: FitState) -> np.ndarray:
        """(L, 3) camera-space landmarks as detected (:func:`emoshift.headmodel.ops.pose` of :meth:`shape`
        at the state's rotation)."""
        return pose(self.shape(s.identity, s.expression, s.rotation), s.rotation, s.translation)

    #: (L, 3) camera-space points -> (L, 2) pixels: :func:`emoshift.camera.project`.
    project = staticmethod(project)

    # ----------------------------------------------------------------------------------- init
    def initial_state(
        self, obs: np.ndarray, focal: float, cx: float, cy: float, depth_obs: np.ndarray | None = None
    ) -> FitState:
        """Weak-perspective start: rotation from MediaPipe's 3D points if given, else frontal.

        Args:
            obs: (L, 2) observed pixels. depth_obs: (L,) MediaPipe z in pixels (smaller = closer), optional.
        """
        dt = self.dtype
        mu = self.mu
        rot = np.eye(3, dtype=dt)
        if depth_obs is not None:
            from emoshift.headmodel.landmarks import umeyama

            img3 = np.stack([obs[:, 0], -obs[:, 1], -depth_obs], -1)
            keep = np.setdiff1d(np.arange(min(468, len(img3))), FACE_OVAL if len(img3) >= 468 else ())
            _, r, _ = umeyama(mu[keep], img3[keep])
            rot = np.asarray(r, dt)
        p = mu @ rot.T
        spread_m = np.sqrt(((p[:, :2] - p[:, :2].mean(0)) ** 2).sum(1).mean())
        spread_o = np.sqrt(((obs - obs.mean(0)) ** 2).sum(1).mean())
        scale = float(spread_o / spread_m)  # px per cm
        depth = focal / scale
        c = obs.mean(0)
        centre = np.array([(float(c[0]) - cx) * depth / focal, -(float(c[1]) - cy) * depth / focal, -depth], dt)
        t = centre - p.mean(0) * np.array([1.0, 1.0, 0.0], dt)
        t[2] = -depth - float(p[:, 2].mean())
        return FitState(np.zeros(self.k, dt), np.zeros(self.n_exp, dt), rot, t)

    # ----------------------------------------------------------------------------------- solve
    def _residuals_jacobian(
        self,
        s: FitState,
        obs: np.ndarray,
        focal: float,
        cx: float,
        cy: float,
        w: np.ndarray,
        need_j: bool = True,
        depth: tuple[np.ndarray, np.ndarray] | None = None,
        fwd: _Forward | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Weighted residuals (2L [+ Ld],) and their Jacobian (.., K+E+6).

        w: (L,) per-point weights, or (L, 2, 2) per-point weight matrices (:meth:`_data_weights`).

        depth: optional (observed centred MediaPipe depth (Ld,) px, per-point weight (Ld,)) for the
        first Ld points: compares ``f * (-Z_l / mean(-Z) - 1)`` with MediaPipe's centred relative depth.

        fwd: the residuals' pass (:meth:`_forward`) already computed for this state (the LM step's trial
        cost, :meth:`_cost_forward`): reused when it is of this very state, observations, weights and depth
        (else computed again): the same arrays, so the same residuals and Jacobian.
        """
        f = fwd if fwd is not None and fwd.of(s, obs, w, depth) else self._forward(s, obs, focal, cx, cy, w, depth)
        r = f.r
        if not need_j:
            return r, None
        from emoshift.fitting import kernels

        j = np.empty((len(r), self.basis.shape[2] + 6), self.dtype)
        kernels.jacobian(self.basis, self._none if f.gains is None else f.gains, self.k, self._cast(s.rotation), f.p,
                         f.x, f.z, f.wm, float(focal), self._none if depth is None else depth[1], f.zbar or 0.0, j)  # fmt: skip
        return r, j

    def _forward(self, s: FitState, obs, focal, cx, cy, w, depth) -> _Forward:
        """The residuals of :meth:`_residuals_jacobian` (:func:`emoshift.fitting.kernels.forward`) and what its
        Jacobian reuses of their computation."""
        from emoshift.fitting import kernels

        gains = self._gains(s.rotation)  # (L,) view attenuation (None: none), held fixed within a step
        dt, n = self.dtype, len(obs)
        wm = w[:, None, None] * np.eye(2, dtype=dt) if w.ndim == 1 else np.ascontiguousarray(w, dt)  # (L, 2, 2)
        coef = np.concatenate([s.identity, s.expression]).astype(dt, copy=False)
        d_obs, wd = (self._none, self._none) if depth is None else depth
        p, x = np.empty((n, 3), dt), np.empty((n, 3), dt)
        z, r = np.empty(n, dt), np.empty(2 * n + len(d_obs), dt)
        zbar = kernels.forward(self.mu, self.basis, coef, self._none if gains is None else gains, self.k,
                               self._cast(s.rotation), self._cast(s.translation), float(focal), float(cx), float(cy),
                               np.ascontiguousarray(obs, dt), wm, d_obs, wd, p, x, z, r, MIN_DEPTH)  # fmt: skip
        return _Forward(s, obs, w, depth, r, gains, p, x, z, wm, None if depth is None else zbar)

    def _prior(self, s: FitState, prev: FitState | None) -> tuple[np.ndarray, np.ndarray, float]:
        """Diagonal Hessian (n,), gradient (n,) and value of the prior terms."""
        c = self.config
        k, e = self.k, self.n_exp
        n = k + e + 6
        h = np.zeros(n, self.dtype)
        g = np.zeros(n, self.dtype)
        h[:k] = 2 * c.identity_weight
        g[:k] = 2 * c.identity_weight * s.identity
        h[k : k + e] = 2 * c.expression_l2
        g[k : k + e] = 2 * c.expression_l2 * s.expression + c.expression_l1
        val = (
            c.identity_weight * float(s.identity @ s.identity)
            + c.expression_l2 * float(s.expression @ s.expression)
            + c.expression_l1 * float(s.expression.sum())
        )
        if prev is not None and c.temporal_weight > 0:
            tw = c.temporal_weight
            de = s.expression - prev.expression
            h[k : k + e] += 2 * tw
            g[k : k + e] += 2 * tw * de
            val += tw * float(de @ de)
            # pose: rotation difference as axis-angle of R R_prev^T (its Jacobian w.r.t. the left update ~ I)
            tr, tt = tw * c.temporal_rotation_scale, tw * c.temporal_translation_scale
            dr = matrix_to_axis_angle((s.rotation @ prev.rotation.T)[None])[0]
            dt = s.translation - prev.translation
            h[k + e : k + e + 3] += 2 * tr
            g[k + e : k + e + 3] += 2 * tr * dr
            h[k + e + 3 :] += 2 * tt
            g[k + e + 3 :] += 2 * tt * dt
            val += tr * float(dr @ dr) + tt * float(dt @ dt)
        return h, g, val

    def _cost(self, s, obs, focal, cx, cy, w, prev, depth=None, sym: float = 0.0) -> float:
        return self._cost_forward(s, obs, focal, cx, cy, w, prev, depth, sym)[0]

    def _cost_forward(self, s, obs, focal, cx, cy, w, prev, depth=None, sym: float = 0.0) -> tuple[float, _Forward]:
        """:meth:`_cost` and its residuals' pass (:meth:`_forward`), which the Jacobian at ``s`` reuses."""
        return self._cost_pass(s, obs, focal, cx, cy, w, prev, depth, sym)[:2]

    def _cost_pass(self, s, obs, focal, cx, cy, w, prev, depth, sym) -> tuple[float, _Forward, tuple]:
        """:meth:`_cost_forward` and the prior's (Hessian, gradient) at ``s``, which the LM step from ``s``
        uses (computed once per state instead of again for its step)."""
        f = self._forward(s, obs, focal, cx, cy, w, depth)
        hp, gp, val = self._prior(s, prev)
        return float(f.r @ f.r) + val + self._symmetry_value(s, sym), f, (hp, gp)

    def energy(
        self, s: FitState, obs: np.ndarray, focal: float, cx: float, cy: float, depth_obs: np.ndarray | None = None
    ) -> float:
        """The fitting energy E of ``s`` (no video term). obs: (L, 2) px; depth_obs: (L,) MediaPipe z px or None."""
        obs = self._cast(obs)
        w, depth = self._data_weights(obs, None, self._cast(depth_obs), s.rotation)
        return self._cost(s, obs, focal, cx, cy, w, None, depth, self.symmetry(s.rotation))

    def _cast(self, x) -> np.ndarray | None:
        """An input (array-like, or None) as an array of the solver's dtype."""
        return None if x is None else np.asarray(x, self.dtype)

    def _apply(self, s: FitState, d: np.ndarray) -> FitState:
        k, e = self.k, self.n_exp
        return FitState(
            s.identity + d[:k],
            np.clip(s.expression + d[k : k + e], 0, 1),
            _so3_exp(d[k + e : k + e + 3]) @ s.rotation,
            s.translation + d[k + e + 3 :],
        )

    @staticmethod
    def _bounded_step(a: np.ndarray, g: np.ndarray, value: np.ndarray, bounded: np.ndarray) -> np.ndarray:
        """Solve ``a d = -g`` keeping ``value + d`` in [0, 1] where ``bounded`` (active-set pinning).

        a: (m, m); g, value: (m,); bounded: (m,) bool. A bounded unknown sitting on a bound whose
        gradient points outwards stays put; one whose step would cross a bound is pinned to it and the
        rest re-solved (at most six rounds).
        """
        m = len(g)
        d = np.zeros(m, dtype=g.dtype)
        pinned = bounded & (((value <= 1e-9) & (g > 0)) | ((value >= 1 - 1e-9) & (g < 0)))
        if not pinned.any():  # common case: no bound active, one plain solve
            d = _solve(a, -g)
            out = bounded & ((value + d < 0) | (value + d > 1))
            if not out.any():
                return d
            d[:] = 0
        for _ in range(6):
            fi = np.flatnonzero(~pinned)
            rhs = -g[fi] - a[fi][:, pinned] @ d[pinned] if pinned.any() else -g[fi]
            d[fi] = _solve(a[np.ix_(fi, fi)], rhs)
            new = value + d
            out = bounded & ~pinned & ((new < 0) | (new > 1))
            if not out.any():
                break
            d[out] = np.clip(new[out], 0, 1) - value[out]
            pinned |= out
        return d

    def _data_weights(
        self, obs: np.ndarray, weights: np.ndarray | None = None, depth_obs: np.ndarray | None = None,
        rotation: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """Per-point weight matrices (L, 2, 2) in 1/unit (unit = face size / 200 px): ``w_l I``, or
        ``w_l n n^T`` on sliding eyelid points (:func:`eyelid_projectors`); and the depth term's inputs."""
        unit = float((obs.max(0) - obs.min(0)).max()) / 200.0
        w = self.point_weight / self.dtype.type(unit)
        if weights is not None:
            w = w * self._cast(weights)
        slide = self.config.eyelid_slide and len(obs) >= 468
        wm = w[:, None, None] * (eyelid_projectors(self._cast(obs)) if slide else np.eye(2, dtype=self.dtype))
        if rotation is not None and self.config.view_slide > 0:
            wm = wm @ lower_face_projectors(rotation, self.lower_face, self.config).astype(self.dtype)
        if rotation is not None and self.config.hidden_discount > 0:
            h, side = hidden_side(rotation, self.config)
            if h > 0:  # the hidden half of the lower face: MediaPipe's guess, not evidence
                wm = wm * (1 - self.config.hidden_discount * h * self.sides[side])[:, None, None].astype(self.dtype)
        depth = None
        if depth_obs is not None and self.config.depth_weight > 0:
            nd = min(468, len(depth_obs))
            d = self._cast(depth_obs[:nd])
            depth = (d - d.mean(), np.full(nd, self.config.depth_weight, self.dtype) / self.dtype.type(unit))
        return wm, depth

    def shared_identity_step(
        self, states: list[FitState], obs: list[np.ndarray], focal: float, cx: float, cy: float, depth_obs: list
    ) -> np.ndarray:
        """One Gauss–Newton step on an identity shared by several frames (their poses and expressions
        held fixed), with the Gaussian prior counted once. Returns the new (K,) identity.

        states: per-frame states (all with the same identity); obs: (L, 2) per frame; depth_obs: (L,) or None.
        """
        k = self.k
        a = states[0].identity
        h = np.eye(k, dtype=self.dtype) * self.dtype.type(self.config.identity_weight)
        g = self.dtype.type(self.config.identity_weight) * a
        for st, o, dep in zip(states, obs, depth_obs):
            o = self._cast(o)
            w, depth = self._data_weights(o, None, self._cast(dep), st.rotation)
            r, j = self._residuals_jacobian(st, o, focal, cx, cy, w, depth=depth)
            jk = j[:, :k]
            h += jk.T @ jk
            g += jk.T @ r
        return a - _solve(h, g)

    def solve(
        self,
        obs: np.ndarray,
        focal: float,
        cx: float,
        cy: float,
        state: FitState,
        fix_identity: bool = False,
        pose_only_first: bool = True,
        prev: FitState | None = None,
        iterations: int | None = None,
        weights: np.ndarray | None = None,
        depth_obs: np.ndarray | None = None,
    ) -> FitState:
        """Levenberg–Marquardt from ``state``. obs: (L, 2) pixels; depth_obs: (L,) MediaPipe z px, optional."""
        c = self.config
        obs = self._cast(obs)
        w, depth = self._data_weights(obs, weights, self._cast(depth_obs), state.rotation)
        k, e = self.k, self.n_exp
        n = k + e + 6
        pose_free = np.zeros(n, dtype=bool)
        pose_free[k + e :] = True
        all_free = np.ones(n, dtype=bool)
        if fix_identity:
            all_free[:k] = False
        stages = []
        if pose_only_first and c.pose_iterations:
            stages.append((pose_free, c.pose_iterations))
        stages.append((all_free, c.iterations if iterations is None else iterations))
        s = state
        history = state.history
        sym = self.symmetry(state.rotation)  # view symmetry prior, fixed per solve like the view slide
        cost, fwd, prior = self._cost_pass(s, obs, focal, cx, cy, w, prev, depth, sym)  # fwd, prior: the accepted state's
        is_exp = np.zeros(n, dtype=bool)
        is_exp[k : k + e] = True
        dt = self.dtype.type
        for free, iters in stages:
            lam = c.damping
            all_free_stage = bool(free.all())
            fi = np.flatnonzero(free)
            bounded = is_exp[fi]
            pos = np.full(n, -1)
            pos[fi] = np.arange(len(fi))
            pl, pr = pos[k + self.pairs[:, 0]], pos[k + self.pairs[:, 1]]  # the pairs among the free unknowns
            sym_on = sym > 0 and len(pl) and (pl >= 0).all() and (pr >= 0).all()
            for _ in range(iters):
                r, j = self._residuals_jacobian(s, obs, focal, cx, cy, w, depth=depth, fwd=fwd)
                hp, gp = prior
                jf = j if all_free_stage else j[:, fi]  # normal equations over the free unknowns only
                h = jf.T @ jf
                diag = np.arange(len(h))
                h[diag, diag] += dt(0.5) * (hp if all_free_stage else hp[fi])
                g = jf.T @ r + dt(0.5) * (gp if all_free_stage else gp[fi])
                if sym_on:  # 0.5 x the Hessian and gradient of w sum (e_L - e_R)^2, like the priors
                    dlr = dt(sym) * (s.expression[self.pairs[:, 0]] - s.expression[self.pairs[:, 1]])
                    h[pl, pl] += dt(sym)
                    h[pr, pr] += dt(sym)
                    h[pl, pr] -= dt(sym)
                    h[pr, pl] -= dt(sym)
                    g[pl] += dlr
                    g[pr] -= dlr
                value = np.zeros(n, self.dtype)
                value[k : k + e] = s.expression
                value = value if all_free_stage else value[fi]
                h_diag = h.diagonal().copy()
                improved = False
                for _ in range(6):
                    a = h.copy()
                    a[diag, diag] += dt(lam) * h_diag + dt(1e-9)
                    if all_free_stage:
                        d = self._bounded_step(a, g, value, bounded)
                    else:
                        d = np.zeros(n, self.dtype)
                        d[fi] = self._bounded_step(a, g, value, bounded)
                    cand = self._apply(s, d)
                    new_cost, new_fwd, new_prior = self._cost_pass(cand, obs, focal, cx, cy, w, prev, depth, sym)
                    if new_cost < cost:
                        s, fwd, prior, improved = cand, new_fwd, new_prior, True
                        rel = (cost - new_cost) / max(cost, 1e-12)
                        cost = new_cost
                        lam = max(lam / 3, 1e-7)
                        break
                    lam *= 4
                history.append(cost)
                if not improved or rel < c.tolerance:
                    break
        s.history = history
        return s

    def fit(
        self,
        obs: np.ndarray,
        focal: float,
        cx: float,
        cy: float,
        depth_obs: np.ndarray | None = None,
        init: FitState | None = None,
        **kw,
    ) -> FitState:
        """Initialise (unless ``init``) and solve. obs: (L, 2) px; depth_obs: (L,) MediaPipe z in px."""
        obs = self._cast(obs)
        depth_obs = self._cast(depth_obs)
        if init is None:
            init = self.initial_state(obs, focal, cx, cy, depth_obs)
        else:
            kw.setdefault("pose_only_first", False)
        return self.solve(obs, focal, cx, cy, init.copy(), depth_obs=depth_obs, **kw)


def with_config(solver: LandmarkSolver, **changes) -> LandmarkSolver:
    """A solver sharing the bases of ``solver`` with some config fields changed."""
    new = LandmarkSolver.__new__(LandmarkSolver)
    new.__dict__.update(solver.__dict__)
    new.config = replace(solver.config, **changes)
    new.point_weight = point_weights(new.n_lmk, new.config).astype(new.dtype)
    return new
