"""Recording changes.

Who is changing data, and why, is held in a context variable: the middleware sets it for
each web request and ``recorded_as`` sets it for command-line work. Ordinary saves and
deletes are recorded by signals (see ``signals.py``); bulk work records its rows with
``record_bulk`` in the same transaction.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


@dataclass(frozen=True)
class ChangeContext:
    person: object | None = None
    actor: str = "system"
    reason: str = ""


_current = contextvars.ContextVar("joinedup_change_context", default=ChangeContext())


def current_context() -> ChangeContext:
    return _current.get()


@contextmanager
def recorded_as(person=None, *, actor: str | None = None, reason: str = ""):
    """Attribute every change made inside the block to ``person`` (or a named process)."""
    name = actor or (person.get_username() if person is not None else "system")
    token = _current.set(ChangeContext(person=person, actor=name, reason=reason))
    try:
        yield
    finally:
        _current.reset(token)


class ChangeRecorded(models.Model):
    """Mixin for models whose every change is kept."""

    class Meta:
        abstract = True

    def snapshot(self) -> dict:
        data = {}
        for field in self._meta.concrete_fields:
            data[field.attname] = _plain(getattr(self, field.attname))
        return data


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def build_change(obj, action: str, before: dict | None, after: dict | None, context=None):
    from joinedup.history.models import Change

    context = context or current_context()
    person = context.person if getattr(context.person, "pk", None) else None
    return Change(
        time=timezone.now(),
        person=person,
        actor=context.actor,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        reason=context.reason,
    )


def record_bulk(created=(), updated=(), deleted=(), *, batch_size: int = 2000) -> int:
    """Record changes made with bulk_create / bulk_update / queryset deletes.

    ``created`` holds saved instances; ``updated`` holds (before_snapshot, instance) pairs;
    ``deleted`` holds instances captured before deletion.
    """
    from joinedup.history.models import Change

    context = current_context()
    rows = [build_change(obj, "create", None, obj.snapshot(), context) for obj in created]
    rows += [build_change(obj, "update", old, obj.snapshot(), context) for old, obj in updated]
    rows += [build_change(obj, "delete", obj.snapshot(), None, context) for obj in deleted]
    Change.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def record_run(model, first_id: int, count: int, *, description: str, details: dict,
               time: dt.datetime | None = None):
    """Record the creation of ``count`` objects of ``model`` made together, with
    consecutive ids from ``first_id``, as one change over that run (see
    ``Change.last_object_id``). ``description`` names the run; ``details`` (how many, from
    where) become the change's ``after``."""
    from joinedup.history.models import Change

    context = current_context()
    return Change.objects.create(
        time=time or timezone.now(),
        person=context.person if getattr(context.person, "pk", None) else None,
        actor=context.actor,
        action=Change.Action.CREATE,
        content_type=ContentType.objects.get_for_model(model),
        object_id=first_id,
        last_object_id=first_id + count - 1,
        object_repr=description[:200],
        before=None,
        after=details,
        reason=context.reason,
    )
