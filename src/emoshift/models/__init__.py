"""Instruction-to-expression models: IFED + I2FET (ours), the MotionCLIP-style baseline, NED, training, generation."""

from emoshift.models.config import TrainConfig
from emoshift.models.i2fet import I2FET
from emoshift.models.motionclip import MotionCLIP
from emoshift.models.ned import NED, NEDConfig


def build_model(cfg: TrainConfig):
    """The model named by ``cfg.model``: :class:`I2FET` or :class:`MotionCLIP`."""
    return I2FET(cfg) if cfg.model == "i2fet" else MotionCLIP(cfg)


from emoshift.models.generator import GeneratedPlan, Generator  # noqa: E402  (after build_model: they use it)
from emoshift.models.train import train, train_ned  # noqa: E402

__all__ = ["TrainConfig", "I2FET", "MotionCLIP", "NED", "NEDConfig", "build_model", "Generator", "GeneratedPlan",
           "train", "train_ned"]
