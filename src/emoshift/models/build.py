"""The model a :class:`~emoshift.models.config.TrainConfig` names (a module of its own, so that training
and generation import it without importing the package's ``__init__``)."""

from __future__ import annotations

from emoshift.models.config import TrainConfig
from emoshift.models.i2fet import I2FET
from emoshift.models.motionclip import MotionCLIP


def build_model(cfg: TrainConfig) -> I2FET | MotionCLIP:
    """The model named by ``cfg.model``: :class:`I2FET` or :class:`MotionCLIP`."""
    return I2FET(cfg) if cfg.model == "i2fet" else MotionCLIP(cfg)
