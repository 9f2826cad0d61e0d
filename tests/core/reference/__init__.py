"""Slow, obviously-correct per-series references for the vectorised core kernels."""
