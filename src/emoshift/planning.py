"""Planning: a parsed instruction and the photo's face -> the anchors an animation passes through.

The paper's Fig. 1/2 middle stage. A *planner* (:class:`Planner`) turns an :class:`Instruction` into one
expression (53,) and one head rotation (3,) per named emotion, relative to a frontal head:

- :class:`TrainedPlanner`: the trained generator (I2FET + NED, :class:`emoshift.models.generator.Generator`);
- :class:`PrototypePlanner`: the FACS prototypes and pose priors of :mod:`emoshift.emotions` (no model;
  the fallback while no trained checkpoint is installed).

:func:`make_plan` turns a planner's output into the anchors ``source -> e0 [-> neutral] -> e1 ...``:
the source is the photo's fitted face; a neutral face goes between two consecutive emotions (the
paper's "disgust to happiness via neutral"); each generated rotation is composed with the photo's own
(``R_anchor = R_source @ R_generated``: the head keeps facing where it faced and adds the emotion's nod
or tilt); a one-sided expression goes on the half of a turned face nearer the camera (:func:`toward_camera`);
the photo's gaze carries into every anchor (:func:`with_source_gaze`; one vertical gaze for both eyes,
:func:`conjugate_gaze`; a widened eye's downward gaze only
as far as it does not lower the widened lid, :func:`with_widened_gaze`), an anchor that does not widen
the eyes opens its lids no further than the photo's (:func:`with_source_lids`), fear's widened eyes
tense their lower lids (:func:`with_lid_tension`) under raised brows (:func:`with_brow_raise`), anger's upper
lids are held down by its brows, not lifted by the photo's upward gaze (:func:`with_level_glare`). Anger's jaw
and contempt's sideways pull of the mouth are the generator's own (retrained on its prototypes' bounds in
session 19, the apex latents that opened anger's jaw past them set aside, ``models.apex.apex_outliers``;
session 18 capped both here). On a photo looking steeply down (30-42 degrees off-axis and more) anger and disgust
take closed-mouth FACS displays' mouths (:meth:`emoshift.mouth_view.MouthView.shut_from_above`: an open mouth seen
from above reads as a laugh) and fear and surprise open theirs further (the jaw's drop is foreshortened), a one-sided
expression goes on the far half (:data:`FAR_SIDE_FROM_ABOVE`) and each anchor's mouth corners are lowered as far as
the view raises them on screen (:meth:`emoshift.mouth_view.MouthView.compensate`, given by the pipeline).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from emoshift.io import UserError

GENERATORS = ("auto", "generator", "prototype")


@dataclass(frozen=True)
class Instruction:
    """The user's text and its parse (:class:`emoshift.text.parser.ParsedInstruction`: ``emotions``,
    ``intensities``), made once by :meth:`emoshift.pipeline.Pipeline.parse` and passed on."""

    text: str
    parsed: Any


class Generated(Protocol):
    """What a planner returns per sample: ``parsed``, ``expressions`` (m, 53), ``rotations`` (m, 3)
    axis-angle relative to a frontal head, one row per emotion of ``parsed``."""

    parsed: Any
    expressions: np.ndarray
    rotations: np.ndarray


class Planner(Protocol):
    """Instruction -> per-emotion expressions and rotations (``n_samples`` seeded draws), and a neutral
    face (expression (53,), rotation (3,)). ``name`` is recorded in every plan."""

    name: str

    def generate(self, instruction: Instruction, seed: int = 0, n_samples: int = 1) -> Sequence[Generated]: ...

    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass
class Plan:
    """What to animate: the anchors the trajectory passes through.

    instruction: the user's text. parsed: its :class:`~emoshift.text.parser.ParsedInstruction`.
    generated_expressions (m, 53), generated_rotations (m, 3): the planner's raw output, one per emotion
    (rotations relative to a frontal head).
    expressions (n, 53), rotations (n, 3) absolute head rotation (axis-angle, camera frame), labels (n,):
    the anchors, starting with the source face ("source").
    generator: which planner made it ("generator:i2fet" etc. = a trained model, "prototype" = FACS prototypes).
    """

    instruction: str
    parsed: Any
    generated_expressions: np.ndarray
    generated_rotations: np.ndarray
    expressions: np.ndarray
    rotations: np.ndarray
    labels: list[str]
    generator: str
    variant: int = 0

    def anchors(self) -> list:
        """The anchors as :class:`emoshift.trajectory.Anchor` objects."""
        from emoshift.trajectory import Anchor

        return [Anchor(e, r, lab) for e, r, lab in zip(self.expressions, self.rotations, self.labels, strict=True)]

    def to_dict(self) -> dict:
        return {
            "instruction": self.instruction,
            "emotions": list(self.parsed.emotions),
            "read_as": [list(pair) for pair in getattr(self.parsed, "read_as", ())],  # misspelt words, as read
            "intensities": [float(x) for x in self.parsed.intensities],
            "anchors": list(self.labels),
            "generator": self.generator,
            "variant": self.variant,
        }


# --------------------------------------------------------------------------------------------- rotations


def euler_deg_to_axis_angle(pyr: np.ndarray) -> np.ndarray:
    """(..., 3) pitch, yaw, roll degrees -> (..., 3) float32 axis-angle radians (headmodel.ops conventions)."""
    from emoshift.rotations import euler_to_axis_angle

    return euler_to_axis_angle(np.asarray(pyr, np.float32))


def compose_rotations(source: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """``R_source @ R_relative`` for (3,) source and (m, 3) relative axis-angles -> (m, 3) float32."""
    from emoshift.rotations import compose

    return compose(np.asarray(source, np.float32), np.asarray(relative, np.float32))


# --------------------------------------------------------------------------------------------- planners


@dataclass
class PrototypePlan:
    """A :class:`Generated` from :class:`PrototypePlanner`."""

    parsed: Any
    expressions: np.ndarray
    rotations: np.ndarray


class PrototypePlanner:
    """A planner without a trained model: each named emotion's FACS prototype and pose prior.

    The variant of each prototype and the head pose (drawn from the emotion's pose prior) come from
    ``seed`` and the sample index, so samples differ and a seed reproduces them.
    """

    name = "prototype"

    def generate(self, instruction: Instruction, seed: int = 0, n_samples: int = 1) -> list[PrototypePlan]:
        from emoshift.emotions import n_variants, pose_prior
        from emoshift.text.lexicon import anchor_expression

        parsed = instruction.parsed
        entries = list(getattr(parsed, "entries", None) or [()] * len(parsed.emotions))
        out = []
        for k in range(n_samples):
            rng = np.random.default_rng([seed, k])
            exprs, pyrs = [], []
            for emo, inten, phrases in zip(parsed.emotions, parsed.intensities, entries, strict=True):
                variant = 0 if k == 0 else int(rng.integers(n_variants(emo)))
                exprs.append(anchor_expression(emo, list(phrases), inten, variant))  # lexicon words ("wink") too
                mean, std = pose_prior(emo)
                pyrs.append(mean + (std * rng.standard_normal(3) if k > 0 else 0.0))
            out.append(PrototypePlan(parsed, np.stack(exprs), euler_deg_to_axis_angle(np.stack(pyrs))))
        return out

    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        from emoshift.emotions import prototype

        return prototype("neutral"), np.zeros(3, np.float32)


class TrainedPlanner:
    """A trained :class:`emoshift.models.generator.Generator` as a :class:`Planner`; ``name`` is
    ``"generator:<model>"`` (e.g. ``generator:i2fet``) from the checkpoint's config."""

    def __init__(self, generator: Any):
        self.generator = generator
        self.name = f"generator:{generator.model.cfg.model}"

    def generate(self, instruction: Instruction, seed: int = 0, n_samples: int = 1) -> Sequence[Generated]:
        # The generator conditions on the text encoder's features of the sentence itself, its misspelt
        # words read as the parser read them ("from sad to hapy" is encoded as "from sad to happy").
        text = getattr(instruction.parsed, "corrected_text", instruction.text)
        plans = self.generator.generate(text, seed=seed, n_samples=n_samples)
        if text != instruction.text:  # the plans record the user's parse (its read_as), not the corrected text's
            plans = [replace(p, parsed=instruction.parsed) for p in plans]
        return plans

    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        return self.generator.neutral(seed)

    def warm_up(self) -> None:
        """Load the (lazy) text encoder now, not on the first instruction."""
        _ = self.generator.text_encoder


def load_planner(generator: str = "auto", checkpoint: str | None = None) -> Planner:
    """The planner: the trained generator (the shipped checkpoint, or ``checkpoint``), or with
    ``"auto"`` and no checkpoint installed / ``"prototype"``, the FACS prototypes (a warning says so)."""
    if generator not in GENERATORS:
        raise UserError(f"generator must be auto, generator or prototype, got '{generator}'")
    if checkpoint is not None:
        if generator == "prototype":
            raise UserError("a model checkpoint and generator=prototype exclude each other")
        from emoshift.models.generator import Generator

        planner = TrainedPlanner(Generator.load(checkpoint))
        planner.warm_up()
        return planner
    if generator == "prototype":
        return PrototypePlanner()
    try:
        from emoshift.models.generator import Generator

        gen = Generator.load_default()
    except (ImportError, OSError, UserError) as err:
        if generator == "generator":
            raise UserError(f"the trained generator is not available ({err})") from None
        warnings.warn(f"trained generator not available ({err}); planning from FACS prototypes", stacklevel=2)
        return PrototypePlanner()
    planner = TrainedPlanner(gen)
    planner.warm_up()
    return planner


# --------------------------------------------------------------------------------------------- anchors


def gaze_channels() -> np.ndarray:
    """Indices of the eight eyeLook* blendshapes. Gaze is where the person looks, not an emotion: the
    generator's gaze (zero but for cues such as sadness's downcast eyes) is added to the photo's."""
    from emoshift.emotions import EXPRESSION_NAMES

    return np.array([i for i, n in enumerate(EXPRESSION_NAMES) if n.startswith("eyeLook")])


def with_source_gaze(targets: np.ndarray, source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions with the photo's gaze added to their own (:func:`gaze_channels`), clipped
    to [0, 1]: what the animation shows at each anchor (the generated gaze is relative to the photo's)."""
    out = np.array(targets, np.float32).reshape(-1, 53)
    gaze = gaze_channels()
    out[:, gaze] += np.asarray(source_expression, np.float32).reshape(53)[gaze]
    return out.clip(0.0, 1.0)


#: Vertical gaze is conjugate (Hering's law: both eyes look equally far up or down), so a fit whose two eyes look
#: opposite ways vertically, each at least this far (eyeLookUp - eyeLookDown of that eye), has fitted one eye's lid
#: as gaze (:func:`conjugate_gaze`).
CONJUGATE_SPLIT = 0.3


def conjugate_gaze(source_expression: np.ndarray) -> np.ndarray:
    """(53,) float32 the photo's expression with the gaze its anchors carry (:func:`with_source_gaze`,
    :func:`with_widened_gaze`): where its two eyes' vertical gazes (eyeLookUp - eyeLookDown) point opposite ways,
    each at least CONJUGATE_SPLIT, the eye fitted looking up takes the other's eyeLookUp / eyeLookDown. The eyes
    turn up and down together; a lid lowered over a closed eye fits as a downward gaze, and an upward one on the
    other eye is the fit of a guessed opening: dev11 (looking down past the camera, both eyes closed under lowered
    lids, MediaPipe's contour of the far eye a guessed opening) fits eyeLookUp_R 0.87 against eyeLookDown_L 0.69.
    The head model's eyeLook* move its lids only, so carried into the anchors that upward gaze held the far upper
    lid raised while the smile's cheekSquint left it (sadness, anger, contempt): the lowered lids' painted eyeball
    showed through as a dark hole (an iris looking up at fear and surprise). Taking the other eye's gaze lowers that
    lid by the fitted upward gaze (the photo's own, ``source_expression``, is unchanged). The 11 other development
    photos and the two samples fit both eyes looking up (0.02-1; dev05 0.71 and 1, dev02 0.12 and 1): unchanged."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    out = np.array(source_expression, np.float32).reshape(53)
    up = [names.index(f"eyeLookUp_{s}") for s in ("L", "R")]
    down = [names.index(f"eyeLookDown_{s}") for s in ("L", "R")]
    v = out[up] - out[down]
    if min(abs(float(v[0])), abs(float(v[1]))) < CONJUGATE_SPLIT or v[0] * v[1] >= 0:
        return out
    k, other = (0, 1) if v[0] > 0 else (1, 0)  # k looks up
    out[up[k]], out[down[k]] = out[up[other]], out[down[other]]
    return out


#: An anchor's eye counts as widened (fear, surprise, anger's glare: AU5) when its eyeWide is at least this.
WIDE_MIN = 0.15


def blink_channels() -> tuple[np.ndarray, np.ndarray]:
    """Indices of (eyeBlink_L, eyeBlink_R) and of (eyeWide_L, eyeWide_R)."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    return (np.array([names.index("eyeBlink_L"), names.index("eyeBlink_R")]),
            np.array([names.index("eyeWide_L"), names.index("eyeWide_R")]))  # fmt: skip


def with_source_lids(targets: np.ndarray, source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions whose eyes are not widened (eyeWide below WIDE_MIN, per eye) with their
    eyeBlink at least the photo's: a face that does not widen its eyes opens them no further than the photo
    shows them. The photo's resting lid (a half-lidded look, hooded lids) is the person's, as the gaze is;
    the generator's eyeBlink (0 but for cues such as contempt's lowered lids) replaced it, and sadness,
    disgust and happiness raised dev01's half-lowered lids (eyeBlink 0.24 to 0) by 3-4 pixels, so the
    renderer painted an eyeball she never showed. Lids that close or narrow further follow the target (the
    target is absolute, issue 11 part 3); a widened eye's lids are the target's (surprise opens them fully)."""
    out = np.array(targets, np.float32).reshape(-1, 53)
    blink, wide = blink_channels()
    src = np.asarray(source_expression, np.float32).reshape(53)
    calm = out[:, wide] < WIDE_MIN
    out[:, blink] = np.where(calm, np.maximum(out[:, blink], src[blink]), out[:, blink])
    return out.clip(0.0, 1.0)


#: Lip roll channels carried from a smiling photo into its anchors (:func:`with_source_lip_roll`).
LIP_ROLL = ("mouthRollUpper", "mouthRollLower")
#: Mean mouthSmile_L/R of the photo's fit over which its lip roll is carried: none at [0], all of it from [1]
#: (the development photos that smile fit 0.51-0.76, the neutral ones 0-0.20).
ROLL_SMILE_RANGE = (0.3, 0.5)


def with_source_lip_roll(targets: np.ndarray, source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions whose mouthRollUpper / mouthRollLower are at least the photo's times how much
    the photo smiles (smoothstep of its mean mouthSmile over :data:`ROLL_SMILE_RANGE`), clipped to [0, 1].

    A laugh stretches the lips thin; ICT's smile barely thins them (mouthSmile at 0.7 takes 3% off the upper
    lip's middle, mouthStretch nothing), so the fit of a laughing photo rolls the lips in to reach the thin lips
    it sees, over an identity whose rest lips are thicker: dev06 (laughing, teeth shown) fits mouthRollUpper
    0.21 / mouthRollLower 0.28 over the thickest rest upper lip of the 12 development photos (0.098 of the eye
    corners' distance; ICT's identities 0.077 +- 0.018). Every anchor the generator makes has roll near 0
    (0.002-0.008), so every non-smiling target unrolled them: face-on the upper lip at the middle grew 1.36x and
    the lower 1.27x (the roll alone; dev04, dev12, fitted without roll, 0.96-1.04x at sadness), and on screen
    (``bench/bench_laugh_lips.py``: the frame's lip as drawn over the photo's) dev06's thin laughing upper lip
    was stretched 1.57-1.58x at sadness (dev04 1.37), a thick, everted upper lip over a pout (the blind panels
    read dev06's sadness as disgust 25 times of 26: "mouth and chin distorted"); kept, 1.36-1.38. So the roll a
    smiling photo's fit shows is taken as the person's lips as photographed (as its gaze and resting lids are,
    :func:`with_source_gaze`, :func:`with_source_lids`) and the lips keep the photo's thickness; anchors that roll
    further keep theirs. Neutral photos (dev01 0.03 / 0.13, dev08 0 / 0.19) keep the generated roll."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    out = np.array(targets, np.float32).reshape(-1, 53)
    src = np.asarray(source_expression, np.float32).reshape(53)
    smile = 0.5 * (float(src[names.index("mouthSmile_L")]) + float(src[names.index("mouthSmile_R")]))
    x = float(np.clip((smile - ROLL_SMILE_RANGE[0]) / (ROLL_SMILE_RANGE[1] - ROLL_SMILE_RANGE[0]), 0.0, 1.0))
    share = np.float32(x * x * (3.0 - 2.0 * x))
    if share > 0:
        roll = [names.index(n) for n in LIP_ROLL]
        out[:, roll] = np.maximum(out[:, roll], share * src[roll])
    return out.clip(0.0, 1.0)


def with_widened_gaze(targets: np.ndarray, source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions whose widened eyes (eyeWide at least WIDE_MIN, per eye) carry the photo's
    eyeLookDown (``source_expression``'s, :func:`with_source_gaze`) only times 1 - that eye's eyeWide. The head
    model's eyeLook* channels move its lids only (its eyeballs do not turn: the iris vertices' displacement in
    them is 0), so the photo's downward gaze carried into an anchor only lowers the upper lid that AU5 raises:
    dev11 (fitted eyeLookDown_L 0.69, looking down past the camera) opened its left upper lid 18.8 px at fear
    instead of 28.9 without it, 1720 eyeball pixels instead of 2175, too little for an iris with white above it
    (a widened eye shows white above the iris even looking down: the stare of fear and surprise). The
    generator's own gaze and eyes that do not widen are kept (a photo without a downward gaze plans as before)."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    out = np.array(targets, np.float32).reshape(-1, 53)
    src = np.asarray(source_expression, np.float32).reshape(53)
    for side in ("L", "R"):
        down, wide = names.index(f"eyeLookDown_{side}"), names.index(f"eyeWide_{side}")
        if src[down] <= 0.0:
            continue
        w = out[:, wide]
        out[:, down] -= np.where(w >= WIDE_MIN, np.clip(w, 0.0, 1.0), 0.0) * src[down]
    return out.clip(0.0, 1.0)


#: Emotions whose glare holds the upper lid down (:func:`with_level_glare`).
GLARE_EMOTIONS = ("anger",)


def with_level_glare(targets: np.ndarray, labels: Sequence[str], source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions of the emotions ``labels`` (m,) whose :data:`GLARE_EMOTIONS` anchors carry none
    of the photo's upward gaze (``source_expression``'s eyeLookUp, added by :func:`with_source_gaze`; the
    generator's own is kept), clipped to [0, 1]. Anger glares from under brows drawn down (AU4) over tightened lids
    (AU7): the lowered brow holds the upper lid down on the iris (Ekman & Friesen, *Unmasking the Face*, 1975,
    ch. 7). The head model's eyeLook* move its lids only, and fits lift the upper lid with eyeLookUp where the
    photo's lid sits above the model's (11 of the 12 development photos, 0.02-1), so carried into anger's anchor
    with its AU5 trace the lid rose past the photo's iris: on dev07 (fitted eyeLookUp 1.0 / 0.62, looking down to
    the side) 0.33 / 0.23 iris radii of painted eyeball above the iris under the squint (an eye rolled up, read as
    disgust 20 of 24 times over panels 54-59), where without it the lid covers the iris's top (-0.05 / -0.41), as
    on the frontal faces (apex renders of the 12 development photos, seed 0: the most white above either iris
    +0.33 before, -0.05 after; dev04 -0.13 / -0.14 -> -0.39 / -0.47, dev09 -0.03 / -0.20 -> -0.46 / -0.51). On the
    head model the anchor's upper lid stays where a level fit puts it (the former one rose 0.19 cm at eyeLookUp 1).
    The generator's own gaze, the downward gaze and the other emotions' lids are kept."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    out = np.array(targets, np.float32).reshape(-1, 53)
    src = np.asarray(source_expression, np.float32).reshape(53)
    rows = np.array([label in GLARE_EMOTIONS for label in labels], bool)
    for side in ("L", "R"):
        up = names.index(f"eyeLookUp_{side}")
        out[rows, up] -= max(float(src[up]), 0.0)
    return out.clip(0.0, 1.0)


def _floor_by(targets: np.ndarray, labels: Sequence[str], table: dict[str, float], stem: str,
              by: str = "eyeWide") -> np.ndarray:
    """(m, 53) ``targets`` of the emotions ``labels`` (m,) with each side's ``{stem}_L/R`` at least ``table`` of the
    emotion x that side's ``{by}_L/R``, clipped to [0, 1]; emotions not in ``table`` keep theirs."""
    from emoshift.emotions import EXPRESSION_NAMES

    names = list(EXPRESSION_NAMES)
    out = np.array(targets, np.float32).reshape(-1, 53)
    share = np.float32([table.get(label, 0.0) for label in labels])
    for side in ("L", "R"):
        ch, src = names.index(f"{stem}_{side}"), names.index(f"{by}_{side}")
        out[:, ch] = np.maximum(out[:, ch], share * out[:, src])
    return out.clip(0.0, 1.0)


def with_glare(targets: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(m, 53) target expressions of the emotions ``labels`` (m,) that stare from under lowered brows: eyeWide at
    least :data:`emoshift.emotions.GLARE_WIDE` of the emotion x that side's browDown (anger's AU5 with its AU4; a
    weaker scowl, a weaker stare) and eyeSquint (AU7) times :data:`emoshift.emotions.GLARE_SQUINT_KEPT`: a hard
    stare, not disgust's squint. Clipped to [0, 1]; emotions not listed keep theirs."""
    from emoshift.emotions import EXPRESSION_NAMES, GLARE_SQUINT_KEPT, GLARE_WIDE

    out = _floor_by(targets, labels, GLARE_WIDE, "eyeWide", by="browDown")
    kept = np.float32([GLARE_SQUINT_KEPT.get(label, 1.0) for label in labels])
    for side in ("L", "R"):
        out[:, EXPRESSION_NAMES.index(f"eyeSquint_{side}")] *= kept
    return out


def with_lid_tension(targets: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(m, 53) target expressions of the emotions ``labels`` (m,) with the lower lids of a widened eye tensed:
    eyeSquint at least :data:`emoshift.emotions.WIDENED_LID_TENSION` of the emotion x that eye's eyeWide (fear's
    AU7 with its AU5; a weaker widening, a weaker tension), clipped to [0, 1]. Emotions not listed (surprise's
    relaxed lower lid) and eyes that do not widen keep theirs."""
    from emoshift.emotions import WIDENED_LID_TENSION

    return _floor_by(targets, labels, WIDENED_LID_TENSION, "eyeSquint")


def with_brow_raise(targets: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(m, 53) target expressions of the emotions ``labels`` (m,) with the brows raised above a widened eye:
    browOuterUp at least :data:`emoshift.emotions.WIDENED_BROW_RAISE` of the emotion x that side's eyeWide (fear's
    AU2 with its AU5, so the brow stays above the risen lid; a weaker widening, a weaker raise), clipped to [0, 1].
    Emotions not listed and eyes that do not widen keep theirs; browDown (fear's brows drawn together) is kept."""
    from emoshift.emotions import WIDENED_BROW_RAISE

    return _floor_by(targets, labels, WIDENED_BROW_RAISE, "browOuterUp")


#: A one-sided expression (contempt's smirk) is shown on the half of the face nearer the camera when the
#: photo's head is turned by NEAR_SIDE_YAW_DEG or more: on the far half it is foreshortened (a dimple seen
#: edge-on, a corner hidden behind the cheek) and its warp runs into the face's outline; blind labellers read
#: far-side contempt on turned faces as neutral (issue 11 panels 12-13: 8 of 8 on dev10, yaw -22 degrees).
#: Below this angle both halves show and the side stays the generator's choice (variety between seeds).
NEAR_SIDE_YAW_DEG = 10.0
#: Seen steeply from above (:meth:`emoshift.mouth_view.MouthView.from_above`) a one-sided expression goes on the far
#: half instead: the view raises both corners on screen, and the smirk's raised corner on the near half, in full view
#: beside the cheek, drew the whole mouth into one arc rising to that side, a grin (dev05's contempt read as
#: happiness 23 of ~26 labels over panels 45-50, dev11's 10). On the far half the smirk's corner is tucked by the
#: nose and the near corner shows contempt's other corner lowered (AU15; measured in ``bench/bench_view_mouth.py``).
FAR_SIDE_FROM_ABOVE = True
#: An expression is one-sided when one half's channels outweigh the other's by this fraction of their sum
#: (:func:`lateral_balance`; the shipped generator's contempt 0.16-0.34, median 0.29, over seeds 0-11 of three
#: adjectives, the other emotions' 0.028 or less. 0.2 until session 19: the generator before it, trained on the
#: 0.8 sideways pull of the whole mouth, gave contempt 0.36-0.49, and with the 0.25 pull 2 of 36 anchors fell
#: below 0.2 and would have stayed on the far half of a turned face).
ONE_SIDED = 0.1


def lateral_balance(expression: np.ndarray) -> float:
    """(53,) -> (L - R) / (L + R) over the paired channels but gaze (+1: all on the subject's left, ``_L``
    and ``mouthLeft``; 0: symmetric)."""
    from emoshift.emotions import EXPRESSION_NAMES, MIRROR

    x = np.asarray(expression, np.float64).reshape(-1)
    left = [i for i, n in enumerate(EXPRESSION_NAMES) if MIRROR[i] != i and n.endswith(("_L", "Left"))]
    left = [i for i in left if not EXPRESSION_NAMES[i].startswith("eyeLook")]
    a, b = x[left].sum(), x[[MIRROR[i] for i in left]].sum()
    return float((a - b) / max(a + b, 1e-6))


def toward_camera(
    expression: np.ndarray, rotation: np.ndarray, source_rotation: np.ndarray, far: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A one-sided expression (53,) and its relative rotation (3,) mirrored onto the half of the face that
    is nearer the camera in the photo (absolute ``source_rotation`` (3,)), when the head is turned by
    :data:`NEAR_SIDE_YAW_DEG` or more; otherwise returned unchanged.

    Positive yaw turns the face to the subject's left, so the camera sees more of its right half
    (:func:`emoshift.rotations.matrix_to_euler`). Mirroring swaps ``_L`` / ``_R`` channels
    (:data:`emoshift.emotions.MIRROR`) and reflects the rotation in the sagittal plane (yaw and roll
    change sign, pitch stays: axis-angle (x, -y, -z)).

    ``far``: the half further from the camera instead, for a face seen steeply from above
    (:meth:`emoshift.mouth_view.MouthView.from_above`, :data:`FAR_SIDE_FROM_ABOVE`)."""
    from emoshift.emotions import MIRROR
    from emoshift.rotations import axis_angle_to_matrix, matrix_to_euler

    e = np.asarray(expression, np.float32).reshape(53)
    r = np.asarray(rotation, np.float32).reshape(3)
    yaw = float(matrix_to_euler(axis_angle_to_matrix(np.asarray(source_rotation, np.float64).reshape(1, 3)))[0, 1])
    balance = lateral_balance(e)
    if abs(yaw) < NEAR_SIDE_YAW_DEG or abs(balance) < ONE_SIDED:
        return e, r
    near_is_left = yaw < 0  # turned to the subject's right: its left half faces the camera
    if (balance > 0) == (near_is_left != bool(far)):
        return e, r
    return e[list(MIRROR)].copy(), r * np.array([1.0, -1.0, -1.0], np.float32)


def neutral_between(emotions: Sequence[str]) -> list[bool]:
    """Per emotion: whether a neutral anchor goes before it (two consecutive non-neutral emotions)."""
    return [i > 0 and emo != "neutral" and emotions[i - 1] != "neutral" for i, emo in enumerate(emotions)]


def make_plan(
    instruction: str,
    generated: Generated,
    source_expression: np.ndarray,
    source_rotation: np.ndarray,
    neutral: tuple[np.ndarray, np.ndarray] | None,
    generator: str,
    variant: int = 0,
    view: Any = None,
) -> Plan:
    """Anchors from a generated plan: source, then each emotion, a neutral face between two emotions.

    Args:
        generated: ``parsed`` (emotions, intensities), ``expressions`` (m, 53), ``rotations`` (m, 3)
            (relative to a frontal head).
        source_expression (53,), source_rotation (3,): the photo's fitted face (absolute rotation); its
            gaze carries into every anchor (:func:`gaze_channels`).
        neutral: (expression (53,), rotation (3,) relative) inserted where :func:`neutral_between` says,
            or None for direct transitions (``neutral=False``).
        view: the photo's :class:`emoshift.mouth_view.MouthView` (or None): on a face seen steeply from above,
            anger's and disgust's mouths shut, fear's and surprise's open further
            (:meth:`~emoshift.mouth_view.MouthView.shut_from_above`), a smirk
            on the far half (:data:`FAR_SIDE_FROM_ABOVE`) and each anchor's mouth corners are lowered as far as
            the view raises them on screen
            (:meth:`~emoshift.mouth_view.MouthView.compensate`; near-frontal photos unchanged).
    """
    emotions = list(generated.parsed.emotions)
    gen_e = np.asarray(generated.expressions, np.float32).reshape(-1, 53)
    gen_r = np.asarray(generated.rotations, np.float32).reshape(-1, 3)
    if len(gen_e) != len(emotions) or len(gen_r) != len(emotions):
        raise ValueError(f"planner gave {len(gen_e)} expressions for {len(emotions)} emotions")
    exprs, rels, labels = [], [], []
    for i, (emo, before) in enumerate(zip(emotions, neutral_between(emotions), strict=True)):
        if neutral is not None and before:
            exprs.append(np.asarray(neutral[0], np.float32))
            rels.append(np.asarray(neutral[1], np.float32))
            labels.append("neutral")
        far = FAR_SIDE_FROM_ABOVE and view is not None and view.from_above(source_rotation)
        e, r = toward_camera(gen_e[i], gen_r[i], source_rotation, far)
        exprs.append(e)
        rels.append(r)
        labels.append(emo)
    src_e = np.asarray(source_expression, np.float32).reshape(53)
    src_r = np.asarray(source_rotation, np.float32).reshape(3)
    gaze_e = conjugate_gaze(src_e)  # the eyes look up or down together
    targets = with_source_gaze(np.stack(exprs), gaze_e)  # generated gaze is relative to the photo's
    targets = with_source_lids(targets, src_e)  # calm eyes open no further than the photo's
    targets = with_source_lip_roll(targets, src_e)  # a smiling photo's lips keep their photographed thickness
    targets = with_widened_gaze(targets, gaze_e)  # a downward gaze's lid does not hold a widened eye's down
    targets = with_level_glare(targets, labels, gaze_e)  # anger's lowered brows hold its upper lids down
    targets = with_glare(targets, labels)  # and its upper lids raised under them: a stare, not a squint
    targets = with_lid_tension(targets, labels)  # fear's widened eyes with tensed lower lids
    targets = with_brow_raise(targets, labels)  # and fear's brows raised above them
    rotations = np.concatenate([src_r[None], compose_rotations(src_r, np.stack(rels))])
    if view is not None:  # seen from above a mouth curves up: FACS variants' mouths, corners lowered by the view's rise
        targets = view.shut_from_above(targets, labels, rotations[1:], src_r)
        targets = view.compensate(targets, labels, rotations[1:], src_r)
        targets = view.raise_from_below(targets, labels, rotations[1:], src_r)  # from below it curves down
    return Plan(
        instruction=instruction,
        parsed=generated.parsed,
        generated_expressions=gen_e,
        generated_rotations=gen_r,
        expressions=np.concatenate([src_e[None].clip(0.0, 1.0), targets]),
        rotations=rotations,
        labels=["source", *labels],
        generator=generator,
        variant=variant,
    )
