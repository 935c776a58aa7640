"""A function's ``LoggingConfig`` and its application logs, as Lambda's Python runtime writes them.

Lambda (``LoggingConfig``): ``LogFormat`` ``Text`` (the default) or ``JSON``; with JSON,
``ApplicationLogLevel`` and ``SystemLogLevel`` (default ``INFO`` each); ``LogGroup`` (default
``/aws/lambda/<function name>``). The runtime learns them from ``AWS_LAMBDA_LOG_FORMAT`` and
``AWS_LAMBDA_LOG_LEVEL``. The Python runtime (aws/aws-lambda-python-runtime-interface-client,
``awslambdaric/bootstrap.py`` ``_setup_logging`` and ``lambda_runtime_log_utils.py``
``JsonFormatter``, commit 46e4c6a) adds one handler to the root logger: text records as
``[LEVEL]\\t<time>Z\\t<request id>\\t<message>``, JSON records as one object (``timestamp``,
``level``, ``message``, ``logger``, ``requestId``, the record's ``extra`` keys as top-level keys,
``errorType``/``errorMessage``/``stackTrace``/``location`` for an exception); the root logger's
level is set only when a level is configured. The durable SDK's ``context.logger`` writes
through the root logger with its execution metadata as ``extra`` (``executionArn``,
``operationId``, ``operationName``, ``attempt``...), so its lines reach the log group the same way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import traceback
from collections.abc import Iterator, Mapping
from typing import Any, Final, TextIO

DEFAULT_FORMAT: Final = "Text"
DEFAULT_LEVEL: Final = "INFO"
TEXT_FORMAT: Final = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
TEXT_DATE_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"
JSON_DATE_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
#: LogRecord attributes that are not ``extra`` keys (awslambdaric's ``_RESERVED_FIELDS``).
_RESERVED: Final = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", None, None).__dict__,
        "message",
        "asctime",
        "aws_request_id",
        "tenant_id",
        "taskName",
    }
)


def logging_config(
    function_name: str,
    requested: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The ``LoggingConfig`` Lambda keeps: ``requested`` over ``current``, with its defaults."""
    merged = {**(current or {}), **(requested or {})}
    log_format = str(merged.get("LogFormat") or DEFAULT_FORMAT)
    config = {
        "LogFormat": log_format,
        "LogGroup": str(merged.get("LogGroup") or f"/aws/lambda/{function_name}"),
    }
    if log_format == "JSON":
        config["ApplicationLogLevel"] = str(merged.get("ApplicationLogLevel") or DEFAULT_LEVEL)
        config["SystemLogLevel"] = str(merged.get("SystemLogLevel") or DEFAULT_LEVEL)
    return config


def of(fn: Any) -> dict[str, str]:
    """The ``LoggingConfig`` of moto function ``fn`` (defaults when it has none)."""
    kept = getattr(fn, "logging_config", None)
    return logging_config(str(fn.function_name), kept if isinstance(kept, Mapping) else None)


def environment(fn: Any) -> dict[str, str]:
    """``AWS_LAMBDA_LOG_FORMAT`` and, with JSON, ``AWS_LAMBDA_LOG_LEVEL``, as Lambda sets them."""
    config = of(fn)
    values = {"AWS_LAMBDA_LOG_FORMAT": config["LogFormat"]}
    if "ApplicationLogLevel" in config:
        values["AWS_LAMBDA_LOG_LEVEL"] = config["ApplicationLogLevel"]
    return values


class JsonFormatter(logging.Formatter):
    """One JSON object per record, as the Python runtime's ``JsonFormatter`` writes it."""

    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__(datefmt=JSON_DATE_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as the runtime's JSON line."""
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        body: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc and exc[0] else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        body.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key not in body
        )
        return json.dumps(
            {k: v for k, v in body.items() if v is not None}, ensure_ascii=False, default=str
        )


class _RequestIdFilter(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


@contextlib.contextmanager
def application_logging(fn: Any, request_id: str, output: TextIO) -> Iterator[None]:
    """While a handler runs: the runtime's root-logger handler, writing to ``output``."""
    config = of(fn)
    handler = logging.StreamHandler(output)
    if config["LogFormat"] == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT)
        formatter.converter = time.gmtime  # type: ignore[assignment]
        handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter(request_id))
    root = logging.getLogger()
    level = root.level
    if "ApplicationLogLevel" in config:
        # The runtime maps TRACE to DEBUG (awslambdaric ``_get_log_level_from_env_var``).
        root.setLevel(config["ApplicationLogLevel"].replace("TRACE", "DEBUG"))
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
