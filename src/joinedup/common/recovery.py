"""Work abandoned by a process that died is marked failed, never left looking alive.

A worker killed mid-task (``kill -9``, out of memory, the machine restarted) leaves its task
marked running in the queue, and the upload or pack it was doing marked running on its page,
for ever: the person waiting is never told. The database already undid the work's own
writes (they were one transaction, never committed); what is left is to say so.

Every process doing tracked work holds a claim on it, and every worker a claim on its worker
id, for as long as it lives (``joinedup.common.claims``). So on its start a worker
(``joinedup db_worker``) calls ``recover_abandoned``, which marks failed:

- every task marked running whose worker holds no claim: its worker is gone;
- every piece of tracked work marked running with no claim on it;
- every piece of tracked work still marked queued whose task is no longer waiting or
  running (it was failed above, or ended without starting the work).

Each is told in words for the person waiting (the model's ``stopped_message``), and the
task's record says why (``WorkerStopped``). Nothing is retried by itself: an upload or a
pack half done is no longer what the person asked for an hour ago, and they are told to ask
again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from joinedup.common.claims import is_claimed, key_of

__all__ = ["Recovered", "WorkerStopped", "count_abandoned", "recover_abandoned",
           "worker_key"]

logger = logging.getLogger(__name__)


class WorkerStopped(RuntimeError):
    """The worker running a task stopped before the task finished."""


@dataclass(frozen=True)
class Recovered:
    tasks: int = 0
    work: int = 0

    def __bool__(self) -> bool:
        return bool(self.tasks or self.work)


def worker_key(worker_id: str) -> str:
    """The claim a worker holds on itself for as long as it runs."""
    return f"worker:{worker_id}"


def recover_abandoned(using: str = DEFAULT_DB_ALIAS) -> Recovered:
    """Mark failed every task and piece of tracked work whose process died with it."""
    from django_tasks_db.models import DBTaskResult

    tasks = 0
    for result in DBTaskResult.objects.using(using).filter(pk__in=abandoned_tasks(using)):
        worker = result.worker_ids[-1] if result.worker_ids else "(unknown)"
        result.set_failed(WorkerStopped(
            f"The worker {worker} stopped before this task finished; it was marked failed "
            "when the next worker started."))
        tasks += 1
    work, gone = 0, abandoned_tasks(using)
    for model in tracked_models():
        states = model.WorkState
        # Only rows still as they were found: work that finished meanwhile keeps its ending.
        work += model._base_manager.using(using).filter(
            pk__in=abandoned_work(model, using, gone),
            work_state__in=[states.RUNNING, states.QUEUED],
        ).update(work_state=states.FAILED, work_error=model.stopped_message,
                 work_finished_at=timezone.now())
    if tasks or work:
        logger.warning("Marked failed %d task(s) and %d piece(s) of work left running by "
                       "a process that stopped", tasks, work)
    return Recovered(tasks=tasks, work=work)


def count_abandoned(using: str = DEFAULT_DB_ALIAS) -> Recovered:
    """How many tasks and pieces of work ``recover_abandoned`` would mark failed now."""
    gone = abandoned_tasks(using)
    return Recovered(tasks=len(gone),
                     work=sum(len(abandoned_work(m, using, gone)) for m in tracked_models()))


def tracked_models() -> list[type]:
    """Every installed model that keeps the progress of background work."""
    from joinedup.common.tasks import TrackedWork

    return [model for model in apps.get_models() if issubclass(model, TrackedWork)]


def abandoned_tasks(using: str) -> list:
    """The ids of tasks marked running whose worker holds no claim: it is gone."""
    from django_tasks_db.models import DBTaskResult

    return [pk for pk, workers in DBTaskResult.objects.using(using).running()
            .values_list("pk", "worker_ids")
            if not (workers and is_claimed(worker_key(workers[-1]), using))]


def abandoned_work(model, using: str, gone: list) -> list:
    """The keys of ``model``'s work that no process is doing, nor any task will do: marked
    running with no claim on it, or queued for a task no longer waiting or running (or
    running on a worker that is gone: ``gone``, from ``abandoned_tasks``)."""
    from django_tasks_db.models import DBTaskResult

    states = model.WorkState
    rows = model._base_manager.using(using)
    found = [work.pk for work in rows.filter(work_state=states.RUNNING).only("pk")
             if not is_claimed(key_of(work), using)]
    queued = dict(rows.filter(work_state=states.QUEUED).exclude(work_task_id="")
                  .values_list("pk", "work_task_id"))
    if queued:
        lost = {str(pk) for pk in gone}
        alive = {str(pk) for pk in DBTaskResult.objects.using(using).filter(
            id__in=list(queued.values())).exclude(status__in=_finished()).values_list(
                "id", flat=True)} - lost
        found += [pk for pk, task_id in queued.items() if task_id not in alive]
    return found


def _finished() -> list[str]:
    from django_tasks import TaskResultStatus

    return [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
