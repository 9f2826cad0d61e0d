"""The analytics core: pure, vectorised functions over Polars frames.

Nothing here imports Django, touches a database or file, or reads the clock:
"now" and every parameter arrive as arguments. ``tests/test_architecture.py``
enforces this with an import-linter contract.
"""
