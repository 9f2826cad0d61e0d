"""The demo partnership's statistical neighbours and the published figures it is compared with."""

from __future__ import annotations


def build_benchmarks() -> dict[str, int]:
    """Load the neighbours and comparison figures; return counts by name."""
    return {}
