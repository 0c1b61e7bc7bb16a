"""CSV text built column by column with pyarrow, in the bytes the row-by-row writer gave.

The numbers of the results CSVs are written as ``"%.6g" % value`` (six significant
digits, trailing zeros dropped, exponent form below 1e-4 and from 1e6, e.g. ``0.123457``,
``3``, ``1e-05``, ``1.5e+06``), missing values as empty fields, integers as digits and
text with the quoting of Python's ``csv`` module (a field is quoted only when it holds a
comma, a quote or a line break). Formatting a million numbers one by one in Python costs
seconds, so here whole columns are rounded to six significant digits in numpy and turned
into text by Arrow, whose shortest round-trip form of a value rounded to six digits is
that ``%.6g`` text; the values where the two can differ (exponent form, exact ties of the
rounding) are few and are formatted by Python itself. tests/test_tables.py checks the
result against ``%.6g`` on values of every magnitude.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_POW10 = 10.0 ** np.arange(0, 10)
"""Scales for the six-digit rounding of values in [1e-4, 1e6): 10**(5 - exponent)."""


def g6(values: np.ndarray) -> pa.StringArray:
    """``"%.6g" % v`` for every value, '' for NaN (see the module docstring)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(x)
    magnitude = np.abs(x)
    fast = finite & (magnitude >= 1e-4) & (magnitude < 1e6)
    fast |= x == 0.0
    with np.errstate(all="ignore"):
        exponent = np.floor(np.log10(np.where(fast & (x != 0.0), magnitude, 1.0)))
        k = np.clip(5 - exponent, 0, 9).astype(np.int64)
        scaled = x * _POW10[k]
        rounded = np.rint(scaled)
        fraction = np.abs(scaled - np.trunc(scaled))
    # an exact tie (or one within the product's rounding error) goes to Python, as do
    # values that round up to 1e6 (exponent form)
    fast &= np.abs(fraction - 0.5) > 1e-6
    result = rounded / _POW10[k]
    fast &= np.abs(result) < 1e6
    text = pc.cast(pa.array(np.where(fast, result, 0.0)), pa.string())
    slow = np.flatnonzero(~fast)
    if len(slow):
        fixed = ["" if np.isnan(v) else f"{v:.6g}" for v in x[slow].tolist()]
        mask = np.zeros(len(x), dtype=bool)
        mask[slow] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array(fixed, pa.string()))
    return text


def ints(values: np.ndarray) -> pa.StringArray:
    """Integers as digits."""
    return pc.cast(pa.array(np.asarray(values).ravel()), pa.string())


def field(text: str) -> str:
    """One CSV field as Python's csv module writes it (quoted only when needed)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([text, ""])
    return out.getvalue()[:-2]  # drop the second, empty field and the line end


def row_text(values: Sequence[object]) -> str:
    """Several fields as csv.writer writes them, joined by commas (no line end)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()[:-1]


def labels(texts: Sequence[str], index: np.ndarray) -> pa.StringArray:
    """``texts[i]`` (already CSV fields) for every ``i`` in ``index``."""
    return pa.array(list(texts), pa.string()).take(pa.array(np.asarray(index).ravel()))


def csv_body(columns: Sequence[pa.Array | str]) -> bytes:
    """CSV rows, one per element of the (equal-length) string columns, each ending in a
    newline. A ``str`` is a constant field in every row; at least one column is an array."""
    arrays = [pa.scalar(c) if isinstance(c, str) else c.fill_null("") for c in columns]
    rows = pc.binary_join_element_wise(*arrays, ",")
    rows = pc.binary_join_element_wise(rows, pa.scalar(""), "\n")  # "row" + "\n" + ""
    if len(rows) == 0:
        return b""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    first, last = offsets[rows.offset], offsets[rows.offset + len(rows)]
    return rows.buffers()[2].to_pybytes()[first:last]


def header(columns: Sequence[str]) -> bytes:
    """The header line of a CSV file."""
    return (row_text(columns) + "\n").encode()
