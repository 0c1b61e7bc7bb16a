"""The model's free parameters: specs from ``params/defaults.yaml``, values in one object.

The YAML file is the single place where each parameter is defined (value, range,
meaning). A calibrated file (``params/calibrated.yaml``, written by ``asean-sim
calibrate``) overlays the hand defaults when present, and a scenario may override
individual values within their ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

PARAMS_DIR = Path(__file__).resolve().parents[1] / "params"
DEFAULTS_FILE = PARAMS_DIR / "defaults.yaml"
CALIBRATED_FILE = PARAMS_DIR / "calibrated.yaml"


@dataclass(frozen=True)
class ParameterSpec:
    """What a parameter means and where it may lie."""

    name: str
    default: float
    low: float
    high: float
    meaning: str
    fit: bool


@cache
def specs() -> dict[str, ParameterSpec]:
    """Every parameter's spec, in file order."""
    raw = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return {
        name: ParameterSpec(
            name,
            float(e["value"]),
            float(e["range"][0]),
            float(e["range"][1]),
            str(e["meaning"]),
            bool(e.get("fit", False)),
        )
        for name, e in raw.items()
    }


class Parameters(Mapping[str, float]):
    """An immutable, validated set of parameter values with attribute access."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, float] | None = None):
        table = specs()
        merged = {name: spec.default for name, spec in table.items()}
        for name, value in (values or {}).items():
            if name not in table:
                raise KeyError(name)
            merged[name] = float(value)
        object.__setattr__(self, "_values", merged)

    def __getattr__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters are immutable; use replace()")

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Parameters({self._values!r})"

    def __reduce__(self):
        return (Parameters, (dict(self._values),))

    def replace(self, **changes: float) -> Parameters:
        """A copy with some values changed."""
        return Parameters({**self._values, **changes})

    def as_dict(self) -> dict[str, float]:
        return dict(self._values)


def load_calibrated(path: Path | None = None) -> dict[str, Any] | None:
    """The calibration file's content, or None when the model has not been calibrated.

    Parsed once per file version: every replicate of every sweep asks for it.
    """
    path = CALIBRATED_FILE if path is None else path
    if not path.is_file():
        return None
    return _parse(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _parse(path: str, mtime_ns: int) -> dict[str, Any]:
    # libyaml's parser when PyYAML has it: the posterior's particles take a quarter of a
    # second to read in pure Python, and every worker process reads them once
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)


def default_parameters() -> Parameters:
    """Calibrated point estimates (posterior medians) when available, else hand defaults."""
    path = CALIBRATED_FILE
    if not path.is_file():
        return Parameters()
    return _medians(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _medians(path: str, mtime_ns: int) -> Parameters:
    calibrated = _parse(path, mtime_ns)
    return Parameters({k: v["median"] for k, v in calibrated.get("parameters", {}).items()})
