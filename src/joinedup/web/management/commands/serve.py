"""Serve the site with gunicorn, the way it runs in production, with its background worker.

``joinedup serve`` runs two processes and looks after both: gunicorn, for the pages, and
the worker that runs background work (``joinedup db_worker``: large uploads). One command
is one service to install, start and stop. Stopping it (Ctrl+C, or SIGTERM from a service
manager) stops both. The worker finishes the task in hand, for up to ``GRACE`` seconds,
after which a task still running is stopped (it is then marked failed, and saves nothing);
gunicorn stops at once on Ctrl+C, and on SIGTERM finishes the requests in hand first, as
it does on its own. A second Ctrl+C stops everything at once. SIGHUP reloads: gunicorn
starts new workers, as it does on its own, and the worker is restarted once it has
finished the task in hand. If the worker stops by itself (the database went away, say),
it is started again.

``--no-worker`` serves the pages alone, for a deployment that runs ``joinedup db_worker``
as a service of its own (or several, on other machines).
"""

from __future__ import annotations

import os
import signal
import subprocess  # nosec B404 - subprocess starts our own fixed commands only
import sys
import time

from django.core.management.base import BaseCommand

#: Seconds the worker has to finish the task in hand, and gunicorn its requests, on a stop.
GRACE = 30
#: Seconds before a worker that stopped by itself is started again.
RESTART_AFTER = 5


class Command(BaseCommand):
    help = ("Serve JoinedUp with gunicorn on the given address (default 127.0.0.1:8000), "
            "with the worker that runs background work beside it.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_false", dest="worker",
                            help="Serve the pages only; run `joinedup db_worker` yourself.")

    def handle(self, *args, host, port, workers, worker, **options):
        gunicorn = [
            "gunicorn",
            "joinedup.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--threads=4",
            # A reader pauses a few seconds between pages; gunicorn's default of 2 s closed
            # their kept-alive connections as their next request arrived (seen under load).
            "--keep-alive=10",
            "--access-logfile=-",
            "--timeout=60",
            f"--graceful-timeout={GRACE}",
        ]
        self.stdout.write(f"Serving on http://{host}:{port}/  (press Ctrl+C to stop)")
        if not worker:
            from gunicorn.app.wsgiapp import run

            sys.argv = gunicorn
            run()
            return
        self.stdout.flush()
        background = [sys.executable, "-m", "joinedup.cli", "db_worker", "--queue-name=*",
                      "--no-reload"]
        raise SystemExit(Supervisor([sys.executable, "-m", *gunicorn], background).run())


def _stop_with_parent() -> None:
    """Have Linux send the child SIGTERM should this process die without stopping it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    """Runs the web server and the worker, restarts the worker, and stops both together.

    Each child runs in a session of its own, so that a Ctrl+C at the terminal reaches this
    process alone, which stops them in order; a child's output is this process's.
    """

    def __init__(self, web: list[str], worker: list[str]):
        self.commands = {"web": web, "worker": worker}
        self.children: dict[str, subprocess.Popen] = {}
        self.stops_asked = 0
        self.first_stop = signal.SIGTERM
        self.reload_asked = self.reloading = False

    def run(self) -> int:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._asked_to_stop)
        signal.signal(signal.SIGHUP, self._asked_to_reload)
        self._start("web")
        self._start("worker")
        restart_at = None
        while not self.stops_asked:
            if self.reload_asked:
                self.reload_asked, self.reloading = False, True
                self._signal(signal.SIGHUP, signal.SIGTERM)
            if self.children["web"].poll() is not None:
                self._say("The web server stopped by itself.")
                break
            if restart_at is None and self.children["worker"].poll() is not None:
                if self.reloading:
                    restart_at = time.monotonic()
                else:
                    self._say(f"The background worker stopped (exit status "
                              f"{self.children['worker'].returncode}); starting it again in "
                              f"{RESTART_AFTER} seconds.")
                    restart_at = time.monotonic() + RESTART_AFTER
            if restart_at is not None and time.monotonic() >= restart_at:
                self._start("worker")
                restart_at, self.reloading = None, False
            time.sleep(0.5)
        return self._stop()

    def _start(self, name: str) -> None:
        # Unbuffered, so that the worker's log lines show as they happen.
        self.children[name] = subprocess.Popen(  # nosec B603 - our own fixed commands, no shell
            self.commands[name], env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True, preexec_fn=_stop_with_parent)

    def _asked_to_stop(self, number, frame) -> None:
        self.stops_asked += 1
        if self.stops_asked == 1:
            self.first_stop = number
        else:
            self._signal(signal.SIGQUIT, signal.SIGTERM)  # at once: the second time asked

    def _asked_to_reload(self, number, frame) -> None:
        self.reload_asked = True

    def _signal(self, web: int, worker: int) -> None:
        for name, number in (("web", web), ("worker", worker)):
            child = self.children.get(name)
            if child is not None and child.poll() is None:
                child.send_signal(number)

    def _stop(self) -> int:
        # The worker finishes its task; gunicorn stops as it would on the same signal.
        self._signal(signal.SIGINT if self.first_stop == signal.SIGINT else signal.SIGTERM,
                     signal.SIGTERM)
        if not self._wait(1):
            self._say(f"Waiting up to {GRACE} seconds for work in hand to finish "
                      "(press Ctrl+C again to stop it now)…")
            if not self._wait(GRACE - 1):
                self._signal(signal.SIGQUIT, signal.SIGTERM)
                if not self._wait(10):
                    self._signal(signal.SIGKILL, signal.SIGKILL)
                    self._wait(5)
        web = self.children["web"].returncode
        return 0 if self.stops_asked else (web or 1)

    def _wait(self, seconds: float) -> bool:
        """Whether every child has stopped within ``seconds``."""
        until = time.monotonic() + seconds
        while any(child.poll() is None for child in self.children.values()):
            if time.monotonic() >= until:
                return False
            time.sleep(0.1)
        return True

    def _say(self, message: str) -> None:
        print(f"joinedup serve: {message}", file=sys.stderr, flush=True)
