import numpy as np

from emoshift.cli import main
from emoshift.headmodel.mesh import read_obj


def test_head_demo_writes_the_posed_expression(tmp_path, ict_arrays, capsys):
    out = tmp_path / "head.obj"
    assert main(["head", "--expression", "mouthSmile_L=1,jawOpen=0.4", "--out", str(out)]) == 0
    v, f = read_obj(out)
    names = list(ict_arrays["expression_names"])
    want = (
        ict_arrays["neutral_vertices"]
        + ict_arrays["expression_deltas"][names.index("mouthSmile_L")]
        + 0.4 * ict_arrays["expression_deltas"][names.index("jawOpen")]
    )[: len(v)]
    np.testing.assert_allclose(v, want, atol=1e-4)
    assert len(v) == 11248 and "wrote" in capsys.readouterr().out


def test_head_rotation_and_ply(tmp_path):
    out = tmp_path / "head.ply"
    assert main(["head", "--rotation", "0,90,0", "--region", "face", "--out", str(out), "--quiet"]) == 0
    assert out.read_bytes().startswith(b"ply\nformat binary_little_endian")


def test_head_bad_inputs(tmp_path, capsys):
    cases = [
        ["--expression", "smile=1"],
        ["--expression", "jawOpen"],
        ["--expression", "jawOpen=2"],
        ["--rotation", "1,2"],
        ["--identity", "100=1"],
    ]
    for extra in cases:
        out = tmp_path / "h.obj"
        assert main(["head", *extra, "--out", str(out)]) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("emoshift: error:") and err.count("\n") == 1, err
        assert not out.exists()
    assert main(["head", "--out", str(tmp_path / "h.stl")]) == 2
    assert "unknown output extension" in capsys.readouterr().err
    (tmp_path / "exists.obj").write_text("x")
    assert main(["head", "--out", str(tmp_path / "exists.obj")]) == 2
    assert "--force" in capsys.readouterr().err


def test_closed_stdout_pipe_is_not_a_traceback():
    import subprocess
    import sys

    # a command whose reader went away (``emoshift generate ... | head``) raises BrokenPipeError on print
    script = (
        "import sys, emoshift.cli as c, emoshift.cli.cmd_head as h\n"
        "def run(args):\n    raise BrokenPipeError(32, 'Broken pipe')\n"
        "h.run = run\n"
        "sys.exit(c.main(['head']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_head_refuses_non_finite_and_out_of_range_values(tmp_path, capsys):
    cases = [
        (["--expression", "jawOpen=nan"], "finite"),
        (["--expression", "jawOpen=inf"], "finite"),
        (["--expression", "mouthSmileLeft=1.5"], "[0, 1]"),
        (["--expression", "browInnerUp=-0.1"], "[0, 1]"),
        (["--identity", "3=1e9"], "[-5, 5]"),
        (["--identity", "3=-5.5"], "[-5, 5]"),
        (["--identity", "3=nan"], "finite"),
        (["--rotation", "nan,0,0"], "--rotation"),
        (["--rotation", "0,inf,0"], "--rotation"),
    ]
    out = tmp_path / "h.obj"
    for extra, needle in cases:
        assert main(["head", *extra, "--out", str(out)]) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("emoshift: error:") and err.count("\n") == 1 and needle in err, (extra, err)
        assert not out.exists()
    # controls: the edges of the ranges are accepted
    assert main(["head", "--identity", "3=5,7=-5", "--expression", "jawOpen=1", "--out", str(out), "--quiet"]) == 0
    assert np.isfinite(read_obj(out)[0]).all()


def test_head_arkit_names_make_the_same_mesh_as_ict_names(tmp_path):
    """ARKit's names map through emoshift.export.arkit: one side each, and the merged browInnerUp/cheekPuff set
    both ICT halves; tongueOut has no shape (the neutral head)."""

    def verts(expression):
        out = tmp_path / "h.obj"
        assert main(["head", "--expression", expression, "--out", str(out), "--force", "--quiet"]) == 0
        return read_obj(out)[0]

    arkit = verts("mouthSmileLeft=1,eyeBlinkRight=0.5,browInnerUp=0.6,jawOpen=0.3")
    ict = verts("mouthSmile_L=1,eyeBlink_R=0.5,browInnerUp_L=0.6,browInnerUp_R=0.6,jawOpen=0.3")
    np.testing.assert_array_equal(arkit, ict)
    assert np.abs(arkit - verts("")).max() > 0.1  # control: the expression moves the mesh
    np.testing.assert_array_equal(verts("tongueOut=1"), verts(""))
