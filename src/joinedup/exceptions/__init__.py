"""Exceptions: flags grouped for decision, layer by layer."""
