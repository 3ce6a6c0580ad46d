"""Closed lips show a thin dark line where they meet (line22, :mod:`emoshift.render.contact`): a frame whose moved lips
meet has the line between its inner lips topped up to the photo's own line (a closed photo's) or real closed mouths'
(reenact.CONTACT_DEPTH), as sharp as the photo's blur; lips that part, and a frame that already shows a line that
deep, are left alone. Each test has a control that fails on the former behaviour (no line: the lips fused)."""

import numpy as np
import pytest

from emoshift.render import contact, reenact

LUMA = np.float32([0.299, 0.587, 0.114])


def _fused_lips(seed: int, bend: float, gap: float = 0.0, line: float = 0.0, sigma: float = 1.0):
    """(80, 160, 3) uint8 closed lips without a line (a darker upper and a lighter lower lip meeting on a curve
    bending by ``bend`` px, with grain), and the inner-lip contours (5, 2) upper and lower, ``gap`` px apart at the
    middle; with ``line`` > 0 a line that deep (Gaussian of ``sigma`` across the curve) drawn in; parted lips
    (``gap`` > 0) show bright teeth between them."""
    rng = np.random.default_rng(seed)
    h, w = 80, 160
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    xs = np.array([20.0, 50.0, 80.0, 110.0, 140.0])
    ys = 40.0 + bend * (1.0 - ((xs - 80.0) / 60.0) ** 2)
    open_ = gap * (1.0 - ((xs - 80.0) / 60.0) ** 2)
    upper = np.stack([xs, ys - 0.5 * open_], 1)
    lower = np.stack([xs, ys + 0.5 * open_], 1)
    curve = 40.0 + bend * (1.0 - ((xx - 80.0) / 60.0) ** 2)
    half = 0.5 * gap * (1.0 - ((xx - 80.0) / 60.0) ** 2)
    img = np.where((yy < curve)[..., None], np.float64([150, 80, 85]), np.float64([200, 120, 120]))
    img = img + rng.normal(0, 3, (h, w, 1))
    if gap > 0:
        img = np.where((np.abs(yy - curve) < half)[..., None], np.float64([225, 215, 195]), img)
    if line > 0:
        img = img * (1.0 - line * np.exp(-0.5 * ((yy - curve) / sigma) ** 2))[..., None]
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), upper, lower


def _dip_at_middle(img: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> float:
    mid = 0.5 * (upper[2] + lower[2])
    return float(contact.line_dips(img.astype(np.float32) @ LUMA, mid[None], np.array([[0.0, 1.0]]))[0])


@pytest.mark.parametrize("seed, bend", [(0, 0.0), (1, 6.0), (2, -5.0)])
def test_fused_lips_get_their_line(seed, bend):
    """Lips that meet without a line get one at least 0.8 x the target deep (0.25) and no deeper than the target +
    0.05, at the contours' middle line (the darkest row of each middle column within 1 px of it), as wide as
    sigma (full width at half depth 1.5-4 px at sigma 1). Control: the fused lips (the former frame) dip < 0.1."""
    img, upper, lower = _fused_lips(seed, bend)
    before = _dip_at_middle(img, upper, lower)
    out = img.copy()
    contact.contact_line(out, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    after = _dip_at_middle(out, upper, lower)
    print("dip", before, after)
    assert before < 0.1
    assert 0.2 <= after <= 0.3
    luma = out.astype(np.float32) @ LUMA
    for x in range(60, 101, 10):
        curve = 40.0 + bend * (1.0 - ((x + 0.5 - 80.0) / 60.0) ** 2)
        col = luma[:, x]
        i = int(np.argmin(col[int(curve) - 4 : int(curve) + 5])) + int(curve) - 4
        assert abs(i + 0.5 - curve) <= 1.0
        lips = min(col[i - 5 : i - 2].mean(), col[i + 3 : i + 6].mean())
        below = col[i - 4 : i + 5] < col[i] + 0.5 * (lips - col[i])
        assert 1 <= below.sum() <= 4


def test_width_follows_the_photo_blur():
    """The line is as sharp as the photo: sigma 2 px gives a wider line than sigma 0.7 (full width at half depth
    summed over the middle columns at least 1.5 x)."""
    widths = []
    for sigma in (0.7, 2.0):
        img, upper, lower = _fused_lips(4, 0.0)
        contact.contact_line(img, upper, lower, 0.3, sigma, 1.0, (1.5, 3.0))
        luma = img.astype(np.float32) @ LUMA
        band = luma[30:51, 60:101].mean(1)
        i = int(np.argmin(band))
        lips = min(band[i - 5 : i - 2].mean(), band[i + 3 : i + 6].mean())
        widths.append(int((band < band[i] + 0.5 * (lips - band[i])).sum()))
    assert widths[1] >= 1.5 * widths[0]


@pytest.mark.parametrize("seed", [0, 1])
def test_an_existing_line_is_not_doubled(seed):
    """A frame that already shows a line 0.4 deep where its lips meet (a closed photo's own, carried by the skin)
    keeps it (the dip within 0.03). Control: the same darkening laid on without topping up deepens it by more than 0.05."""
    img, upper, lower = _fused_lips(seed, 3.0, line=0.4, sigma=1.0)
    before = _dip_at_middle(img, upper, lower)
    out = img.copy()
    contact.contact_line(out, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    assert abs(_dip_at_middle(out, upper, lower) - before) <= 0.03
    yy = np.arange(80)[:, None] + 0.5
    naive = img.astype(np.float32) * (1.0 - 0.25 * np.exp(-0.5 * ((yy - 43.0) / 1.0) ** 2))[..., None]
    assert _dip_at_middle(np.clip(naive, 0, 255).astype(np.uint8), upper, lower) > before + 0.05


def test_parted_lips_are_left_alone():
    """Lips parted by 10 px at the middle of a 120 px mouth (past CONTACT_GAP's 0.05 x the width) over bright
    teeth are not darkened in the middle third (no pixel changes by more than 1 level)."""
    img, upper, lower = _fused_lips(5, 2.0, gap=10.0)
    out = img.copy()
    contact.contact_line(out, upper, lower, 0.25, 1.0, 1.0, (2.4, 6.0))
    assert np.abs(out[:, 60:101].astype(int) - img[:, 60:101]).max() <= 1


@pytest.mark.parametrize("seed, depth, sigma", [(0, 0.35, 1.2), (1, 0.2, 0.8)])
def test_photo_line_measures_the_photos_own(seed, depth, sigma):
    """A closed photo's own line (0.2-0.35 deep, sigma 0.8-1.2 px, centred between two pixel rows) is measured
    as the pixels show it: within 0.06 of its depth, and a sigma within -0.3 .. +0.6 px of it (the rows spread it).
    Control: a photo without a line measures under 0.05 deep."""
    img, upper, lower = _fused_lips(seed, 4.0, line=depth, sigma=sigma)
    dip, s = contact.photo_line(img, upper, lower)
    print("photo line", depth, sigma, "->", dip, s)
    assert abs(dip - depth) <= 0.06
    assert sigma - 0.3 <= s <= sigma + 0.6
    assert contact.photo_line(*_fused_lips(seed, 4.0))[0] < 0.05


def test_a_closed_target_shows_the_line(full_model, open_mouth_fit, monkeypatch):
    """A sad target (mouthFrown 0.85, jawOpen 0.04) on a synthetic photo whose mouth is open (its lips closed by
    CLOSE_GAP_CM) shows the line between its inner lips at the frame's middle as deep as asked: CONTACT_DEPTH 0.4
    gives a dip of at least 0.34 there. Control: without the contact line (CONTACT_DEPTH 0: the former frame) the
    dip stays at 0.3 or less (the painted mouth's sliver alone), and a speaking frame (a video's) is unchanged."""
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.render.reenact import Reenactor

    rng = np.random.default_rng(0)
    photo = np.clip(170 + rng.normal(0, 2, (384, 384, 3)), 0, 255).astype(np.uint8)
    r = Reenactor(photo, open_mouth_fit(384, 0.3), full_model)
    e = full_model.expression_vector({"jawOpen": 0.04, "mouthFrown_L": 0.85, "mouthFrown_R": 0.85})
    rot = np.zeros(3, np.float32)
    screen = r.screens(e[None], rot[None])[0]
    up, lo = screen[MULTIPIE_68[62], :2], screen[MULTIPIE_68[66], :2]
    mid = (0.5 * (up + lo))[None].astype(np.float64)
    dips = []
    for d in (0.4, 0.0):
        monkeypatch.setattr(reenact, "CONTACT_DEPTH", d)
        frame = r.render(e, rot)
        dips.append(float(contact.line_dips(frame.astype(np.float32) @ LUMA, mid, np.array([[0.0, 1.0]]))[0]))
    print("dips", dips)
    assert dips[0] >= 0.34
    assert dips[1] <= 0.3
    r.speech = True
    monkeypatch.setattr(reenact, "CONTACT_DEPTH", 0.4)
    spoken = r.render(e, rot)
    monkeypatch.setattr(reenact, "CONTACT_DEPTH", 0.0)
    assert np.array_equal(spoken, r.render(e, rot))


def _lips_ending_early(seed: int, bend: float, end_x: float, grey: bool = False):
    """(80, 200, 3) uint8 closed pink lips between skin (a darker upper and a lighter lower lip meeting on a curve
    bending by ``bend`` px, with grain) whose inner-lip contours (5, 2) run from x 20 to 180 while the lips the image
    shows end at x ``end_x`` (the skin past it, blended over 6 px): a laughing photo's lips stretched thin at the
    corner that the mesh's closed lips still reach (dev06 at sadness). ``grey``: the same in black and white."""
    rng = np.random.default_rng(seed)
    h, w = 80, 200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    xs = np.linspace(20.0, 180.0, 5)
    ys = 40.0 + bend * (1.0 - ((xs - 100.0) / 80.0) ** 2)
    curve = 40.0 + bend * (1.0 - ((xx - 100.0) / 80.0) ** 2)
    lips = np.where((yy < curve)[..., None], np.float64([165, 85, 95]), np.float64([205, 125, 130]))
    thick = 14.0 * np.sqrt(np.clip(1.0 - ((xx - 100.0) / 80.0) ** 2, 0.0, 1.0))  # either lip, off the curve
    on_lips = np.abs(yy - curve) < thick
    shown = np.clip((end_x - xx) / 6.0 + 0.5, 0.0, 1.0)[..., None] * on_lips[..., None]
    img = shown * lips + (1.0 - shown) * np.float64([200, 160, 130])
    img = img + rng.normal(0, 3, (h, w, 1))
    if grey:
        img = (img @ LUMA.astype(np.float64))[..., None].repeat(3, 2)
    pts = np.stack([xs, ys], 1)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), pts, pts.copy()


def _darkening(before: np.ndarray, after: np.ndarray, x0: int, x1: int) -> float:
    """The largest luma drop (share of the luma before) over the columns x0 .. x1, each column's worst pixel."""
    b, a = before.astype(np.float32) @ LUMA, after.astype(np.float32) @ LUMA
    return float((1.0 - a[:, x0:x1] / np.maximum(b[:, x0:x1], 1.0)).max(0).max())


@pytest.mark.parametrize("seed, bend", [(0, 0.0), (1, 6.0), (2, -5.0), (5, 8.0)])
def test_the_line_ends_where_the_lips_do(seed, bend, monkeypatch):
    """Inner-lip contours that run on 40 px past the lips the frame shows (into yellower skin) get no line there:
    the luma drops by at most 0.05 over x 150-164 (10-24 px past the lips, short of the contours' tapered last tenth;
    measured 0.000 on six seeds/bends), and the middle keeps its line (dip 0.2-0.3). Control: the line drawn to
    the contours' ends (visible_lips all 1: the former behaviour) darkens there by at least 0.2 (measured 0.26-0.28),
    a dark tail on the skin (dev06's one-sided smirk at sadness)."""
    img, upper, lower = _lips_ending_early(seed, bend, 140.0)
    out = img.copy()
    contact.contact_line(out, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    print("past the lips", _darkening(img, out, 150, 164), "dip", _dip_at_middle(out, upper, lower))
    assert _darkening(img, out, 150, 164) <= 0.05
    assert 0.2 <= _dip_at_middle(out, upper, lower) <= 0.3
    monkeypatch.setattr(contact, "visible_lips", lambda image, mid, normal: np.ones(len(mid)))
    former = img.copy()
    contact.contact_line(former, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    assert _darkening(img, former, 150, 164) >= 0.2


@pytest.mark.parametrize("seed, bend, end_x, grey", [(0, 0.0, 200.0, False), (1, 6.0, 200.0, False),
                                                     (2, -5.0, 140.0, True), (3, 3.0, 200.0, True)])
def test_lips_shown_to_the_corners_or_without_colour_keep_the_whole_line(seed, bend, end_x, grey, monkeypatch):
    """Lips the frame shows up to the contours' corners, and lips in a black-and-white frame (no chroma to tell them
    from the skin: LIP_CONTRAST), keep the line as before: within 1 grey level of it everywhere, and at least 0.2
    deep over x 150-164 (measured 0.26-0.35)."""
    img, upper, lower = _lips_ending_early(seed, bend, end_x, grey)
    out = img.copy()
    contact.contact_line(out, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    monkeypatch.setattr(contact, "visible_lips", lambda image, mid, normal: np.ones(len(mid)))
    former = img.copy()
    contact.contact_line(former, upper, lower, 0.25, 1.0, 1.0, (1.5, 3.0))
    assert np.abs(out.astype(int) - former).max() <= 1
    assert _darkening(img, out, 150, 164) >= 0.2
