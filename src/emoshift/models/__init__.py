"""Instruction-to-expression models: IFED + I2FET (ours), the MotionCLIP-style baseline, NED, training, generation.

The names below are imported on first use (PEP 562): importing a submodule such as
``emoshift.models.generator`` runs this file first, and generation must not pay for torch.
"""

from importlib import import_module

_WHERE = {
    "build_model": "build", "TrainConfig": "config", "GeneratedPlan": "generator", "Generator": "generator",
    "I2FET": "i2fet", "MotionCLIP": "motionclip", "NED": "ned", "NEDConfig": "ned", "train": "train",
    "train_ned": "train",
}  # fmt: skip

__all__ = ["TrainConfig", "I2FET", "MotionCLIP", "NED", "NEDConfig", "build_model", "Generator", "GeneratedPlan",
           "train", "train_ned"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"emoshift.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'emoshift.models' has no attribute {name!r}")
