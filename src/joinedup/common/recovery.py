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

__all__ = ["Recovered", "WorkerStopped", "recover_abandoned", "worker_key"]

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
    tasks = _fail_abandoned_tasks(using)
    work = sum(_fail_abandoned_work(model, using) for model in tracked_models())
    if tasks or work:
        logger.warning("Marked failed %d task(s) and %d piece(s) of work left running by "
                       "a process that stopped", tasks, work)
    return Recovered(tasks=tasks, work=work)


def tracked_models() -> list[type]:
    """Every installed model that keeps the progress of background work."""
    from joinedup.common.tasks import TrackedWork

    return [model for model in apps.get_models() if issubclass(model, TrackedWork)]


def _fail_abandoned_tasks(using: str) -> int:
    from django_tasks_db.models import DBTaskResult

    failed = 0
    for result in DBTaskResult.objects.using(using).running():
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker and is_claimed(worker_key(worker), using):
            continue
        result.set_failed(WorkerStopped(
            f"The worker {worker or '(unknown)'} stopped before this task finished; it was "
            "marked failed when the next worker started."))
        failed += 1
    return failed


def _fail_abandoned_work(model, using: str) -> int:
    from django_tasks_db.models import DBTaskResult

    states = model.WorkState
    rows = model._base_manager.using(using)
    abandoned = [work.pk for work in rows.filter(work_state=states.RUNNING)
                 if not is_claimed(key_of(work), using)]
    queued = dict(rows.filter(work_state=states.QUEUED).exclude(work_task_id="")
                  .values_list("pk", "work_task_id"))
    if queued:
        alive = {str(pk) for pk in DBTaskResult.objects.using(using).filter(
            id__in=list(queued.values())).exclude(status__in=_finished()).values_list(
                "id", flat=True)}
        abandoned += [pk for pk, task_id in queued.items() if task_id not in alive]
    if not abandoned:
        return 0
    # Only rows still as they were found: work that finished meanwhile keeps its ending.
    return rows.filter(pk__in=abandoned, work_state__in=[states.RUNNING, states.QUEUED]
                       ).update(work_state=states.FAILED, work_error=model.stopped_message,
                                work_finished_at=timezone.now())


def _finished() -> list[str]:
    from django_tasks import TaskResultStatus

    return [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
