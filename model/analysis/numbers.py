"""How compare's output prints numbers: one helper, so a value rounded to zero is written
``0`` and never ``-0`` (a reader takes ``-0 pts`` for a small negative effect)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def number(
    value: float | None,
    *,
    decimals: int | None = None,
    significant: int = 3,
    signed: bool = False,
    scale: float = 1.0,
    suffix: str = "",
    trim: bool = False,
) -> str:
    """``value * scale`` rounded to ``decimals`` places (else ``significant`` digits,
    never in exponent notation), with ``+`` on positive values when ``signed`` and
    without trailing zeros after the point when ``trim``.

    A value that rounds to zero prints as ``0`` (with the given decimals) and no sign;
    NaN, infinities and None print as ``n/a``.
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    x = float(value) * scale
    if decimals is None:
        magnitude = math.floor(math.log10(abs(x))) if x != 0 else 0
        decimals = min(6, max(0, significant - 1 - magnitude))
    text = f"{x:.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if float(text) == 0:
        text = text.lstrip("-")
    elif signed and not text.startswith("-"):
        text = "+" + text
    return text + suffix


def p_value(value: float) -> str:
    """A p-value: two significant digits, and ``<0.001`` below that."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return "<0.001" if value < 0.001 else number(value, significant=2)


def without_negative_zero(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose float columns hold +0.0 where they held -0.0 (CSV writers print the
    sign of a negative zero)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype=float)
            out[column] = np.where(values == 0, 0.0, values)
    return out
