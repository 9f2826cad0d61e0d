"""The change history: who changed what, when, from what, to what, and why."""
