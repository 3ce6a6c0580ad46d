"""emoshift: a photo and a sentence in, a 3D face animated through the instructed expressions out."""

__version__ = "0.1.0"
