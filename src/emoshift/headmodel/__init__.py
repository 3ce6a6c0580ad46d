"""The 3D head model: ICT FaceKit Light geometry and the batched head equation (numpy; torch for training)."""

from emoshift.headmodel.model import DEFAULT_N_IDENTITY, N_EXPRESSION, HeadModel, HeadOutput, load_arrays

__all__ = ["DEFAULT_N_IDENTITY", "N_EXPRESSION", "HeadModel", "HeadOutput", "load_arrays"]
