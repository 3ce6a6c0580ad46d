import numpy as np
import pytest
from PIL import Image

from emoshift.export.sheet import LABEL_H, PAD, compose_sheet, write_sheet
from emoshift.io import UserError


def solid(rgb, h=64, w=64):
    return np.full((h, w, 3), rgb, np.uint8)


def test_layout_source_anchors_and_shapes_under_them():
    src, a1, a2 = solid((255, 0, 0)), solid((0, 255, 0)), solid((0, 0, 255))
    shapes = [np.full((32, 32), 128, np.uint8), np.full((32, 32), 30, np.uint8)]
    sheet = compose_sheet(src, [a1, a2], shapes, labels=["source", "joy"], height=64)
    assert sheet.shape == (2 * (64 + LABEL_H) + 3 * PAD, 3 * 64 + 4 * PAD, 3)
    y1 = PAD + LABEL_H + 32  # middle of row 1
    y2 = 2 * PAD + 64 + 2 * LABEL_H + 32  # middle of row 2
    col = lambda i: PAD + i * (64 + PAD) + 32  # noqa: E731
    assert tuple(sheet[y1, col(0)]) == (255, 0, 0)
    assert tuple(sheet[y1, col(1)]) == (0, 255, 0)
    assert tuple(sheet[y1, col(2)]) == (0, 0, 255)
    assert tuple(sheet[y2, col(0)]) == (255, 255, 255)  # nothing under the source
    assert tuple(sheet[y2, col(1)]) == (128, 128, 128)  # shape render under its anchor (upscaled to 64)
    assert tuple(sheet[y2, col(2)]) == (30, 30, 30)
    # captions are drawn (dark pixels in the label strip)
    assert sheet[PAD : PAD + LABEL_H, col(1) - 32 : col(1) + 32].min() < 100


def test_single_row_keeps_aspect():
    sheet = compose_sheet(solid((9, 9, 9), 50, 100), [solid((1, 2, 3), 100, 100)], height=100)
    assert sheet.shape == (100 + LABEL_H + 2 * PAD, 200 + 100 + 3 * PAD, 3)


def test_write_png_and_jpg(tmp_path):
    out = write_sheet(tmp_path / "s.png", solid((200, 10, 10)), [solid((10, 200, 10))], labels=["happy"])
    img = np.asarray(Image.open(out))
    assert img.shape[2] == 3 and tuple(img[PAD + LABEL_H + 5, PAD + 5]) == (200, 10, 10)
    assert Image.open(write_sheet(tmp_path / "s.jpg", None, [solid((0, 0, 0))])).format == "JPEG"


def test_bad_paths_write_nothing(tmp_path):
    with pytest.raises(UserError, match="extension"):
        write_sheet(tmp_path / "s.gif", solid((0, 0, 0)), [])
    with pytest.raises(UserError, match="does not exist"):
        write_sheet(tmp_path / "no" / "s.png", solid((0, 0, 0)), [])
    with pytest.raises(UserError, match="nothing"):
        write_sheet(tmp_path / "s.png", None, [])
    assert list(tmp_path.iterdir()) == []
