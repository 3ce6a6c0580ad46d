"""Cheap one-line checks shared by the commands: seeds, counts, and text safe to print on a terminal."""

from __future__ import annotations

import re

from emoshift.io import UserError

#: Seeds are passed to numpy and torch generators: 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_seed(seed: int, name: str = "--seed") -> int:
    """``seed`` as an int in 0..:data:`MAX_SEED`, else a one-line :class:`UserError`."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise UserError(f"{name} must lie in [0, {MAX_SEED}], got {seed}")
    return seed


def check_count(value: int, lo: int, hi: int, name: str) -> int:
    """An integer option bounded to [lo, hi], else a one-line :class:`UserError`."""
    if not lo <= value <= hi:
        raise UserError(f"{name} must lie in [{lo}, {hi}], got {value}")
    return value


def terminal_safe(text: str) -> str:
    """``text`` with control characters (escape sequences, CR, BEL, bidi overrides, ...) shown as
    ``\\x1b``-style escapes, so printing it cannot move the cursor or recolour the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
