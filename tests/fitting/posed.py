"""Fits of a head posed off-axis with a known expression (shared by the off-axis fitting tests)."""

import numpy as np


def expr(names, **w):
    """(53,) expression with the named weights set."""
    e = np.zeros(len(names))
    for k, v in w.items():
        e[names.index(k)] = v
    return e


def fit_posed(fitter, solver, observe, poses, seeds, read):
    """One row per pose x seed: ``read(fit, extra)`` of ``fitter`` run with ``solver``, on the landmarks
    ``observe(shipped_solver, identity, pose, seed) -> (landmarks (478, 3), extra)`` of an identity drawn
    from seed 100 + seed (N(0, 0.7) per mode)."""
    out = []
    saved = fitter.solver
    fitter.solver = solver
    try:
        for pyr in poses:
            for seed in seeds:
                a = np.random.default_rng(100 + seed).standard_normal(saved.k) * 0.7
                lm, extra = observe(saved, a, pyr, seed)
                fit, _ = fitter.fit_landmarks(lm, (1000, 1000))
                out.append(read(fit, extra))
    finally:
        fitter.solver = saved
    return np.array(out)


def smile(names, strength):
    """(53,) a symmetric smile of ``strength`` with its cheek raise (0.3) and a parted jaw (0.15)."""
    return expr(names, mouthSmile_L=strength, mouthSmile_R=strength, cheekSquint_L=0.3, cheekSquint_R=0.3,
                jawOpen=0.15)  # fmt: skip
