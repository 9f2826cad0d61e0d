"""Log records as JSON lines, for a log collector (``LOG_FORMAT=json``).

Each record is one object: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
any extra values given to the logger that are plain numbers or text (such as Django's
``status_code``), and ``exception`` with the traceback when there is one.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

#: Attributes every LogRecord has; anything else was passed as ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and (
                    value is None or isinstance(value, (str, int, float, bool))):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
