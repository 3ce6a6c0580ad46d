"""Store a generator checkpoint's apex outliers in its meta (``apex_outliers``), without retraining.

``emoshift train`` finds them after training (:func:`emoshift.models.apex.apex_outliers`: apex latents whose
decoded anchor opens the jaw beyond the emotion's prototypes, or whose anchor with the checkpoint's apex gain
falls one FACS letter short of the prototype's apex strength); this adds them to a checkpoint made before
(the shipped ``i2fet_default.pt`` of session 19) and leaves its weights, apex latents, apex gains and the rest
of its meta as they were. Prints what it found.

    .venv/bin/python scripts/mark_apex_outliers.py src/emoshift/resources/i2fet_default.pt
"""

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", type=Path)
    args = ap.parse_args()

    import torch

    from emoshift.io import atomic_write_with
    from emoshift.models.apex import apex_outliers
    from emoshift.models.generator import Generator

    d = torch.load(args.checkpoint, weights_only=True, map_location="cpu")
    meta = dict(d.get("meta") or {})
    meta.pop("apex_outliers", None)  # found afresh on the bank as trained
    found = apex_outliers(Generator.load(args.checkpoint, backend="torch"))
    d["meta"] = {**meta, "apex_outliers": found}
    atomic_write_with(args.checkpoint, lambda p: torch.save(d, p))
    print(json.dumps({"checkpoint": str(args.checkpoint), "apex_outliers": found}))


if __name__ == "__main__":
    main()
