"""Shared building blocks for the Django apps: restricted querysets and period fields."""
