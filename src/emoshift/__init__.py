"""emoshift: a photo and a sentence in, a 3D face animated through the instructed expressions out.

>>> from emoshift import Pipeline                       # cheap: nothing heavy is imported yet
>>> pipe = Pipeline.load()                              # doctest: +SKIP
>>> pipe.animate("astronaut", "from disgust to happiness", seconds=4).save("out.mp4")  # doctest: +SKIP

``Pipeline``, ``AnimationResult`` (:mod:`emoshift.pipeline`), ``AnimateOptions`` (:mod:`emoshift.options`)
and ``UserError`` (:mod:`emoshift.io`) are loaded on first use.
"""

__version__ = "0.1.0"

_LAZY = {
    "Pipeline": "emoshift.pipeline",
    "AnimationResult": "emoshift.pipeline",
    "AnimateOptions": "emoshift.options",
    "UserError": "emoshift.io",
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emoshift' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
