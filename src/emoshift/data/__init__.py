"""Expression datasets: the file format, the built-in presets mirroring CK+ and CelebV-HQ, instruction
templates, and loaders that turn a user's own CK+ / CelebV-HQ copy into the same format."""

from emoshift.data.dataset import SPLITS, ExpressionDataset
from emoshift.data.synthetic import PRESETS, build_preset

__all__ = ["PRESETS", "SPLITS", "ExpressionDataset", "build_preset"]
