"""Exceptions: the assessment's flags grouped for decision, layer by layer.

An exception is one indicator in one period, for one layer, with its flags for every area
it covers. The theme partnership (or area forum) that owns it writes the commentary; the
management group triages it (a data anomaly back to its owner, a performance issue with a
remedial plan, or an escalation to the Board); the Board minutes its decision. Every
decision is kept, with who, when, why and what it replaced.
"""
