"""Lazily created, process-wide boto3 clients: the only place the handlers build one.

A client is built on first use, not at import, so importing a handler costs nothing and reads
no configuration (Lambda's region and credentials are in the environment by then; a test has
injected its fake by then). One client per service is reused across warm invocations, as AWS
recommends. Tests call ``set_client`` to inject a fake (or a moto-backed client) and
``reset_clients`` to forget every client.
"""

from __future__ import annotations

import threading
from typing import Any

#: Every client the handlers use, by boto3 service name.
SERVICES = ("dms", "dynamodb", "stepfunctions", "lambda", "secretsmanager")

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """The shared client for ``service`` (one of ``SERVICES``), created on first use."""
    with _lock:
        existing = _clients.get(service)
        if existing is None:
            existing = _clients[service] = _new_client(service)
        return existing


def set_client(service: str, value: Any) -> None:
    """Use ``value`` as the client for ``service`` from now on (tests inject fakes here)."""
    with _lock:
        _clients[service] = value


def reset_clients() -> None:
    """Forget every client; the next ``client`` call builds a fresh one."""
    with _lock:
        _clients.clear()


def _new_client(service: str) -> Any:
    if service not in SERVICES:
        raise ValueError(f"unexpected AWS service {service!r}; expected one of {SERVICES}")
    # Imported here so the pure modules (event parsing, classification) never need boto3.
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    # "standard" retry mode retries throttling with backoff a few times inside one call, which
    # absorbs short bursts before a handler has to fail and let Lambda retry the invocation.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)
    return boto3.client(service, config=config)
