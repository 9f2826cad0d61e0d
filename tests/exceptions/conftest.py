"""Builders for the exceptions tests: the demo's exceptions, picked by what they hold."""

from __future__ import annotations

import pytest

from joinedup.exceptions.models import IndicatorException


@pytest.fixture
def exception_for():
    def get(code: str, period: str) -> IndicatorException:
        return IndicatorException.objects.select_related("indicator", "layer").get(
            indicator__code=code, period=period)

    return get
