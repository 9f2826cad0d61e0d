"""What the demo partnership publishes: the Board packs it marks public."""

from __future__ import annotations


def build_public() -> dict[str, int]:
    """Mark the public packs; return counts by name."""
    return {}
