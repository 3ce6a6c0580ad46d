import io

import numpy as np
import pytest
from PIL import Image

from emoshift.fitting.image import MAX_SIDE, limit_size, load_image
from emoshift.io import UserError


def _rgb(h=40, w=60):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_formats_round_trip(tmp_path):
    img = _rgb()
    for ext in ("png", "webp", "bmp", "tiff"):
        p = tmp_path / f"a.{ext}"
        Image.fromarray(img).save(p, lossless=True) if ext == "webp" else Image.fromarray(img).save(p)
        out = load_image(p)
        assert out.dtype == np.uint8 and out.shape == (40, 60, 3)
        assert np.abs(out.astype(int) - img).max() <= 1, ext
    p = tmp_path / "a.jpg"
    Image.fromarray(img).save(p, quality=95)
    assert load_image(str(p)).shape == (40, 60, 3)


def test_gray_rgba_16bit(tmp_path):
    gray = np.arange(40 * 60, dtype=np.uint8).reshape(40, 60)
    Image.fromarray(gray).save(tmp_path / "g.png")
    out = load_image(tmp_path / "g.png")
    assert out.shape == (40, 60, 3) and (out[..., 0] == gray).all() and (out[..., 2] == gray).all()

    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[:5, :, 3] = 255  # top opaque red, bottom transparent -> white
    Image.fromarray(rgba).save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    assert (out[:5] == [255, 0, 0]).all() and (out[5:] == 255).all()

    g16 = (np.arange(100, dtype=np.uint16).reshape(10, 10) * 600).astype(np.uint16)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    out = load_image(tmp_path / "g16.png")
    assert out.shape == (10, 10, 3)
    assert np.abs(out[..., 0].astype(int) - np.round(g16 / 257.0)).max() <= 1

    # arrays: float, 16-bit RGB, single channel
    assert load_image(np.full((4, 4, 3), 0.5)).max() == 128
    assert load_image(np.full((4, 4, 3), 65535, np.uint16)).min() == 255
    assert load_image(np.zeros((4, 4, 1), np.uint8)).shape == (4, 4, 3)


def test_exif_orientation_applied(tmp_path):
    img = np.zeros((20, 40, 3), dtype=np.uint8)
    img[:, :20] = [255, 0, 0]  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    Image.fromarray(img).save(tmp_path / "r.jpg", exif=exif, quality=95)
    out = load_image(tmp_path / "r.jpg")
    assert out.shape == (40, 20, 3)
    assert out[5, 10, 0] > 200 and out[35, 10, 0] < 60  # red half now on top


def test_bad_inputs(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_image(tmp_path / "missing.png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        load_image(tmp_path / "empty.jpg")
    (tmp_path / "text.png").write_text("hello, not an image")
    with pytest.raises(UserError, match="not a readable image"):
        load_image(tmp_path / "text.png")
    buf = io.BytesIO()
    Image.fromarray(_rgb()).save(buf, format="PNG")
    (tmp_path / "trunc.png").write_bytes(buf.getvalue()[:60])
    with pytest.raises(UserError):
        load_image(tmp_path / "trunc.png")
    with pytest.raises(UserError):
        load_image(tmp_path)
    with pytest.raises(UserError):
        load_image(np.zeros((3, 3, 7)))


def test_limit_size():
    img = np.zeros((10, MAX_SIDE * 2, 3), dtype=np.uint8)
    small, s = limit_size(img)
    assert s == pytest.approx(0.5) and small.shape[1] == MAX_SIDE
    same, s1 = limit_size(_rgb())
    assert s1 == 1.0 and same.shape == (40, 60, 3)


def test_decompression_limit(tmp_path, monkeypatch):
    import emoshift.fitting.image as image_mod

    Image.fromarray(_rgb(100, 100)).save(tmp_path / "big.png")
    monkeypatch.setattr(image_mod, "MAX_DECODE_PIXELS", 1000)
    with pytest.raises(UserError, match="too large"):
        load_image(tmp_path / "big.png")
    Image.fromarray(_rgb(100, 100)).save(tmp_path / "big.jpg")
    assert load_image(tmp_path / "big.jpg").shape == (100, 100, 3)  # JPEGs have their own (higher) limit
    monkeypatch.setattr(image_mod, "MAX_PIXELS", 1000)
    with pytest.raises(UserError, match="too large"):
        load_image(tmp_path / "big.jpg")


def test_directory_is_named_a_directory(tmp_path):
    from emoshift.fitting.image import check_image_path

    with pytest.raises(UserError, match="is a directory"):
        load_image(tmp_path)
    with pytest.raises(UserError, match="is a directory"):
        check_image_path(tmp_path)


def test_large_files_decode_reduced_and_match_a_full_decode(tmp_path):
    """Above max_side a file is decoded at a reduced size (integer box reduce / JPEG DCT scaling); the
    result agrees with a full-size decode downscaled the same way (control: a different image fails)."""
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, (30, 50, 3), dtype=np.uint8)
    big = np.asarray(Image.fromarray(small).resize((500, 300), Image.Resampling.BILINEAR))
    Image.fromarray(big).save(tmp_path / "b.png")
    out = load_image(tmp_path / "b.png", max_side=100)
    assert out.shape == (60, 100, 3)
    ref = np.asarray(Image.fromarray(big).reduce(5))  # 500 -> 100: the integer reduce alone
    assert np.abs(out.astype(int) - ref).max() <= 1
    assert np.abs(out.astype(int) - ref[::-1]).mean() > 20  # control
    Image.fromarray(big).save(tmp_path / "b.jpg", quality=95)
    outj = load_image(tmp_path / "b.jpg", max_side=100)
    assert max(outj.shape[:2]) <= 100 and outj.shape[1] >= 60
    assert load_image(tmp_path / "b.png", max_side=None).shape == (300, 500, 3)
    odd = load_image(tmp_path / "b.png", max_side=120)  # 500 -> reduce(4) = 125 -> Lanczos to 120
    assert odd.shape == (72, 120, 3)
    ref = np.asarray(Image.fromarray(big).resize((120, 72), Image.Resampling.LANCZOS))
    assert np.abs(odd.astype(int) - ref).mean() < 3
    # RGBA is composited on white after the reduce, EXIF orientation applied after it
    rgba = np.zeros((300, 500, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:150, :, 3] = 255
    Image.fromarray(rgba).save(tmp_path / "a.png")
    o = load_image(tmp_path / "a.png", max_side=100)
    assert (o[:25] == [255, 0, 0]).all() and (o[35:] == 255).all()


def test_wide_image_hint():
    from emoshift.fitting.image import wide_image_hint

    assert "very wide" in wide_image_hint((500, 6000, 3)) and "crop" in wide_image_hint((500, 6000, 3))
    assert "very tall" in wide_image_hint((4000, 1000, 3))
    assert wide_image_hint((600, 800, 3)) == ""


def test_edge_warning():
    from emoshift.fitting.image import edge_warning

    rng = np.random.default_rng(0)
    inside = rng.uniform([100, 100], [300, 300], (478, 2))
    assert edge_warning(inside, 400, 400) is None
    cut = inside.copy()
    cut[:, 0] -= 150  # a quarter of the face off the left edge
    msg = edge_warning(cut, 400, 400)
    assert msg is not None and "left edge" in msg and "whole face" in msg
    assert edge_warning(inside, 250, 400) is not None and "right" in edge_warning(inside, 250, 400)
