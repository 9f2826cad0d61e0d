"""Reading figures typed as text: the fast column reader agrees with the strict one."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from joinedup.returns.validation import number, read_numbers

CELLS = ["12", " 12.5 ", "1,234", "1,234.5", "12,34", "−5", "-5", "+.5", "1e5", "1.5E+10",
         "NaN", "nan", "inf", "-inf", "Infinity", "1_000", "0x10", "1 000", "", None, "5.",
         ".", "e5", "00012", "1,234,567.00", "١٢", "５"]
EXPECTED = [12.0, 12.5, 1234.0, 1234.5, None, -5.0, -5.0, 0.5, 1e5, 1.5e10, None, None, None,
            None, None, None, None, None, None, None, 5.0, None, None, 12.0, 1234567.0, None,
            None]


def _strictly(cells: list[str | None]) -> list[float | None]:
    return pl.DataFrame({"cell": cells}, schema={"cell": pl.String}).select(
        number("cell")).to_series().to_list()


def test_the_strict_reader_takes_what_exports_hold_and_refuses_the_rest():
    assert _strictly(CELLS) == EXPECTED


def test_the_fast_reader_gives_the_same_figures():
    assert read_numbers(pl.Series("cell", CELLS, dtype=pl.String)).to_list() == EXPECTED


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(
    st.none(),
    st.text(alphabet="0123456789.,eE+-_ \u2212infatyINFATY", max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(lambda n: f"{n:,}"),
), max_size=40))
@example(["1.e5", ".5e-3", "+1,000", "-1,000.25", "1,00", "  -0 "])
def test_the_fast_reader_agrees_with_the_strict_one_on_any_text(cells):
    fast = read_numbers(pl.Series("cell", cells, dtype=pl.String)).to_list()
    assert fast == _strictly(cells)


@pytest.mark.parametrize("cells", [[], [None, None], ["7"]])
def test_the_fast_reader_handles_empty_and_plain_columns(cells):
    assert read_numbers(pl.Series("cell", cells, dtype=pl.String)).to_list() == _strictly(cells)
