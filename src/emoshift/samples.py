"""Sample face photos that ship inside emoshift's dependencies (no download), usable by name anywhere a
photo is accepted (``emoshift fit astronaut``, ``emoshift animate grace_hopper "..."``)."""

from __future__ import annotations

import numpy as np

from emoshift.io import UserError

#: Sample photos shipped inside dependencies: name -> description.
SAMPLE_PHOTOS = {
    "astronaut": "Eileen Collins, NASA portrait (public domain; scikit-image's data.astronaut)",
    "grace_hopper": "Grace Hopper (public domain; matplotlib's sample data)",
}
DEFAULT_PHOTO = "astronaut"


def sample_photo(name: str = DEFAULT_PHOTO) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a sample photo (see :data:`SAMPLE_PHOTOS`); the default is the astronaut."""
    if name == "astronaut":
        from importlib import resources

        png = resources.files("skimage.data").joinpath("astronaut.png")
        if png.is_file():  # read directly: skimage.data.astronaut() imports skimage.io (0.2-0.3 s), same pixels
            from PIL import Image

            with Image.open(png) as im:
                return np.array(im.convert("RGB"))
        from skimage import data

        return np.ascontiguousarray(data.astronaut())
    if name == "grace_hopper":
        from matplotlib.cbook import get_sample_data
        from PIL import Image

        with get_sample_data("grace_hopper.jpg") as f:
            return np.asarray(Image.open(f).convert("RGB"))
    raise UserError(f"unknown sample photo '{name}'; samples: {', '.join(SAMPLE_PHOTOS)}")
