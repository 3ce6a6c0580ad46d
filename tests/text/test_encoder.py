"""The frozen text encoders: padded per-token features, masks, cache, and the local-CLIP path."""

import json

import pytest
import torch

from emoshift.io import UserError
from emoshift.text.encoder import MAX_TOKENS, load_text_encoder, pooled


@pytest.fixture(scope="module")
def minilm():
    return load_text_encoder("minilm")


def test_minilm_shapes_mask_and_padding(minilm):
    texts = ["Turn this face from fear to happiness.", "Smile"]
    feats, mask = minilm.encode(texts)
    assert minilm.dim == 384
    assert feats.shape == (2, MAX_TOKENS, 384) and feats.dtype == torch.float32
    assert mask.shape == (2, MAX_TOKENS) and mask.dtype == torch.bool
    n_tokens = [len(minilm.tokenizer(t)["input_ids"]) for t in texts]  # includes [CLS]/[SEP]
    assert mask.sum(1).tolist() == n_tokens
    assert mask[0, : n_tokens[0]].all() and not mask[0, n_tokens[0] :].any()  # mask is a prefix
    assert feats[1, n_tokens[1] :].abs().sum() == 0  # padding is zero
    assert feats[0, : n_tokens[0]].abs().sum(1).min() > 0


def test_minilm_cache_and_batch_independence(minilm, monkeypatch):
    a = "Change this face from anger to surprise."
    f1, m1 = minilm.encode([a])
    calls = []
    monkeypatch.setattr(minilm, "_run", lambda texts: calls.append(texts) or [])
    f2, m2 = minilm.encode([a, a])  # cached: the model is not run again
    assert calls == []
    assert torch.equal(f2[0], f1[0]) and torch.equal(f2[1], f1[0]) and torch.equal(m2[0], m1[0])
    monkeypatch.undo()
    # encoding in a batch with a longer sentence gives the same features as alone
    b = "Modify this face, changing it from very sad to slightly contemptuous and then to disgusted."
    minilm._cache.clear()
    fb, _ = minilm.encode([b, a])
    torch.testing.assert_close(fb[1], f1[0], atol=1e-4, rtol=1e-4)


def test_minilm_features_depend_on_order_of_words(minilm):
    f, m = minilm.encode(["Turn this face from fear to happiness.", "Turn this face from happiness to fear."])
    assert not torch.allclose(f[0], f[1], atol=1e-3)  # per-token features keep word order
    p = pooled(f, m)
    assert p.shape == (2, 384)
    # pooled (sentence-transformers) embedding is the mean over real tokens only
    torch.testing.assert_close(p[0], f[0, m[0]].mean(0))


def _tiny_clip_dir(tmp_path):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = {}
    for c in [chr(i) for i in range(33, 127)]:
        vocab[c] = len(vocab)
    for c in [chr(i) for i in range(33, 127)]:
        vocab[c + "</w>"] = len(vocab)
    for s in ("<|startoftext|>", "<|endoftext|>"):
        vocab[s] = len(vocab)
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    CLIPTokenizer(vocab_file=str(tmp_path / "vocab.json"), merges_file=str(tmp_path / "merges.txt")).save_pretrained(
        tmp_path
    )
    cfg = CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        max_position_embeddings=MAX_TOKENS, bos_token_id=len(vocab) - 2, eos_token_id=len(vocab) - 1,
    )
    torch.manual_seed(0)
    CLIPTextModel(cfg).save_pretrained(tmp_path)
    return tmp_path


def test_local_clip_folder_through_same_interface(tmp_path):
    from transformers import CLIPTextModel

    enc = load_text_encoder(str(_tiny_clip_dir(tmp_path)))
    assert isinstance(enc.model, CLIPTextModel)
    assert enc.dim == 32
    feats, mask = enc.encode(["abc", "abc def ghi"])
    assert feats.shape == (2, MAX_TOKENS, 32)
    assert mask.sum(1).tolist()[0] < mask.sum(1).tolist()[1]
    assert feats[0, ~mask[0]].abs().sum() == 0
    assert load_text_encoder(str(tmp_path)) is enc  # loaded once


def test_bad_spec_is_user_error(tmp_path):
    with pytest.raises(UserError):
        load_text_encoder(str(tmp_path / "nope"))
    with pytest.raises(UserError):
        load_text_encoder(str(tmp_path))  # a folder without config.json


def test_minilm_plain_torch_bert_matches_transformers(minilm):
    """The default encoder runs the shipped weights through emoshift.text.bert; transformers' BertModel on the
    same folder gives the same tokens and the same per-token features to 1e-5."""
    from emoshift.text.encoder import _load_dir, minilm_dir

    ref = _load_dir(minilm_dir(), "reference")
    assert type(ref.model).__name__ == "BertModel" and type(minilm.model).__name__ == "BertEncoder"
    texts = ["Turn this face from fear to happiness.", "Smile", "Ünïcödé façade — émotions, très SURPRISED!",
             "Modify this face, changing it from very sad to slightly contemptuous and then to disgusted.",
             "very " * 100 + "happy"]  # truncated to 77 tokens
    for t in texts:
        assert minilm.tokenizer(t)["input_ids"] == ref.tokenizer(t)["input_ids"], t
    minilm._cache.clear()
    f, m = minilm.encode(texts)
    fr, mr = ref.encode(texts)
    assert torch.equal(m, mr) and m.sum(1).tolist()[-1] == MAX_TOKENS
    torch.testing.assert_close(f, fr, atol=1e-5, rtol=0)
    assert (f - fr).abs().max() < 1e-5 < (f[0] - f[1]).abs().max()  # and the sentences differ far more


def test_default_encoder_does_not_import_transformers():
    import subprocess
    import sys

    code = ("import sys; from emoshift.text.encoder import load_text_encoder; load_text_encoder().encode(['Smile']);"
            "print(sorted(m for m in ('transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-1000:]
    assert out.stdout.strip() == "[]"


def test_bf16_table_features_stay_close_to_float32(minilm):
    """The training table's bfloat16 encoding (models/data.py) is within 2% (relative norm) of float32
    per sentence, far below the distance between two different instructions."""
    from emoshift.models.data import encode_table

    texts = ["Turn this face from fear to happiness.", "She rolls her eyes, then smiles.", "He looks livid.",
             "Make him look very sad, then slightly surprised."]
    a = encode_table(texts, minilm, progress=False, bf16=False)
    b = encode_table(texts, minilm, progress=False, bf16=True)
    rel = [float((b.features[i].float() - a.features[i].float()).norm() / a.features[i].float().norm())
           for i in range(len(texts))]
    assert max(rel) < 0.02, rel
    other = float((a.features[1].float() - a.features[2].float()).norm() / a.features[1].float().norm())
    assert other > 10 * max(rel)  # control: two instructions differ far more


def test_safetensors_memory_map_reads_the_same_tensors():
    """The numpy MiniLM maps model.safetensors itself (no copy); every float32 tensor equals what the
    safetensors library reads, and only the dtypes asked for are returned (control: the int64 position ids)."""
    import numpy as np
    from safetensors.numpy import load_file

    from emoshift.text.bert_np import read_safetensors
    from emoshift.text.encoder import minilm_dir

    path = minilm_dir() / "model.safetensors"
    ref = load_file(str(path))
    got = read_safetensors(path)
    assert set(got) == {k for k, v in ref.items() if v.dtype == np.float32} and len(got) > 100
    assert all(got[k].shape == ref[k].shape and np.array_equal(got[k], ref[k]) for k in got)
    ids = read_safetensors(path, dtypes=("I64",))
    assert list(ids) == [k for k, v in ref.items() if v.dtype == np.int64]
    assert np.array_equal(ids["embeddings.position_ids"], ref["embeddings.position_ids"])
