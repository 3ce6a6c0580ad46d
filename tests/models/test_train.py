"""Training: outputs, reproducibility, resume, NED, text table, and a 2-process DDP run (gloo)."""

import csv
import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from modelkit import HashEncoder, tiny_config, tiny_dataset

from emoshift.io import UserError
from emoshift.models.data import TensorData, encode_table
from emoshift.models.train import CHECKPOINT, METRICS, train, train_ned


@pytest.fixture(scope="module")
def data():
    ds, patterns, poses = tiny_dataset()
    return ds, encode_table(ds.text, HashEncoder(), spec="hash", progress=False), patterns, poses


def _states_equal(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_text_table_encodes_each_sentence_once_and_caches_to_disk(data, tmp_path):
    ds = data[0]
    enc = HashEncoder()
    t1 = encode_table(list(ds.text) * 3, enc, spec="hash", cache_dir=tmp_path, progress=False, chunk=1000)
    assert enc.calls == 2 and len(t1.texts) == len(set(ds.text))  # the sentences, then their spans (models/spans.py)
    f, m = HashEncoder().encode([ds.text[5]])
    row = t1.index[ds.text[5]]
    n = int(m.sum())
    torch.testing.assert_close(t1.features[row, :n].float(), f[0, :n], atol=1e-2, rtol=1e-2)  # stored as float16
    assert t1.mask[row].sum() == n
    enc2 = HashEncoder()
    t2 = encode_table(ds.text, enc2, spec="hash", cache_dir=tmp_path, progress=False)
    assert enc2.calls == 0 and torch.equal(t2.features, t1.features)


def test_text_table_reuses_the_rows_an_earlier_table_holds(data, tmp_path):
    """A changed sentence set encodes only its new sentences; another encoder's table is not reused."""
    texts = sorted(set(map(str, data[0].text)))
    first, rest = texts[:20], texts[20:]

    class Seen(HashEncoder):
        def __init__(self):
            super().__init__()
            self.seen = []

        def encode(self, batch):
            self.seen += list(batch)
            return super().encode(batch)

    t1 = encode_table(first, HashEncoder(), spec="hash", cache_dir=tmp_path, progress=False)
    enc = Seen()
    t2 = encode_table(texts, enc, spec="hash", cache_dir=tmp_path, progress=False)
    assert set(rest) <= set(enc.seen) and not set(first) & set(enc.seen)  # (the rest of seen: span phrases)
    for t in first:
        n = int(t1.mask[t1.index[t]].sum())
        assert torch.equal(t2.features[t2.index[t], :n], t1.features[t1.index[t], :n]) and t2.mask[t2.index[t]].sum() == n
    fresh = encode_table(texts, HashEncoder(), spec="hash", progress=False)
    torch.testing.assert_close(t2.features.float(), fresh.features.float(), atol=0, rtol=0)
    other = Seen()
    encode_table(texts[:30], other, spec="hash-other", cache_dir=tmp_path, progress=False)
    assert set(texts[:30]) <= set(other.seen)  # control: a table of another encoder is not reused


def test_tensor_data_batches_trim_and_mask(data):
    ds, table, patterns, _ = data
    td = TensorData.from_datasets(ds, table, "train")
    assert len(td) == 40
    b = td.batch(torch.tensor([1, 2]))  # samples 1, 2 name two emotions each
    assert b.expression.shape[1] == 2 and b.slot_mask.all()
    b = td.batch(torch.tensor([0, 1]))  # sample 0 names three
    assert b.slot_mask.tolist() == [[True, True, True], [True, True, False]]
    assert b.text_features.shape[1] == int(b.text_mask.sum(1).max())
    torch.testing.assert_close(b.identity[0], torch.from_numpy(ds.identity[ds.subject[0]]))


def test_train_writes_outputs_and_is_reproducible(data, tmp_path):
    ds, table = data[0], data[1]
    cfg = tiny_config(epochs=2)
    m1 = train(cfg, ds, tmp_path / "a", table=table, progress=False)
    for name in (CHECKPOINT, METRICS, "loss.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    rows = list(csv.DictReader(open(tmp_path / "a" / METRICS)))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert {"train_loss", "val_loss", "train_l_v", "val_mse_e", "seconds"} <= set(rows[0])
    assert len(m1.history) == 2 and not m1.training
    m2 = train(cfg, ds, None, table=table, progress=False)
    assert _states_equal(m1, m2)
    m3 = train(tiny_config(epochs=2, seed=1), ds, None, table=table, progress=False)
    assert not _states_equal(m1, m3)


def test_resume_matches_an_uninterrupted_run(data, tmp_path):
    ds, table = data[0], data[1]
    full = train(tiny_config(epochs=3), ds, tmp_path / "full", table=table, progress=False)
    train(tiny_config(epochs=1), ds, tmp_path / "part", table=table, progress=False)  # "stopped" after epoch 1
    resumed = train(tiny_config(epochs=3), ds, tmp_path / "part", table=table, progress=False, resume=True)
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3]
    assert _states_equal(full, resumed)
    with pytest.raises(UserError):  # a different model cannot resume this run
        train(tiny_config(epochs=3, hidden=16), ds, tmp_path / "part", table=table, progress=False, resume=True)


def held_out_task():
    """The tiny task with a held-out set large enough to measure: 96 instructions, the last 32 (72 emotion
    slots: one slot is 1.4 points) never trained on. Returns (dataset, text table, emotion patterns)."""
    ds, patterns, _ = tiny_dataset(n=96)
    ds = dataclasses.replace(ds, split=np.where(np.arange(len(ds.text)) < 64, "train", "val"))
    return ds, encode_table(ds.text, HashEncoder(), spec="hash", progress=False), patterns


def tiny_task_config(recon_loss: str, seed: int = 0):
    """4 steps per epoch, 600 in all; KL annealed over the first 60%."""
    return tiny_config(epochs=150, batch_size=16, lr=3e-3, use_vertex_loss=False, recon_loss=recon_loss,
                       kl_anneal_epochs=90, seed=seed)


@pytest.fixture(scope="module")
def held_out():
    return held_out_task()


def _nearest_pattern_accuracy(model, ds, table, patterns, split, text="as given"):
    """Fraction of used slots whose generated anchor lies nearest to its emotion's pattern. ``text``:
    "as given", "zeroed" (no text features) or "shuffled" (another instruction of the split)."""
    keys = list(patterns)
    protos = torch.from_numpy(np.stack([patterns[k] for k in keys]))
    part = TensorData.from_datasets(ds, table, split)
    b = part.batch(torch.arange(len(part)))
    feats, mask, spans = b.text_features, b.text_mask, b.span_features
    if text == "zeroed":
        feats, spans = torch.zeros_like(feats), torch.zeros_like(spans)
    elif text == "shuffled":
        p = torch.randperm(len(feats), generator=torch.Generator().manual_seed(1))
        feats, mask, spans = feats[p], mask[p], spans[p]
    e, _ = model.generate(feats, mask, part.n_slots, torch.Generator().manual_seed(0), spans=spans)
    pred = torch.tensor(keys)[((e[:, :, None] - protos[None, None]) ** 2).sum(-1).argmin(-1)]
    used = part.emotion >= 0
    return float((pred[used] == part.emotion[used]).float().mean())


@pytest.mark.slow
@pytest.mark.parametrize("recon_loss", ["gaussian", "mse"])
def test_training_learns_the_tiny_task(held_out, recon_loss):
    """Generated anchors land nearest to the right emotion pattern, for every slot, from the text alone,
    also on held-out instructions; without the text (zeroed or another instruction's) they do not.

    Training amplifies last-bit float differences, so each CPU (AMD, Intel, thread count) draws another
    sample from the seed distribution; the bounds sit below its measured low tail. Measured here
    (2-core AMD EPYC, TrainConfig seeds 0-15, this data and config; bench/bench_tiny_task.py), accuracy:
      train     gaussian min 0.72 (one seed; the next 0.92) median 0.97; mse min 0.91 median 0.98
      held out  gaussian min 0.57 (the same seed; the next 0.71) median 0.82; mse min 0.68 median 0.78
      controls  text zeroed max 0.33, instructions shuffled max 0.33 (chance 0.25; 72 held-out slots)
    (the former 48-sample version with 18 held-out slots passed its 0.9 / 0.7 bars for 4 of 16 seeds).
    """
    ds, table, patterns = held_out
    model = train(tiny_task_config(recon_loss), ds, None, table=table, progress=False, validate=False)
    got = {(split, text): _nearest_pattern_accuracy(model, ds, table, patterns, split, text)
           for split, text in [("train", "as given"), ("val", "as given"), ("val", "zeroed"), ("val", "shuffled")]}
    assert got["train", "as given"] >= 0.6, got
    assert got["val", "as given"] >= 0.5, got  # twice chance; 12 slots above the controls' maximum
    # the controls must fail: the same model without its instruction stays near chance
    assert got["val", "zeroed"] <= 0.42 and got["val", "shuffled"] <= 0.42, got


def test_ned_learns_neutral_faces(data):
    ds = data[0]
    ned = train_ned(ds, epochs=150, progress=False)
    e, r = ned.sample(64, torch.Generator().manual_seed(0))
    assert e.shape == (64, 53) and r.shape == (64, 3)
    assert abs(float(e.mean()) - float(ds.neutral_expression.mean())) < 0.03
    assert float(r.abs().mean()) < 0.05
    e2, _ = ned.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(e, e2)


DDP_SCRIPT = textwrap.dedent(
    """
    import sys, torch
    sys.path.insert(0, {tests!r})
    from modelkit import HashEncoder, tiny_config, tiny_dataset
    from emoshift.models.data import encode_table
    from emoshift.models.train import train
    import torch.distributed as dist
    ds, _, _ = tiny_dataset()
    table = encode_table(ds.text, HashEncoder(), spec="hash", progress=False)
    model = train(tiny_config(epochs=2), ds, {out!r}, table=table, progress=False)
    torch.save(model.state_dict(), {out!r} + f"/rank{{dist.get_rank()}}.pt")
    print("world", dist.get_world_size())
    """
)


@pytest.mark.slow
def test_two_process_ddp_run_with_gloo(tmp_path):
    script = tmp_path / "ddp_train.py"
    out = tmp_path / "run"
    script.write_text(DDP_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out)))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    res = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "0",
         "--rdzv_backend", "c10d", "--rdzv_endpoint", "localhost:0", str(script)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.count("world 2") == 2
    s0, s1 = torch.load(out / "rank0.pt"), torch.load(out / "rank1.pt")
    assert all(torch.equal(s0[k], s1[k]) for k in s0)  # DDP kept the replicas identical
    assert (out / CHECKPOINT).is_file() and (out / METRICS).is_file()
    init = torch.load(out / CHECKPOINT, weights_only=True)["model"]["state"]
    assert all(torch.equal(init[k], s0[k]) for k in s0)
