"""Folder outputs (``--frames``, ``--meshes``) get the mode a plain ``mkdir`` gives (0o777 minus the umask),
not mkdtemp's 0700, while still being filled under a temporary name and renamed into place."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager

import numpy as np
import pytest

from emoshift.export.folders import atomic_folder
from emoshift.export.meshes import write_meshes
from emoshift.outputs import OutputSet


@contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_atomic_folder_honours_the_umask(tmp_path, mask):
    with _umask(mask):
        with atomic_folder(tmp_path / "frames") as tmp:
            (tmp / "frame_00000.png").write_bytes(b"x")
            assert tmp.name != "frames"  # still filled under a temporary name
        (tmp_path / "plain").mkdir()  # control: what mkdir gives under the same umask
    out = tmp_path / "frames"
    assert _mode(out) == 0o777 & ~mask == _mode(tmp_path / "plain")
    assert _mode(out / "frame_00000.png") == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "plain"]


def test_meshes_folder_through_the_output_set_honours_the_umask(tmp_path, head_model, make_traj):
    """The CLI's path: OutputSet stages the folder, write_meshes fills it (atomic_folder), commit renames it;
    an existing folder is replaced by one with the umask's mode."""
    (tmp_path / "o_meshes").mkdir(mode=0o700)
    with _umask(0o022), OutputSet() as outs:
        outs.write(tmp_path / "o_meshes", lambda tmp: write_meshes(tmp, head_model, np.zeros(50), make_traj(2)))
        outs.commit()
    out = tmp_path / "o_meshes"
    assert _mode(out) == 0o755
    assert sorted(p.name for p in out.iterdir()) == ["frame_00000.obj", "frame_00001.obj"]
    assert {_mode(p) for p in out.iterdir()} == {0o644}
    assert [p.name for p in tmp_path.iterdir()] == ["o_meshes"]
