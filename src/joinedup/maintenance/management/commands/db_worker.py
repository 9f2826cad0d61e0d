"""joinedup db_worker: the background worker, which first marks failed what a dead one left.

This is django-tasks' database worker with two additions. For as long as it runs it holds a
claim on its worker id (``joinedup.common.claims``): a worker killed outright releases it
with its process, so its running task can be told from one still going on. And when it
starts it marks failed every task and piece of tracked work that a stopped process left
marked running (``joinedup.common.recovery``), so that a person waiting on an upload or a
pack is told that it stopped, rather than left waiting for ever.
"""

from __future__ import annotations

import logging

from django_tasks_db.management.commands import db_worker

from joinedup.common.claims import claim
from joinedup.common.recovery import recover_abandoned, worker_key

logger = logging.getLogger("joinedup.worker")


class Command(db_worker.Command):
    help = ("Run the background worker. On starting, it marks failed the work that a "
            "worker or command stopped outright (kill -9, a restart) left unfinished.")

    def handle(self, *args, worker_id: str, **options) -> None:
        with claim(worker_key(worker_id)):
            recovered = recover_abandoned()
            if recovered:
                self.stderr.write(
                    f"Marked failed {recovered.tasks} task(s) and {recovered.work} upload(s) "
                    "or pack(s) left unfinished by a process that stopped.")
            super().handle(*args, worker_id=worker_id, **options)
