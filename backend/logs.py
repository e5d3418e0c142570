"""Keep secrets out of logs: tokens, WeChat session keys, access tokens and phone numbers.

Redaction happens where every record is born: `install()` sets a log-record factory that cleans the
arguments, the formatted message, the traceback (`exc_text`) and `stack_info` of every record, whichever
logger wrote it and whichever handler prints it (uvicorn's own loggers and access log included, which
Django's LOGGING does not configure). The formatters redact their whole output once more, so that a
handler added later with our formatter cannot leak either. `RedactSecretsFilter` (on the console
handler) installs the factory when Django configures logging and cleans records made before that.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

_SECRET = r"[A-Za-z0-9._~+/=-]"
_PATTERNS = [
    # django-ninja: "Unexpected auth - 'Token abc…'" — the whole header value, whatever its scheme.
    (re.compile(r"(Unexpected auth - ')[^']*"), r"\1[redacted]"),
    (re.compile(rf"(?i)(\b(?:bearer|token|basic)\s+){_SECRET}{{16,}}"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)" + _SECRET + "+"), r"\1[redacted]"),
    # websocket subprotocol header: "bearer, <token>"
    (re.compile(rf"(?i)(bearer\s*,\s*){_SECRET}+"), r"\1[redacted]"),
    (re.compile(r"(?i)(\"?(?:session_key|access_token|token|secret|js_code|code|sessionid|password)"
                r"\"?'?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"), r"\1[redacted]"),
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


_traceback_formatter = logging.Formatter()


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: arguments one by one (formatters such as uvicorn's access log read
    them), then the formatted message, the traceback and the stack."""
    if getattr(record, "_redacted", False):
        return record
    record._redacted = True  # type: ignore[attr-defined]
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(arg) for arg in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {key: _redact_arg(value) for key, value in record.args.items()}
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not break logging
        message = None
    if message is not None:
        cleaned = redact(message)
        if cleaned != message:  # a secret the arguments alone did not show (split across msg and args)
            record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = _traceback_formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed = False


def install() -> None:
    """Make every new log record redacted at creation (idempotent)."""
    global _installed
    if _installed:
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(base(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


class RedactSecretsFilter(logging.Filter):
    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install()

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


class PlainFormatter(logging.Formatter):
    """`%(asctime)s %(levelname)s %(name)s %(message)s` plus the traceback, all redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(scrub(record)))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json), for log shippers; times in UTC; redacted."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        scrub(record)
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "pid": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)
