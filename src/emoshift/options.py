"""The animation options: one validated, immutable object shared by the CLI, the web app and Python.

>>> from emoshift.options import AnimateOptions
>>> opts = AnimateOptions(seconds=4, intensity=1.2)        # UserError on a value out of range
>>> opts.replace(seed=3).seed
3

Every field has a working default and a documented range (:data:`RANGES`, shown by ``animate --help``
and ``GET /api/config``). Validation happens once, when the object is made (``__post_init__``);
whoever receives an :class:`AnimateOptions` can trust it. Messages use the field's name
("seconds must lie in [0.5, 120]"), which reads the same for ``--seconds`` and ``seconds=``.

:meth:`AnimateOptions.from_form` reads text fields (a web form, a query string): numbers are parsed
with one-line errors, absent or empty fields keep their defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emoshift.checks import MAX_SEED
from emoshift.io import UserError

TIMINGS = ("natural", "linear")
CROPS = ("none", "face")
#: Long side (pixels) the photo is limited to by default: frames are rendered at the photo's size.
DEFAULT_MAX_SIDE = 1024
#: (low, high) of every numeric option, inclusive. ``max_side`` stops at the face detector's own limit
#: (:data:`emoshift.fitting.image.MAX_SIDE`), so a photo is downscaled at most once.
RANGES: dict[str, tuple[float, float]] = {
    "fps": (1, 120),
    "seconds": (0.5, 120),
    "intensity": (0.0, 2.0),
    "samples": (1, 8),
    "seed": (0, MAX_SEED),
    "face": (0, 63),
    "max_side": (64, 4096),
}
_INTEGERS = ("samples", "seed", "face", "max_side")
_YES, _NO = ("true", "1", "yes", "on"), ("false", "0", "no", "off")  # the words from_form reads as neutral


def _num(v: float) -> str:
    """A number for a message: integers in full (4294967295, not 4.29497e+09), others short."""
    if isinstance(v, int) or (float(v).is_integer() and abs(v) < 1e15):
        return str(int(v))
    return f"{v:g}"


def describe_range(name: str) -> str:
    """"low..high" of an option of :data:`RANGES`, for help texts."""
    lo, hi = RANGES[name]
    return f"{_num(lo)}..{_num(hi)}"


@dataclass(frozen=True)
class AnimateOptions:
    """How to animate one (photo, instruction) pair.

    fps: frames per second. seconds: total duration, None = 1 s per transition plus holds.
    timing: "natural" (holds, eased transitions, blinks) or "linear" (the paper's interpolation).
    neutral: pass through a neutral face between two emotions. intensity: scale of every planned
    expression's weights (1 = as planned, 0.5 = half as strong, 0 = a neutral face: the targets are absolute,
    so the photo's own expression is not kept). samples: K generated variants (``result.variants``).
    seed: reproduces every random choice. face: which detected face (0 = the largest; faces are
    numbered largest first), None = the largest. max_side: long-side limit of the photo in pixels
    (frames are rendered at the limited size). crop: "face" = a square crop around the face
    (stable over the clip, :func:`emoshift.pipeline.face_crop_box`), "none" = the whole photo.
    """

    fps: float = 30.0
    seconds: float | None = None
    timing: str = "natural"
    neutral: bool = True
    intensity: float = 1.0
    samples: int = 1
    seed: int = 0
    face: int | None = None
    max_side: int = DEFAULT_MAX_SIDE
    crop: str = "none"

    def __post_init__(self) -> None:
        for name, (lo, hi) in RANGES.items():
            value = getattr(self, name)
            if value is None and name in ("seconds", "face"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UserError(f"{name} must be a number, got {value!r}")
            if name in _INTEGERS and int(value) != value:
                raise UserError(f"{name} must be a whole number, got {_num(value)}")
            if not lo <= value <= hi:
                raise UserError(f"{name} must lie in [{_num(lo)}, {_num(hi)}], got {_num(value)}")
            object.__setattr__(self, name, int(value) if name in _INTEGERS else float(value))
        if self.timing not in TIMINGS:
            raise UserError(f"timing must be one of {', '.join(TIMINGS)}, got '{self.timing}'")
        if self.crop not in CROPS:
            raise UserError(f"crop must be one of {', '.join(CROPS)}, got '{self.crop}'")
        if not isinstance(self.neutral, bool):
            raise UserError(f"neutral must be true or false, got {self.neutral!r}")

    def replace(self, **changes: Any) -> AnimateOptions:
        """A copy with some fields changed (validated again); unknown names are a TypeError."""
        return dataclasses.replace(self, **changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_form(cls, fields: Mapping[str, Any], base: AnimateOptions | None = None) -> AnimateOptions:
        """Options from text fields (e.g. a web form): "" or "auto" keeps the default; numbers are parsed;
        neutral reads true/1/yes/on and false/0/no/off (another word is a UserError). Unknown fields are
        ignored (a form carries other things)."""
        base = base or cls()
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = fields.get(f.name)
            if raw is None or str(raw).strip().lower() in ("", "auto"):
                continue
            text = str(raw).strip()
            if f.name in RANGES:
                try:
                    changes[f.name] = int(text) if f.name in _INTEGERS else float(text)
                except ValueError:
                    kind = "a whole number" if f.name in _INTEGERS else "a number"
                    raise UserError(f"{f.name} must be {kind}, got '{text[:40]}'") from None
            elif f.name == "neutral":
                if text.lower() not in (*_YES, *_NO):
                    raise UserError(f"neutral must be true or false (1/0, yes/no, on/off), got '{text[:40]}'")
                changes[f.name] = text.lower() in _YES
            else:
                changes[f.name] = text
        return base.replace(**changes)
