"""Run inside Blender: ``blender --background --factory-startup --python blender_import.py -- in.glb out.json``.

Imports the .glb with Blender's own glTF importer (default options) and writes what an artist would
see: the scene's frame rate, each mesh's shape keys, the shape-key action's frame range and each
shape key's animated value at a few frames, and the node actions' frame ranges.
"""

import json
import sys

import bpy
import numpy

# Debian's blender 3.4 importer still uses numpy.bool (removed in numpy 1.24, which Debian 12 ships),
# on the default "NORMALS" shading path; upstream Blender bundles an older numpy. Restore the alias.
if not hasattr(numpy, "bool"):
    numpy.bool = bool

src, dst = sys.argv[sys.argv.index("--") + 1 :][:2]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_scene.gltf(filepath=src)
out = {"fps": bpy.context.scene.render.fps / bpy.context.scene.render.fps_base, "meshes": [], "node_actions": []}
for ob in bpy.data.objects:
    if ob.animation_data and ob.animation_data.action:
        out["node_actions"].append(list(ob.animation_data.action.frame_range))
    keys = ob.data.shape_keys if ob.type == "MESH" else None
    if keys is None:
        continue
    mesh = {"name": ob.name, "keys": [k.name for k in keys.key_blocks], "vertices": len(ob.data.vertices)}
    action = keys.animation_data.action if keys.animation_data else None
    if action is not None:
        start, end = action.frame_range
        mesh["range"] = [start, end]
        frames = [start, (start + end) / 2, end]
        mesh["values"] = {}
        for fc in action.fcurves:  # data_path: key_blocks["name"].value
            name = fc.data_path.split('"')[1]
            mesh["values"][name] = [fc.evaluate(f) for f in frames]
    out["meshes"].append(mesh)
with open(dst, "w") as f:
    json.dump(out, f)
