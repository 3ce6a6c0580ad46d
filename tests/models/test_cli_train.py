"""``emoshift train`` end to end on a very small preset (real MiniLM text features), and its input errors."""

import pytest
import torch

from emoshift.cli import main
from emoshift.models.generator import Generator


def test_train_cli_writes_a_usable_model_and_guards_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--preset", "ckplus-like", "--scale", "0.02", "--epochs", "1", "--ned-epochs", "2",
            "--out", str(out), "--quiet", "--threads", "1"]
    assert main(args) == 0
    for name in ("checkpoint.pt", "metrics.csv", "loss.png", "model.pt"):
        assert (out / name).is_file()
    gen = Generator.load(out / "model.pt")
    assert gen.ned is not None and gen.meta["datasets"] == ["ckplus-like"]
    assert gen.meta["options"]["epochs"] == 1
    assert gen.model.cfg.recon_loss == "gaussian"  # the default likelihood
    from emoshift.models.apex import MAX_APEX_GAIN

    assert set(gen.apex_gain) == {"happiness", "disgust", "anger", "fear", "surprise", "contempt", "sadness"}
    assert all(1.0 <= g <= MAX_APEX_GAIN for g in gen.apex_gain.values())  # measured after training, stored
    outliers = gen.meta["apex_outliers"]  # found after training, stored: indices into the emotion's apex latents
    assert isinstance(outliers, dict) and all(0 <= k < len(gen.apex[e]) for e, ks in outliers.items() for k in ks)
    assert gen.apex_outliers == outliers
    plan = gen.generate("Turn this face from fear to happiness.")[0]
    assert plan.expressions.shape == (2, 53)
    capsys.readouterr()
    assert main(args) == 2  # the run exists: needs --resume or --force
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume", "--epochs", "2"]) == 0  # continue for one more epoch
    ck = torch.load(out / "checkpoint.pt", weights_only=True)
    assert ck["epoch"] == 1 and len(ck["history"]) == 2


def test_train_cli_rejects_bad_options(tmp_path, capsys):
    assert main(["train", "--scale", "0", "--out", str(tmp_path / "x")]) == 2
    assert main(["train", "--epochs", "-1", "--out", str(tmp_path / "x")]) == 2
    assert main(["train", "--text-encoder", str(tmp_path / "nope"), "--out", str(tmp_path / "x")]) == 2
    (tmp_path / "file").write_text("x")
    assert main(["train", "--out", str(tmp_path / "file")]) == 2
    assert main(["train", "--data", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "y")]) == 2
    errs = capsys.readouterr().err.strip().splitlines()
    assert len(errs) == 5 and all(e.startswith("emoshift: error:") for e in errs)


def test_train_cli_can_use_the_papers_loss(tmp_path):
    out = tmp_path / "paper"
    args = ["train", "--preset", "ckplus-like", "--scale", "0.02", "--epochs", "1", "--ned-epochs", "0",
            "--recon-loss", "mse", "--out", str(out), "--quiet", "--threads", "1"]
    assert main(args) == 0
    assert Generator.load(out / "model.pt").model.cfg.recon_loss == "mse"


def test_train_takes_the_architecture_as_arch(tmp_path, capsys):
    """--model names a checkpoint in every command; train's architecture flag is --arch."""
    assert main(["train", "--model", "motionclip", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--arch" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_:  # argparse: not one of the choices
        main(["train", "--arch", "transformer", "--out", str(tmp_path / "x")])
    assert exit_.value.code == 2
