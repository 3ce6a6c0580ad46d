"""Per-anchor text spans (issue 13.1): the words of the sentence that name each anchor, as features.

The parser (:func:`emoshift.text.parser.parse_instruction`) reads which words name each emotion, in
order; a slot's *span* is that word with its intensity word ("very furious", "smirking"). I2FET with
``use_spans`` adds each span's pooled text features to its slot (models/ifed.py), so the anchor at
position i is grounded in the words at position i of the reading whatever the sentence's structure.
The same function makes the spans of training sentences and of user instructions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from torch import Tensor

# one canonical word per intensity level of the parser (text.parser.INTENSITY_WORDS)
INTENSITY_PREFIX: dict[float, str] = {0.5: "slightly", 0.75: "somewhat", 1.2: "very", 1.4: "extremely"}


def span_phrase(word: str, intensity: float) -> str:
    """``("furious", 1.2) -> "very furious"``; intensity 1 (or an unknown level) adds nothing."""
    if intensity == 1.0:
        return word
    level = min(INTENSITY_PREFIX, key=lambda k: abs(k - intensity))
    return f"{INTENSITY_PREFIX[level]} {word}" if abs(level - intensity) < 0.1 else word


def parsed_spans(parsed) -> list[str]:
    """The span phrases of a :class:`~emoshift.text.parser.ParsedInstruction`, one per emotion in order."""
    words = list(parsed.words) or list(parsed.emotions)
    return [span_phrase(w, s) for w, s in zip(words, parsed.intensities)]


def text_spans(text: str, fallback: Sequence[str] = ()) -> list[str]:
    """The span phrases the parser reads in ``text``; ``fallback`` (e.g. the labels) if it reads none."""
    from emoshift.io import UserError
    from emoshift.text.parser import parse_instruction

    try:
        return parsed_spans(parse_instruction(text))
    except UserError:
        return list(fallback)


def phrase_features(encoder, phrases: Sequence[str]) -> np.ndarray:
    """(U,) phrases -> (U, D) float32 pooled (mean-over-tokens) text features of the frozen encoder."""
    from emoshift.text.encoder import encode_arrays, pooled_array

    if not phrases:
        return np.zeros((0, encoder.dim), np.float32)
    return pooled_array(*encode_arrays(encoder, list(phrases)))


def encode_phrases(encoder, phrases: Sequence[str]) -> Tensor:
    """:func:`phrase_features` as a torch tensor (the training tables)."""
    import torch

    return torch.from_numpy(phrase_features(encoder, phrases))


def span_tensor(encoder, spans: Sequence[Sequence[str]], max_slots: int) -> np.ndarray:
    """(B, max_slots, D) span features of B instructions' span lists (zeros past each list's end)."""
    flat = sorted({p for s in spans for p in s})
    feats = phrase_features(encoder, flat)
    index = {p: i for i, p in enumerate(flat)}
    out = np.zeros((len(spans), max_slots, feats.shape[-1] if len(flat) else encoder.dim), np.float32)
    for b, s in enumerate(spans):
        for j, p in enumerate(list(s)[:max_slots]):
            out[b, j] = feats[index[p]]
    return out


__all__ = ["INTENSITY_PREFIX", "encode_phrases", "phrase_features", "parsed_spans", "span_phrase", "span_tensor", "text_spans"]
