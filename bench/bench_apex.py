"""Apex strength of the generated anchors (issue 11.1): does "Make this face disgusted" give a full
disgust, like a CK+ apex frame, or a blend of variants below it?

For each emotion, three one-emotion phrasings × seeds 0..S-1 are generated with the model and scored
with :func:`emoshift.emotions.apex_strength` (summed activation of the emotion's defining action units
relative to the nearest prototype variant: 1 = the prototype). Printed per emotion: mean, 10th
percentile and minimum strength, the share of anchors whose nearest prototype is the emotion's, how
many prototype variants the seeds used, and the anchors' jawOpen (median, largest). ``--control`` adds
the same model sampled the paper's way (latents from the prior N(0, τ²I) at the config's τ, no apex
latents) and ``--compare PATH`` another
checkpoint (e.g. the previous shipped model, from git). ``--render DIR`` writes grey-head PNGs of the
prototypes and of seed 0's anchors.

    .venv/bin/python bench/bench_apex.py [--model PATH] [--seeds 8] [--control] [--compare OLD.pt] [--render DIR]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402


def render(gen, out: Path) -> None:
    import numpy as np
    import torch
    from PIL import Image

    from emoshift.emotions import ADJECTIVES, EMOTIONS, n_variants, prototype
    from emoshift.headmodel.model import HeadModel
    from emoshift.render.shape import render_shape_images

    hm = HeadModel.load(region="full")
    out.mkdir(parents=True, exist_ok=True)
    for emo in EMOTIONS[1:]:
        protos = [prototype(emo, v) for v in range(n_variants(emo))]
        gens = [gen.generate(f"Make this face {ADJECTIVES[emo][0]}.", seed=s)[0].expressions[0] for s in range(3)]
        with torch.no_grad():
            v = hm(expression=torch.from_numpy(np.stack(protos + gens))).vertices
        imgs = render_shape_images(v, hm.triangles, size=320)[:, 30:250, 50:270]
        Image.fromarray(np.concatenate(list(imgs), 1)).save(out / f"{emo}.png")
    print(f"wrote {out}/<emotion>.png (prototype variants, then seeds 0-2 of 'Make this face <adjective>.')")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="checkpoint (default: the shipped model)")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--control", action="store_true", help="also the paper's prior sampling of the same weights")
    ap.add_argument("--compare", help="another checkpoint to measure next to it (e.g. the previous shipped model)")
    ap.add_argument("--render", help="folder for grey-head PNGs")
    args = ap.parse_args()

    from emoshift.models.apex import measure_apex
    from emoshift.models.generator import Generator

    gen = Generator.load(args.model) if args.model else Generator.load_default()
    runs = [("model" if args.model else "shipped", gen)]
    if args.control:
        paper = {k: v for k, v in gen.meta.items() if k != "apex_gain"}  # the paper's sampling: no apex latents, no gain
        runs.append(("same weights, prior N(0,τ²I)", Generator(gen.model, gen.ned, gen.text_encoder, paper, {})))
    if args.compare:
        runs.append((f"compare {Path(args.compare).name}", Generator.load(args.compare, gen.text_encoder)))
    rows, extra = [], {"seeds": args.seeds, "model": args.model or "shipped"}
    for name, g in runs:
        res = measure_apex(g, seeds=args.seeds)
        extra[name] = res
        for emo, r in res.items():
            rows.append({"model": name, "emotion": emo, "strength_mean": r["strength_mean"],
                         "strength_p10": r["strength_p10"], "strength_min": r["strength_min"],
                         "reads_as_emotion": r["reads_as_emotion"], "variants": r["variants_used"],
                         "jaw_median": r["jaw_open_median"], "jaw_max": r["jaw_open_max"], "n": r["n"]})
    report("apex", rows, extra)
    if args.render:
        render(gen, Path(args.render))


if __name__ == "__main__":
    main()
