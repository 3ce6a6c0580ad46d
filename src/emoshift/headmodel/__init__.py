"""The 3D head model: ICT FaceKit Light geometry as a batched, differentiable torch module."""

from emoshift.headmodel.model import DEFAULT_N_IDENTITY, N_EXPRESSION, HeadModel, HeadOutput, load_arrays

__all__ = ["DEFAULT_N_IDENTITY", "N_EXPRESSION", "HeadModel", "HeadOutput", "load_arrays"]
