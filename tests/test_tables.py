"""Column-wise CSV text (model/runs/tables.py) is the text the row-by-row writer gave:
``%.6g`` numbers, empty missing values, csv-module quoting."""

from __future__ import annotations

import csv
import io

import numpy as np

from model.runs.tables import csv_body, field, g6, header, ints, labels, row_text


def _reference(values: np.ndarray) -> list[str]:
    return ["" if np.isnan(v) else f"{v:.6g}" for v in values.tolist()]


def test_six_significant_digits_as_printf_at_every_magnitude():
    rng = np.random.default_rng(3)
    short = rng.uniform(0, 1, 5_000).tolist()  # rounded to 1-7 decimals below
    values = np.concatenate([
        rng.uniform(0, 1, 20_000),
        rng.uniform(0, 4, 5_000),
        [round(v, int(d)) for v, d in zip(short, rng.integers(1, 8, len(short)), strict=True)],
        rng.uniform(0, 1, 5_000).astype(np.float32).astype(float),  # the members' stances
        10.0 ** rng.uniform(-30, 30, 5_000) * rng.choice([-1.0, 1.0], 5_000),
        np.arange(-50, 3000, dtype=float),
        [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-4, 9.999995e-5, 1e6, 999999.5, 999999.4,
         999999.6, 0.5, 0.1234565, 0.1234575, 2.5, 123456.5, 1.0000005, 5e-324, 1.7e308],
    ])  # fmt: skip
    assert g6(values).to_pylist() == _reference(values)


def test_rows_are_written_as_the_csv_module_writes_them():
    values = np.array([0.25, np.nan, 1e-7])
    body = csv_body(
        [
            ints(np.array([1, 2, 3])),
            "q",
            labels([field("a,b"), field("c")], np.array([0, 1, 0])),
            g6(values),
        ]
    )
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    for i, text, v in zip([1, 2, 3], ["a,b", "c", "a,b"], _reference(values), strict=True):
        writer.writerow([i, "q", text, v])
    assert body.decode() == expected.getvalue()
    assert header(["x", 'say "hi"']) == b'x,"say ""hi"""\n'
    assert row_text(["DPRK", -4.0, 1.9, "a, b"]) == 'DPRK,-4.0,1.9,"a, b"'
    assert field("plain") == "plain" and field("") == ""
    assert csv_body([ints(np.array([], dtype=int))]) == b""
