"""What the assessment app tells the apps above it: a run was stored.

Sent inside the run's transaction, after its results and flags are saved, so a listener
(the exceptions app, which groups flags into exceptions) keeps its own records in step in
the same transaction: either both are saved, or neither.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``run`` (the stored ``AssessmentRun``), ``indicator_ids`` (the indicators it
#: covered) and ``today`` (the date the run judged late returns by).
assessment_stored = Signal()
