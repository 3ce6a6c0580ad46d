"""Diversity and crispness of I2FET's samples: does ``--samples K`` give K different, clear expressions?

For each instruction, 16 seeds (``Generator.generate(text, seed=s)``) give 16 anchors per emotion.

- diversity: per-weight std of the 53 expression weights across the seeds (mean over weights, and the
  largest), and the std of the head rotation in degrees (mean over the three axes);
- crispness: each sample's cosine similarity to the NEAREST single EMFACS variant of its emotion
  (``emotions.prototype(e, v)``), averaged over samples, next to the same for the mean of the samples (what
  a collapsed model outputs every time); ``off_*`` = sqrt(1 - cos²), the relative distance from the
  variant's ray (intensity does not count), which separates values near cos 1; ``variants`` counts which
  variant each sample is nearest to; ``closer_than_mean`` the share of samples nearer a variant than the mean.

A collapsed model has std ≈ 0 and sample cosine == mean cosine; a good one has a clear std, each sample
closer to one variant than the average is, and several variants used.

    .venv/bin/python bench/bench_diversity.py [--model PATH] [--paper-prior] [--compare PATH --compare-label paper-mse]
"""

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

INSTRUCTIONS = [
    "Turn this face from disgust to happiness.",
    "Transform this face from anger to surprise.",
    "Change this face from fear to sadness.",
    "Make him look contemptuous.",
    "She starts happy, becomes disgusted, and ends up angry.",
]


def crispness(expressions, emotion: str):
    """(S,53) samples of one emotion -> (S,) cosine to the nearest variant, (S,) index of that variant."""
    import numpy as np

    from emoshift.emotions import n_variants, prototype

    protos = np.stack([prototype(emotion, v) for v in range(n_variants(emotion))])
    protos = protos / np.linalg.norm(protos, axis=1, keepdims=True)
    x = expressions / np.maximum(np.linalg.norm(expressions, axis=1, keepdims=True), 1e-9)
    cos = x @ protos.T
    return cos.max(1), cos.argmax(1)


def recon_loss(path) -> str:
    """The checkpoint's reconstruction loss; checkpoints from before the switch used the paper's MSE."""
    import torch

    from emoshift.models.generator import default_checkpoint_path

    d = torch.load(path or default_checkpoint_path(), weights_only=True, map_location="cpu")
    return d["model"]["config"].get("recon_loss", "mse")


def measure(gen, label: str, seeds: int) -> list[dict]:
    import numpy as np

    rows = []
    for text in INSTRUCTIONS:
        plans = [gen.generate(text, seed=s)[0] for s in range(seeds)]
        e = np.stack([p.expressions for p in plans])  # (S, m, 53)
        r = np.degrees(np.stack([p.rotations for p in plans]))  # (S, m, 3), small angles: ~degrees per axis
        for i, emotion in enumerate(plans[0].parsed.emotions):
            if emotion == "neutral":
                continue
            cos, which = crispness(e[:, i], emotion)
            cos_mean, _ = crispness(e[:, i].mean(0, keepdims=True), emotion)
            std = e[:, i].std(0)
            rows.append({
                "model": label, "instruction": text[:40], "emotion": emotion,
                "std_mean": float(std.mean()), "std_max": float(std.max()),
                "pose_std_deg": float(r[:, i].std(0).mean()),
                "cos_samples": float(cos.mean()), "cos_of_mean": float(cos_mean[0]),
                "off_samples": float(np.sqrt(1 - np.minimum(cos, 1) ** 2).mean()),
                "off_of_mean": float(np.sqrt(1 - min(cos_mean[0], 1) ** 2)),
                "closer_than_mean": float((cos > cos_mean[0]).mean()),
                "variants": "/".join(str(int((which == v).sum())) for v in range(int(which.max(initial=0)) + 1)
                                     ) if len(which) else "",
            })  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model.pt (default: the shipped checkpoint)")
    ap.add_argument("--label", default="shipped")
    ap.add_argument("--compare", help="a second model.pt to measure next to it (e.g. the paper's MSE loss)")
    ap.add_argument("--compare-label", default="compare")
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--paper-prior", action="store_true",
                    help="also sample the model at temperature 1 (z ~ N(0, I)) instead of its configured one")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from dataclasses import replace

    import numpy as np

    from emoshift.models.generator import Generator

    gen = Generator.load(args.model) if args.model else Generator.load_default()
    models = [(args.label, gen, args.model)]
    if args.paper_prior:  # the same weights sampled from N(0, I), the paper's prior
        hot = Generator.load(args.model) if args.model else Generator.load_default()
        hot._encoder = gen.text_encoder
        hot.model.cfg = replace(hot.model.cfg, sample_temperature_e=1.0, sample_temperature_p=1.0)
        models.append((f"{args.label} τ=1", hot, args.model))
    if args.compare:
        models.append((args.compare_label, Generator.load(args.compare, text_encoder=gen.text_encoder), args.compare))
    rows, summary = [], {}
    for label, g, path in models:
        mine = measure(g, label, args.seeds)
        rows += mine
        summary[label] = {
            "recon_loss": recon_loss(path),
            "temperature": [g.model.cfg.sample_temperature_e, g.model.cfg.sample_temperature_p],
            **{k: float(np.mean([r[k] for r in mine]))
               for k in ("std_mean", "std_max", "pose_std_deg", "cos_samples", "cos_of_mean", "off_samples",
                                    "off_of_mean", "closer_than_mean")},
        }  # fmt: skip
    report("diversity", rows, {"seeds": args.seeds, "instructions": INSTRUCTIONS, "summary": summary})
    for label, s in summary.items():
        print(f"{label}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()))


if __name__ == "__main__":
    main()
