"""Model fields for anything that belongs to a period (values, targets, milestones).

The period is kept three ways: the canonical label people read and type, and its start
and end dates, which the database orders and compares. ``core.periods`` is the single
authority on how a label maps to dates.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from joinedup.core.periods import Period, PeriodError, parse_period


class PeriodFields(models.Model):
    period = models.CharField(
        max_length=40, help_text="For example 2019, 2009/10, 2009/10 Q2, 2019-04 or 2015-2017."
    )
    period_start = models.DateField(editable=False)
    period_end = models.DateField(editable=False, help_text="The day after the period ends.")

    class Meta:
        abstract = True

    def set_period(self, value: str | Period) -> None:
        period = value if isinstance(value, Period) else parse_period(value)
        self.period = period.label
        self.period_start = period.start
        self.period_end = period.end

    @property
    def period_object(self) -> Period:
        return parse_period(self.period)

    def clean(self):
        super().clean()
        try:
            self.set_period(self.period)
        except PeriodError as error:
            raise ValidationError({"period": str(error)}) from None

    def save(self, *args, **kwargs):
        if self.period and not (self.period_start and self.period_end):
            self.set_period(self.period)
        super().save(*args, **kwargs)
