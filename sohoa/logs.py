"""Structured logging: an event name plus typed fields, as text or JSON lines.

Callers pass identifiers, counts, states and reason codes, never document text. The secrecy rule
is enforced by convention and by a test that scans the log after a classified document went
through the whole pipeline.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_FIELDS = "sohoa_fields"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        out.update(getattr(record, _FIELDS, {}))
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, _FIELDS, {})
        extra = " ".join(f"{k}={_short(v)}" for k, v in fields.items())
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{stamp} {record.levelname[0]} {record.name}: {record.getMessage()}"
        return f"{line} {extra}" if extra else line


def _short(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


class EventLogger:
    """`log.info("job.claimed", job=12, source="a.pdf")`"""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    def _log(self, level: int, event: str, fields: dict[str, Any], exc_info: bool = False) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, extra={_FIELDS: fields}, exc_info=exc_info)

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, exc_info: bool = False, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields, exc_info=exc_info)


def get_logger(name: str) -> EventLogger:
    return EventLogger(name)


def configure(level: str = "INFO", json_lines: bool = False, file: str | None = None) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter: logging.Formatter = _JsonFormatter() if json_lines else _TextFormatter()
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(formatter)
    root.addHandler(stream)
    if file:
        to_file = logging.FileHandler(file, encoding="utf-8")
        to_file.setFormatter(_JsonFormatter())
        root.addHandler(to_file)
    root.setLevel(level.upper())
    # Third-party libraries log document text at DEBUG/INFO (ocrmypdf prints page text in some
    # paths, pdfminer dumps content): keep them at WARNING and never above our own level.
    for noisy in ("ocrmypdf", "pdfminer", "PIL", "pyhanko", "pyhanko_certvalidator", "watchdog",
                  "werkzeug", "fontTools", "pikepdf"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
