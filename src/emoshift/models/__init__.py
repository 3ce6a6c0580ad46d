"""Instruction-to-expression models: IFED + I2FET (ours), the MotionCLIP-style baseline, NED, training, generation."""

from emoshift.models.build import build_model
from emoshift.models.config import TrainConfig
from emoshift.models.generator import GeneratedPlan, Generator
from emoshift.models.i2fet import I2FET
from emoshift.models.motionclip import MotionCLIP
from emoshift.models.ned import NED, NEDConfig
from emoshift.models.train import train, train_ned

__all__ = ["TrainConfig", "I2FET", "MotionCLIP", "NED", "NEDConfig", "build_model", "Generator", "GeneratedPlan",
           "train", "train_ned"]
