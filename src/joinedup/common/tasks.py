"""Work done in the background, and its progress for the person waiting on it.

Django 6.0 ships the task framework (``django.tasks``) that the ``django_tasks`` package
backports to Django 5.2. This module is the one place that imports it: the rest of the
project imports ``task`` from here, so moving to Django 6 changes the import below.

Tasks are queued in the database and run by ``joinedup db_worker``, which ``joinedup
serve`` starts beside the web server.

Long work a person waits for (a large upload, a board pack) is kept on a model that
inherits ``TrackedWork``, which holds its state, how far it has got and what it is doing,
for a page to show (``web/includes/progress.html``). The view queues it with
``queue_tracked``, which marks the work queued and enqueues its task in one transaction; the
task marks its progress as it goes::

    with tracked(upload, failure="Something went wrong …") as tracker:
        tracker.report("checking 400,000 rows…", done=1)

While the block runs, the process holds a claim on the work (``joinedup.common.claims``).
Work left marked running with no claim on it was abandoned by a process that died, and
``joinedup.common.recovery`` marks it failed with the model's ``stopped_message``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import ROW_COUNT
from django.utils import timezone
from django_tasks import task

from joinedup.common.claims import claim, key_of

__all__ = ["REFRESH_SECONDS", "Tracker", "TrackedWork", "progress_page", "queue_tracked",
           "task", "tracked"]

logger = logging.getLogger(__name__)

#: How often a page showing pending work reloads itself.
REFRESH_SECONDS = 5

class TrackedWork(models.Model):
    """The state and progress of a piece of background work, on the model it is for."""

    class WorkState(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Work done in the request that asked for it is done before anyone can look: so "done"
    # is the state of everything never queued.
    work_state = models.CharField(max_length=7, choices=WorkState.choices,
                                  default=WorkState.DONE)
    work_done = models.PositiveBigIntegerField(default=0, help_text="How much is done so far.")
    work_total = models.PositiveBigIntegerField(
        default=0, help_text="How much there is to do; 0 when that is not known.")
    work_stage = models.CharField(max_length=200, blank=True,
                                  help_text="What the work is doing now, in plain words.")
    work_queued_at = models.DateTimeField(null=True, blank=True)
    work_started_at = models.DateTimeField(null=True, blank=True)
    work_finished_at = models.DateTimeField(null=True, blank=True)
    work_error = models.TextField(
        blank=True, help_text="Why the work failed, in words for the person who asked for "
                              "it; the details are in the server's log.")
    work_task_id = models.CharField(
        max_length=64, blank=True,
        help_text="The background task doing the work, when it was queued; blank when it "
                  "was done in the request or command that asked for it.")

    #: What the person is told when the process doing the work stopped before it finished.
    stopped_message: ClassVar[str] = (
        "This stopped before it finished, because the service was restarted, so nothing "
        "was changed. Try again.")

    class Meta:
        abstract = True

    @property
    def work_pending(self) -> bool:
        """Queued or running: the page showing it should keep refreshing."""
        return self.work_state in (self.WorkState.QUEUED, self.WorkState.RUNNING)

    def queue_work(self, *, total: int = 0, stage: str = "") -> None:
        """Mark the work queued, from its beginning, and save that (with nothing else)."""
        self.work_state = self.WorkState.QUEUED
        self.work_done, self.work_total, self.work_stage = 0, total, stage[:200]
        self.work_queued_at = timezone.now()
        self.work_started_at = self.work_finished_at = None
        self.work_error = self.work_task_id = ""
        self.save(update_fields=[f.name for f in TrackedWork._meta.fields])


def queue_tracked(work: TrackedWork, background, *args, total: int = 0, stage: str = "",
                  **kwargs) -> None:
    """Mark ``work`` queued and enqueue ``background(*args, **kwargs)`` to do it, together.

    The task's id is kept on the work, so that work whose task was lost with its worker
    can be found and marked failed (``joinedup.common.recovery``).
    """
    using = work._state.db or router.db_for_write(type(work))
    with transaction.atomic(using=using):
        work.queue_work(total=total, stage=stage)
        queued = background.enqueue(*args, **kwargs)
        # Written as the progress is, beside the model's own saves (and their history).
        work.work_task_id = str(queued.id)
        type(work)._base_manager.using(using).filter(pk=work.pk).update(
            work_task_id=work.work_task_id)


class Tracker:
    """Marks the progress of tracked work from inside the task doing it.

    Progress has to be seen while the work runs, but the work may do most of it inside a
    transaction of its own (an upload is saved all or nothing), whose writes nobody else
    sees until it commits. So a report made inside such a transaction is written through a
    second connection on PostgreSQL. SQLite lets one writer in at a time, and that
    transaction is it, so there the report waits, and is written with the next one made
    outside it. Whatever the database, a report never fails the work, nor holds it up for
more than a moment.
    """

    def __init__(self, work: TrackedWork):
        self.work = work
        self.alias = work._state.db or router.db_for_write(type(work))
        # Transactions opened after this point are the work's own; one already open is
        # the caller's, which the work's state is written in like anything else.
        self._depth = len(connections[self.alias].atomic_blocks)
        self._unwritten: dict = {}
        self._aside = None

    def start(self) -> None:
        self._set(work_state=TrackedWork.WorkState.RUNNING, work_started_at=timezone.now(),
                  work_finished_at=None, work_error="", work_stage="")

    def report(self, stage: str | None = None, *, done: int | None = None,
               total: int | None = None) -> None:
        """What the work is doing now, and how far it has got; unchanged where None."""
        values = {}
        if stage is not None:
            values["work_stage"] = stage[:200]
        if total is not None:
            values["work_total"] = total
        if done is not None:
            total = values.get("work_total", self.work.work_total)
            values["work_done"] = min(done, total) if total else done
        self._set(**values)

    def finish(self) -> None:
        self._set(work_state=TrackedWork.WorkState.DONE, work_done=self.work.work_total,
                  work_stage="", work_finished_at=timezone.now())

    def fail(self, error: str) -> None:
        self._set(work_state=TrackedWork.WorkState.FAILED, work_error=error,
                  work_finished_at=timezone.now())

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()
            self._aside = None

    def _set(self, **values) -> None:
        for name, value in values.items():
            setattr(self.work, name, value)
        self._unwritten.update(values)
        connection = connections[self.alias]
        if len(connection.atomic_blocks) <= self._depth:
            try:
                type(self.work)._base_manager.using(self.alias).filter(pk=self.work.pk).update(
                    **self._unwritten)
            except DatabaseError:
                logger.warning("Could not record the progress of %s", self.work, exc_info=True)
                return
            self._unwritten = {}
        elif self._depth == 0 and connection.vendor == "postgresql" and self._write_aside():
            self._unwritten = {}

    def _write_aside(self) -> bool:
        """Write the unwritten progress through a connection of its own, committed at once."""
        try:
            if self._aside is None:
                self._aside = connections.create_connection(self.alias)
                with self._aside.cursor() as cursor:
                    # Never wait long on a row the work's own transaction may have locked.
                    cursor.execute("SET lock_timeout = '2s'")
            query = (type(self.work)._base_manager.filter(pk=self.work.pk).query
                     .chain(UpdateQuery))
            query.add_update_values(self._unwritten)
            query.get_compiler(connection=self._aside).execute_sql(ROW_COUNT)
        except DatabaseError:
            logger.warning("Could not record the progress of %s", self.work, exc_info=True)
            self.close()
            return False
        return True


def progress_page(request, template: str, context: dict, *, work: TrackedWork):
    """Render a page that shows ``work``, reloading itself while the work is pending.

    The reload is the HTTP ``Refresh`` header rather than a ``<meta http-equiv>`` tag: it
    works without JavaScript just the same, and the page's markup carries no timed refresh
    (which WCAG 2.2.1 and axe-core's ``meta-refresh`` rule object to). The page offers a
    link to stop it (``?refresh=off``), and ``web/includes/progress.html`` says which.
    """
    from django.shortcuts import render

    response = render(request, template, context)
    if work.work_pending and request.GET.get("refresh") != "off":
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@contextmanager
def tracked(work: TrackedWork, *, failure: str) -> Iterator[Tracker]:
    """Mark ``work`` running for the block, then done; or failed, with a plain message.

    ``failure`` is what the person is told if the block raises. The exception itself goes
    on up, to the worker's record of the task and the server's log, and never to the page.
    The model's ``stopped_message`` is told instead when the process was stopped before
    the block finished: by a signal here, or, if it was killed outright, by the recovery
    that finds the work running with no claim held on it.
    """
    tracker = Tracker(work)
    with claim(key_of(work), using=tracker.alias):
        tracker.start()
        try:
            yield tracker
        except (KeyboardInterrupt, SystemExit):
            tracker.fail(work.stopped_message)
            raise
        except BaseException:
            tracker.fail(failure)
            raise
        else:
            tracker.finish()
        finally:
            tracker.close()
