"""Generation without torch: the numpy twins of I2FET, NED, MiniLM and torch's random streams give what the
torch models give, within tolerances set from measured distributions (with margin), and a perturbed weight
or seed moves the output well beyond them (controls).

Measured on the shipped checkpoint (59 instructions x 3 seeds, 2-core AMD EPYC; the 2026-12-02 retrain): plans
differ by at most 1.9e-6 (median 3.3e-7), no anchor check flipped; one decoder bias moved by 0.05 moves them
by 0.0117 or more.
torch's normals vs TorchRNG over 300 seeds: at most 1.2e-6 (float32 rounding of log/sin/cos); integers exact.
"""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from modelkit import HashEncoder, tiny_config

from emoshift.models import I2FET
from emoshift.models.generator import Generator, default_checkpoint_path, save_checkpoint
from emoshift.models.numpy_infer import NumpyI2FET, export_checkpoint, load_numpy_checkpoint
from emoshift.models.rng import TorchRNG

PLAN_TOL = 2e-5  # measured max 1.9e-6
RNG_TOL = 5e-6  # measured max 1.2e-6
MODEL_TOL = 2e-6  # random tiny models, same latents: measured max 1.2e-7 (4 configs x 5 models x 6 batches)


@pytest.mark.parametrize("seed", [0, 1, 7, 12345, 2**31 + 5, 2**32 - 1])
def test_torch_rng_draws_what_torch_draws(seed):
    g, r = torch.Generator().manual_seed(seed), TorchRNG(seed)
    # a mix of the vectorised (>= 16 values, with and without a tail block) and the scalar path
    for shape in [(1, 3, 16), (2, 3, 16), (1, 8), (5,), (3, 7), (1, 8), (40,)]:
        want = torch.randn(*shape, generator=g).numpy()
        got = r.randn(*shape)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).max() < RNG_TOL, shape
        assert np.array_equal(torch.randint(1 << 30, (2, 3), generator=g).numpy(), r.randint(1 << 30, (2, 3)))
    # control: a neighbouring seed is another stream
    other = TorchRNG(seed ^ 1).randn(3, 16)
    assert np.abs(other - torch.randn(3, 16, generator=torch.Generator().manual_seed(seed)).numpy()).max() > 0.1


def _batch(cfg, b=3, length=9, seed=0):
    rng = np.random.default_rng(seed)
    feats = rng.normal(size=(b, 77, cfg.text_dim)).astype(np.float32)
    mask = np.zeros((b, 77), bool)
    for i in range(b):
        mask[i, : length - i] = True
    feats[~mask] = 0
    n = np.array([1 + i % cfg.max_slots for i in range(b)])
    shape = (b, cfg.max_slots, cfg.latent_dim)
    spans = rng.normal(size=(b, cfg.max_slots, cfg.text_dim)).astype(np.float32)
    spans[0, 1:] = 0  # unused slots have no span
    return feats, mask, n, rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32), spans


def _torch_generate(model, feats, mask, n, z_e, z_p, spans):
    t = torch.from_numpy
    with torch.no_grad():
        e, r = model.generate(t(feats), t(mask), t(n), None, spans=None if spans is None else t(spans),
                              z_e=t(z_e), z_p=t(z_p))  # fmt: skip
    return e.numpy(), r.numpy()


@pytest.mark.parametrize("kw", [{}, {"use_spans": False}, {"n_face_layers": 1, "n_text_layers": 2, "caft_layers": 2},
                                {"mlp_layers": 2, "n_heads": 4}])  # fmt: skip
def test_numpy_i2fet_matches_torch_with_the_same_latents(kw):
    torch.manual_seed(0)
    model = I2FET(tiny_config(**kw)).eval()
    for p in model.parameters():  # away from the initial small T_e/T_p so every path carries signal
        p.data += 0.05 * torch.randn_like(p)
    twin = NumpyI2FET(model.cfg, {k: v.numpy() for k, v in model.state_dict().items()})
    for seed in range(4):
        feats, mask, n, z_e, z_p, spans = _batch(model.cfg, seed=seed)
        spans = spans if model.cfg.use_spans else None
        want = _torch_generate(model, feats, mask, n, z_e, z_p, spans)
        got = twin.generate(feats, mask, n, z_e, z_p, spans)
        for w, g in zip(want, got):
            assert np.abs(w - g).max() < MODEL_TOL
        assert np.all(got[0][0, 1:] == 0) and np.all(got[1][0, 1:] == 0)  # slots past n_slots are zero
    # control: another latent moves the output far beyond the tolerance
    other = twin.generate(feats, mask, n, z_e + 1.0, z_p, spans)
    assert np.abs(other[0] - got[0]).max() > 100 * MODEL_TOL


def test_tiny_checkpoint_plans_are_the_same_in_numpy_and_torch(tmp_path, monkeypatch):
    """Whole generation (apex latents, redraws, NED) through the cached export vs the torch modules."""
    from emoshift.models import NED

    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "cache"))
    torch.manual_seed(0)
    apex = {"happiness": torch.randn(5, 4), "fear": torch.randn(3, 4)}
    path = save_checkpoint(tmp_path / "m.pt", I2FET(tiny_config()), NED(), {"note": "x"}, apex)
    gn = Generator.load(path, backend="numpy")
    gn._encoder = HashEncoder()  # the tiny model's 16-d text features
    gt = Generator.load(path, text_encoder=HashEncoder())
    assert gn.numpy and not gt.numpy and gn.meta == {"note": "x"}
    for text, seed in itertools.product(["Turn this face from fear to happiness.", "Make her look happy.",
                                         "Show anger, then surprise, then sadness."], [0, 3, 99]):  # fmt: skip
        a, b = gn.generate(text, seed=seed)[0], gt.generate(text, seed=seed)[0]
        assert np.abs(a.expressions - b.expressions).max() < PLAN_TOL
        assert np.abs(a.rotations - b.rotations).max() < PLAN_TOL
        assert a.consistent == b.consistent
    for seed in (0, 5):
        for x, y in zip(gn.neutral(seed), gt.neutral(seed)):
            assert np.abs(x - y).max() < PLAN_TOL
    assert list((tmp_path / "cache").iterdir())  # the export was kept for the next process


def test_export_is_rebuilt_when_the_checkpoint_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "cache"))
    torch.manual_seed(0)
    path = save_checkpoint(tmp_path / "m.pt", I2FET(tiny_config()))
    a = load_numpy_checkpoint(path)[0].p["dec_e.4.bias"].copy()
    torch.manual_seed(1)
    save_checkpoint(path, I2FET(tiny_config()))
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    b = load_numpy_checkpoint(path)[0].p["dec_e.4.bias"]
    assert not np.array_equal(a, b)
    assert np.array_equal(b, export_checkpoint(path)["model.dec_e.4.bias"])
    assert len(list((tmp_path / "cache").iterdir())) == 1  # the older copy is removed


@pytest.fixture(scope="module")
def shipped_pair():
    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint")
    return Generator.load_default(), Generator.load_default(backend="torch")


INSTRUCTIONS = ["Turn this face from disgust to happiness.", "Make her look slightly sad, then very surprised.",
                "Show anger, then fear, then contempt.", "He looks livid, then slightly amused.",
                "She rolls her eyes, then grins.", "From smug to terrified", "Make him look flabbergasted",
                "Turn this face from happy to disgusted.", "Make her look extremely fearful."]  # fmt: skip


def test_shipped_plans_are_the_same_in_numpy_and_torch(shipped_pair):
    gn, gt = shipped_pair
    assert gn.numpy and not gt.numpy
    worst = 0.0
    for text, seed in itertools.product(INSTRUCTIONS, [0, 7, 123456]):
        a, b = gn.generate(text, seed=seed)[0], gt.generate(text, seed=seed)[0]
        assert a.parsed.emotions == b.parsed.emotions and a.consistent == b.consistent
        worst = max(worst, np.abs(a.expressions - b.expressions).max(), np.abs(a.rotations - b.rotations).max())
        assert a.to_json()["emotions"] == b.to_json()["emotions"]
    assert worst < PLAN_TOL
    for x, y in zip(gn.neutral(4), gt.neutral(4)):
        assert np.abs(x - y).max() < PLAN_TOL
    # control: one decoder bias moved by 0.05 moves the plans far beyond the tolerance
    p = dict(gn.model.p)
    p["dec_e.4.bias"] = p["dec_e.4.bias"] + 0.05
    moved = Generator(NumpyI2FET(gn.model.cfg, p), gn.ned, gn.text_encoder, gn.meta, gn.apex)
    a, b = moved.generate(INSTRUCTIONS[0], seed=0)[0], gt.generate(INSTRUCTIONS[0], seed=0)[0]
    assert np.abs(a.expressions - b.expressions).max() > 100 * PLAN_TOL


def test_numpy_minilm_matches_the_torch_one(shipped_pair):
    gn, gt = shipped_pair
    texts = INSTRUCTIONS + ["Ünïcödé façade — émotions, très SURPRISED!", "very " * 100 + "happy"]
    f, m = gn.text_encoder.encode(texts)
    fr, mr = gt.text_encoder.encode(texts)
    assert isinstance(f, np.ndarray) and f.dtype == np.float32 and m.dtype == bool
    assert np.array_equal(m, mr.numpy()) and m.sum(1)[-1] == 77
    err = np.abs(f - fr.numpy()).max()
    assert err < 2e-5  # measured 3.5e-6
    assert np.abs(f[0] - f[1]).max() > 100 * err  # control: two sentences differ far more


def _cold_then_warm(probe: str, tmp_path) -> list[str]:
    """stdout of ``probe`` run twice in fresh processes sharing a new array cache: the first run exports the
    checkpoint (importing torch), the second reads the export."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore",
               EMOSHIFT_CACHE=str(tmp_path / "cache"))  # fmt: skip
    outs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path,
                             timeout=300)  # fmt: skip
        assert out.returncode == 0, out.stderr[-2000:]
        outs.append(out.stdout)
    return outs


def test_generate_cli_runs_without_torch_and_prints_the_torch_plan(tmp_path, shipped_pair):
    """``emoshift generate`` in a fresh process imports no torch once the checkpoint's export is cached, and its
    JSON is the torch generator's plan for the same seed."""
    _, gt = shipped_pair
    probe = ("import sys, io, contextlib\nfrom emoshift.cli import main\nbuf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n"
             "    code = main(['generate', {text!r}, '--seed', '5', '--json', '--neutral'])\n"
             "print(buf.getvalue())\n"
             "print(code, 'torch' in sys.modules, 'emoshift.models.numpy_infer' in sys.modules)")  # fmt: skip
    cold, warm = _cold_then_warm(probe.format(text=INSTRUCTIONS[1]), tmp_path)
    *body, last = warm.strip().splitlines()
    assert last == "0 False True"  # exit 0, no torch; control: the numpy generator was imported
    assert cold.strip().splitlines()[-1] == "0 True True"  # control: the probe sees torch when the export loads it
    doc = json.loads("\n".join(body))
    want = gt.generate(INSTRUCTIONS[1], seed=5)[0].to_json()["anchors"]
    got = doc["samples"][0]
    assert [a["emotion"] for a in got] == [a["emotion"] for a in want]
    for a, b in zip(got, want):
        assert max(abs(a["expression"][k] - b["expression"][k]) for k in a["expression"]) <= 1e-4  # 4 digits printed
        assert np.allclose(a["rotation"], b["rotation"], atol=1e-5)
    e, r = gt.neutral(5)
    assert np.allclose(list(doc["neutral"]["expression"].values()), e, atol=1e-4)


def test_the_pipelines_planner_runs_without_torch(tmp_path):
    """The animate path's plan stage (``load_planner``: the trained generator, its text encoder, a plan and a
    NED neutral) imports no torch either; the photo stages still do (the head model and the fitter)."""
    probe = ("import sys\nfrom emoshift.planning import Instruction, load_planner\n"
             "from emoshift.text.parser import parse_instruction\n"
             "p = load_planner('generator')\nt = 'Turn this face from disgust to happiness'\n"
             "g = p.generate(Instruction(t, parse_instruction(t)), seed=1, n_samples=2)\ne, r = p.neutral(1)\n"
             "print(p.name, len(g), g[0].expressions.shape, e.shape, 'torch' in sys.modules)")  # fmt: skip
    lines = [out.strip().splitlines()[-1] for out in _cold_then_warm(probe, tmp_path)]
    assert lines[0].endswith(" True")  # control: the probe sees torch when the cold cache's export loads it
    assert lines[1] == "generator:i2fet 2 (2, 53) (53,) False", lines
