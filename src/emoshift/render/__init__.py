"""CPU renderers: the Numba rasterizer (:mod:`.raster`), grey shape images (:mod:`.shape`), photo
reenactment (:mod:`.reenact`) and the textured 3D head (:mod:`.textured`). Import the submodules."""
