"""Logs as JSON lines when LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from joinedup.maintenance.logs import JsonFormatter

from .conftest import HIDDEN


def test_a_record_is_one_json_object():
    logger = logging.getLogger("joinedup.test")
    record = logger.makeRecord("joinedup.test", logging.WARNING, __file__, 1,
                               "Upload %s refused", ("42",), None,
                               extra={"status_code": 400, "request": object()})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "joinedup.test"
    assert entry["message"] == "Upload 42 refused"
    assert entry["status_code"] == 400
    assert "request" not in entry
    assert entry["time"].endswith("+00:00")


def test_an_exception_keeps_its_traceback():
    try:
        raise ValueError("bad row")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed",
                                                   (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad row" in entry["exception"]


def test_log_format_json_selects_the_formatter(tmp_path):
    code = ("import django, os, logging; os.environ['DJANGO_SETTINGS_MODULE']='joinedup.settings';"
            "django.setup(); logging.getLogger('joinedup.check').warning('hello %s', 'there')")
    import os

    env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    env.update(SECRET_KEY="k" * 40, JOINEDUP_DATA_DIR=str(tmp_path), LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert {"level": "WARNING", "logger": "joinedup.check", "message": "hello there"}.items() \
        <= lines[-1].items()
