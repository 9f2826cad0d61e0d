"""JoinedUp: joined-up performance and resource management for local partnerships."""

__version__ = "0.1.0"
