"""Serve the site with gunicorn, the way it runs in production."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve JoinedUp with gunicorn on the given address (default 127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, host, port, workers, **options):
        from gunicorn.app.wsgiapp import run

        self.stdout.write(f"Serving on http://{host}:{port}/  (press Ctrl+C to stop)")
        argv = [
            "gunicorn",
            "joinedup.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--threads=4",
            "--access-logfile=-",
            "--timeout=60",
        ]
        sys.argv = argv
        run()
