"""Assessment: the only adapter to the analytics core.

Querysets become frames, the core judges them, and the results are stored with the
parameters of the run that made them. Views read the stored results; they never compute.
"""
