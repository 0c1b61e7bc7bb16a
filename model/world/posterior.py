"""`--parameters posterior` (the default of `run` and `compare`): each replicate draws one
calibrated posterior sample, so the bands of every figure include parameter uncertainty as
well as chance."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.vocabulary import InputError
from model.world.parameters import CALIBRATED_FILE, Parameters, load_calibrated

MODES: dict[str, str] = {
    "posterior": "each replicate draws one sample from the calibrated posterior "
    "(model/params/calibrated.yaml), so the bands and intervals carry parameter "
    "uncertainty as well as chance",
    "point": "every replicate uses the calibrated point estimates (posterior medians, or the "
    "hand defaults before calibration), so the bands and intervals show chance "
    "alone, not parameter uncertainty",
}
"""What each ``--parameters`` mode means, in the words the reports use."""


class NotCalibrated(InputError):
    """Posterior draws were asked for but no calibration file exists."""


@dataclass(frozen=True)
class PosteriorDraw:
    """Picks sample ``rng.integers(len(samples))`` for a replicate (picklable). Replicates
    that pick the same sample get the same Parameters object, so what the engine derives
    from a parameter set (its warm starts, its starting state) is looked up once."""

    base: Parameters
    names: tuple[str, ...]
    samples: np.ndarray  # (draws, len(names))
    _made: dict[int, Parameters] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, index: int, rng: np.random.Generator) -> Parameters:
        k = int(rng.integers(len(self.samples)))
        made = self._made.get(k)
        if made is None:
            values = map(float, self.samples[k])
            made = self._made[k] = self.base.replace(**dict(zip(self.names, values, strict=True)))
        return made


def has_posterior() -> bool:
    """Whether the calibration file holds posterior samples to draw from."""
    calibrated = load_calibrated()
    return bool(calibrated) and "samples" in calibrated


def posterior_draw() -> tuple[PosteriorDraw, dict]:
    """The posterior draw and its manifest description; NotCalibrated without a file."""
    calibrated = load_calibrated()
    if not calibrated or "samples" not in calibrated:
        raise NotCalibrated(
            f"{CALIBRATED_FILE}: no posterior samples; run `asean-sim "
            "calibrate` first or use --parameters point"
        )
    samples = calibrated["samples"]
    draw = PosteriorDraw(
        Parameters(), tuple(samples["names"]), np.asarray(samples["values"], dtype=float)
    )
    info = {
        "mode": "posterior",
        "source": str(CALIBRATED_FILE.name),
        "draws": len(draw.samples),
        "names": list(draw.names),
        "medians": {k: v["median"] for k, v in calibrated["parameters"].items()},
        "fixed": {k: v for k, v in draw.base.as_dict().items() if k not in draw.names},
    }
    return draw, info
