"""The ``figure`` filter that writes every number on the pages."""

from __future__ import annotations

import pytest

from joinedup.web.templatetags.govuk import figure


@pytest.mark.parametrize(("value", "decimals", "shown"), [
    (1234.5678, 1, "1,234.6"),
    (-0.3, 0, "0"),
    (-0.04, 1, "0.0"),
    (-0.05001, 1, "-0.1"),
    (-1234.5, 0, "-1,234"),
    (0.0, 2, "0.00"),
    (None, 1, ""),
    ("n/a", 1, "n/a"),
])
def test_figure_rounds_and_never_shows_minus_nought(value, decimals, shown):
    assert figure(value, decimals) == shown
