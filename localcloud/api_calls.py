"""Every AWS API request the emulator answers, counted by (service, operation)."""

from __future__ import annotations

import threading
from typing import Any

from moto.core.models import botocore_stubber

from .active import ACTIVE
from .patching import Patcher, patch

_API_CALLS_LOCK = threading.Lock()


@patch("all")
def api_call_metrics(p: Patcher) -> None:
    """Count every AWS API request the emulator answers, by (service, operation).

    AWS: billing counts requests (DynamoDB request units, DMS API calls are free but throttled).
    moto: answers requests without keeping any account of them.
    Patch: ``BotocoreStubber.__call__`` (where every mocked boto3 request of this process, from
    tests, handlers or Step Functions integrations, passes) increments a counter keyed by the
    service id of the ``before-send.<service>.<Operation>`` event, so the demo reports measured
    request counts per pattern.
    """
    stubber_cls = type(botocore_stubber)
    original = stubber_cls.__call__

    def counting_call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        counter = ACTIVE.api_calls
        if counter is not None and self.enabled:
            parts = event_name.split(".")
            if len(parts) >= 3:
                with _API_CALLS_LOCK:
                    counter[(parts[1], parts[2])] += 1
        return original(self, event_name, request, **kwargs)

    p.replace(stubber_cls, "__call__", counting_call)


def api_calls() -> dict[tuple[str, str], int]:
    """A copy of the active cloud's request counts by (service id, operation)."""
    with _API_CALLS_LOCK:
        return dict(ACTIVE.api_calls or {})
