"""Work left running by a process that died is told apart from work still going on.

The processes here are this one: a claim held in this process is seen by a check made on
another connection or file handle, as it is by another process (``test_killed`` kills real
ones).
"""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from joinedup.common.claims import ClaimRefused, claim, is_claimed, key_of
from joinedup.common.recovery import Recovered, recover_abandoned, worker_key
from joinedup.partnership.models import Person
from joinedup.returns.models import Upload
from joinedup.returns.tasks import import_in_background

pytestmark = pytest.mark.django_db

STOPPED = Upload.stopped_message


def an_upload(state: str, task_id: str = "") -> Upload:
    content = b"indicator,area,period,value\n"
    return Upload.objects.create(
        person=Person.objects.get(username="officer"), actor="officer",
        received_at=timezone.now(), file_name="figures.csv", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), outcome=Upload.Outcome.UNCHECKED,
        work_state=state, work_task_id=task_id)


def a_task(status: str, worker: str = "") -> DBTaskResult:
    queued = import_in_background.enqueue(0, None)
    result = DBTaskResult.objects.get(id=queued.id)
    result.status, result.worker_ids = status, [worker] if worker else []
    result.save()
    return result


def test_a_claim_is_held_for_its_block_and_refused_to_a_second_holder():
    assert not is_claimed("upload:test")
    with claim("upload:test"):
        assert is_claimed("upload:test")
        with pytest.raises(ClaimRefused), claim("upload:test"):
            pass
        assert not is_claimed("upload:other")
    assert not is_claimed("upload:test")


def test_work_left_running_with_no_claim_is_marked_failed_with_its_stopped_message():
    abandoned = an_upload(Upload.WorkState.RUNNING)
    going_on = an_upload(Upload.WorkState.RUNNING)
    finished = an_upload(Upload.WorkState.DONE)

    with claim(key_of(going_on)):
        assert recover_abandoned() == Recovered(tasks=0, work=1)

    abandoned.refresh_from_db()
    assert (abandoned.work_state, abandoned.work_error) == (Upload.WorkState.FAILED, STOPPED)
    assert abandoned.work_finished_at is not None
    going_on.refresh_from_db()
    assert (going_on.work_state, going_on.work_error) == (Upload.WorkState.RUNNING, "")
    finished.refresh_from_db()
    assert finished.work_state == Upload.WorkState.DONE


def test_a_task_whose_worker_is_gone_is_marked_failed_and_one_still_running_is_not():
    gone = a_task(TaskResultStatus.RUNNING, worker="worker-gone")
    alive = a_task(TaskResultStatus.RUNNING, worker="worker-alive")

    with claim(worker_key("worker-alive")):
        assert recover_abandoned() == Recovered(tasks=1, work=0)

    gone.refresh_from_db()
    assert gone.status == TaskResultStatus.FAILED
    assert gone.exception_class_path == "joinedup.common.recovery.WorkerStopped"
    assert "worker-gone stopped before this task finished" in gone.traceback
    alive.refresh_from_db()
    assert alive.status == TaskResultStatus.RUNNING


def test_queued_work_whose_task_ended_or_was_lost_is_marked_failed_and_waiting_work_is_not():
    waiting = an_upload(Upload.WorkState.QUEUED, str(a_task(TaskResultStatus.READY).id))
    taken = an_upload(Upload.WorkState.QUEUED,
                      str(a_task(TaskResultStatus.RUNNING, worker="worker-alive").id))
    ended = an_upload(Upload.WorkState.QUEUED, str(a_task(TaskResultStatus.FAILED).id))
    lost = an_upload(Upload.WorkState.QUEUED, "00000000-0000-0000-0000-000000000000")

    with claim(worker_key("worker-alive")):
        assert recover_abandoned() == Recovered(tasks=0, work=2)

    states = {upload.pk: upload.work_state for upload in Upload.objects.filter(
        pk__in=[waiting.pk, taken.pk, ended.pk, lost.pk])}
    assert states == {waiting.pk: "queued", taken.pk: "queued", ended.pk: "failed",
                      lost.pk: "failed"}


def test_nothing_to_recover_is_said_as_nothing():
    assert not recover_abandoned()
