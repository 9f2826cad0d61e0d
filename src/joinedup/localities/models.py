"""Places: what area forums choose, what residents raise, and multi-agency operations."""
