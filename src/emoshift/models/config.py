"""One flat configuration for the instruction-to-expression models and their training.

Flat on purpose: the evaluation's ablations (Tables V-VIII) flip single switches with
``dataclasses.replace(cfg, use_ifed=False)`` and a checkpoint stores it as one dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from emoshift.io import UserError

MODEL_TYPES = ("i2fet", "motionclip")


@dataclass(frozen=True)
class TrainConfig:
    # ---------------------------------------------------------------------------------- which model
    model: str = "i2fet"  # "i2fet" (ours, §III-B) or "motionclip" (the paper's baseline, §IV-B)

    # --------------------------------------------------------------------------------- data layout
    n_expression: int = 53  # ICT's 53 ARKit weights take the place of FLAME's 50 expression + 3 jaw
    pose_dim: int = 3  # the head model's only pose: head rotation, axis-angle radians
    max_slots: int = 3  # instructions name 1..3 emotions (m); unused slots are masked everywhere
    text_encoder: str = "minilm"  # spec for emoshift.text.encoder.load_text_encoder
    text_dim: int = 384  # per-token feature size of that encoder (MiniLM 384; CLIP ViT-L 768)

    # ----------------------------------------------------------------------------- IFED (eqs. 1-4)
    use_ifed: bool = True  # False = "w/o IFED" (Table V): conditions from the pooled text + slot index only
    n_face_layers: int = 2  # N: transformer layers of the facial-parameter branch (paper's best, Table VIII)
    n_text_layers: int = 1  # M: transformer layers of the text branch (paper's best, Table VIII)
    caft_layers: int = 1  # cross-attention (CAFT) layers; 1 is the paper's best (Table VII)
    d_face: int = 64  # width of the facial branch; 53 is prime, so tokens are embedded before attention
    d_text: int = 64  # width after the text projection P_t; small keeps CPU training within minutes
    n_heads: int = 4
    ff_mult: int = 2  # feed-forward width = ff_mult * d (CPU budget)
    dropout: float = 0.1
    # The conditional vectors x_emb^e, x_emb^p have the size of what they condition (paper: 50 and 6).
    cond_e_dim: int = 53
    cond_p_dim: int = 3

    # ---------------------------------------------------------------------------- CVAE (eqs. 5-10)
    latent_dim: int = 16  # 16-d latent per slot for expression and for pose (paper, eq. 7)
    hidden: int = 256  # MLP width of the encoders and decoders
    mlp_layers: int = 3  # the encoders/decoders are three-layer MLPs

    # -------------------------------------------------------------------------- losses (eqs. 11-15)
    use_pose_loss: bool = True  # L_p (Table VI ablation)
    use_vertex_loss: bool = True  # L_v through the ICT head (Tables V/VI ablation)
    kl_weight: float = 1.0  # eqs. 11-12 add the KL terms unweighted
    # eq. 15 adds L_v unweighted with FLAME in metres; ours is in cm² (10⁴× larger). 0.01 keeps L_v a
    # secondary term, as in the paper, instead of letting unpredictable head-pose scatter dominate
    vertex_weight: float = 0.01
    vertex_stride: int = 8  # L_v on every 8th face vertex (1.2k of 9.4k): same loss shape, 8x cheaper
    clip_weight: float = 1.0  # MotionCLIP-style baseline: weight of the cosine text-alignment loss

    # ------------------------------------------------------------------------ training (§IV-B)
    lr: float = 8e-4  # paper
    batch_size: int = 128  # paper (per process under DDP)
    epochs: int = 12  # paper: 200 epochs on a GPU; 12 fit the 20-minute CPU budget (resources/TRAINING.md)
    seed: int = 0
    ned_epochs: int = 60  # NED (§IV-F) trains on the (few) neutral frames
    checkpoint_every: int = 1  # epochs between resumable checkpoints

    def __post_init__(self) -> None:
        if self.model not in MODEL_TYPES:
            raise UserError(f"unknown model type '{self.model}'; use one of {', '.join(MODEL_TYPES)}")
        for name in ("n_face_layers", "n_text_layers", "caft_layers", "epochs", "batch_size", "latent_dim"):
            if getattr(self, name) < (0 if name in ("n_face_layers", "n_text_layers", "epochs") else 1):
                raise UserError(f"{name} must be positive, got {getattr(self, name)}")
        if self.d_face % self.n_heads or self.d_text % self.n_heads:
            raise UserError("d_face and d_text must be multiples of n_heads")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Ignores unknown keys so that older checkpoints still load."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
