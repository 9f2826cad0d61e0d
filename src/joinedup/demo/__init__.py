"""The demonstration partnership, built from real public data shipped in the package."""
