"""Compare a durable execution's whole history with the history AWS documents for the case.

``assert_history(events, expected)``: ``events`` is ``GetDurableExecutionHistory``'s
``Events`` (all pages), ``expected`` the whole list AWS reports, in order. Every event and
every detail must match exactly (same keys, same values, same length and order) except:

* ``"*"`` matches any value (timestamps, request and callback ids: generated values);
* ``"${NAME}"`` matches any value, and every ``${NAME}`` must be the same value (an operation
  id that several events share).

The notation is the one of AWS's conformance suite for the durable SDKs
(aws/aws-durable-execution-conformance-tests, ``test-requirements/*/*.yaml``), whose expected
histories are checked against executions run on AWS; unlike it, an expected event here lists
every key it has (``{}`` is an empty object, not "anything").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

# -- building expected events (the shapes of botocore's ``Event``) -----------------------------

ANY: Final = "*"


def started(payload: str, timeout: int) -> dict[str, Any]:
    """ExecutionStarted: event 1 (the conformance suite numbers the others from 2)."""
    return {
        "EventType": "ExecutionStarted",
        "EventId": 1,
        "Id": "${EXECUTION}",
        "Name": ANY,
        "EventTimestamp": ANY,
        "ExecutionStartedDetails": {
            "Input": {"Payload": payload, "Truncated": False},
            "ExecutionTimeout": timeout,
        },
    }


def invocation(event_id: int, error: dict[str, Any] | None = None) -> dict[str, Any]:
    """InvocationCompleted."""
    # InvocationCompletedDetails: StartTimestamp, EndTimestamp, RequestId (required), Error
    # (botocore: "Details about the invocation failure"; conformance step/1-17: a crashed
    # invocation's Error.Payload.ErrorType is Runtime.ExitError).
    details: dict[str, Any] = {"StartTimestamp": ANY, "EndTimestamp": ANY, "RequestId": ANY}
    if error is not None:
        details["Error"] = error
    return {
        "EventType": "InvocationCompleted",
        "EventId": event_id,
        "EventTimestamp": ANY,
        "InvocationCompletedDetails": details,
    }


def succeeded(event_id: int, payload: str) -> dict[str, Any]:
    """ExecutionSucceeded with its result."""
    return {
        "EventType": "ExecutionSucceeded",
        "EventId": event_id,
        "Id": "${EXECUTION}",
        "Name": ANY,
        "EventTimestamp": ANY,
        "ExecutionSucceededDetails": {"Result": {"Payload": payload, "Truncated": False}},
    }


def step(
    event_id: int,
    kind: str,
    op: str,
    name: str,
    details: Any,
    sub: str = "Step",
    parent: str | None = None,
) -> dict[str, Any]:
    """An operation's event (``kind``: StepStarted, WaitSucceeded, CallbackStarted...)."""
    event: dict[str, Any] = {
        "EventType": kind,
        "SubType": sub,
        "EventId": event_id,
        "Id": op,
        "Name": name,
        "EventTimestamp": ANY,
    }
    if parent is not None:
        event["ParentId"] = parent
    event[f"{kind}Details"] = details
    return event


def result(payload: str) -> dict[str, Any]:
    """An ``EventResult`` read with ``IncludeExecutionData``."""
    return {"Payload": payload, "Truncated": False}


# -- comparing ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")


def all_events(client: Any, execution_arn: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every event of ``execution_arn``'s history, following ``NextMarker``."""
    events: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        extra = {"Marker": marker} if marker else {}
        page = client.get_durable_execution_history(
            DurableExecutionArn=execution_arn, **kwargs, **extra
        )
        events.extend(page["Events"])
        marker = page.get("NextMarker")
        if not marker:
            return events


def history_mismatches(
    events: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]
) -> list[str]:
    """How ``events`` differ from ``expected`` (empty when they match)."""
    errors: list[str] = []
    bindings: dict[str, Any] = {}
    if len(events) != len(expected):
        errors.append(
            f"{len(events)} events, expected {len(expected)}: "
            f"{[e.get('EventType') for e in events]}"
        )
    for index, (actual, wanted) in enumerate(zip(events, expected, strict=False)):
        _match(wanted, actual, f"[{index}] {wanted.get('EventType')}", bindings, errors)
    return errors


def assert_history(
    events: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]
) -> None:
    """Fail with every difference unless ``events`` match ``expected`` (module docstring)."""
    errors = history_mismatches(events, expected)
    assert not errors, "history differs from AWS's:\n" + "\n".join(errors)


def _match(
    wanted: Any, actual: Any, path: str, bindings: dict[str, Any], errors: list[str]
) -> None:
    if wanted == "*":
        return
    if isinstance(wanted, str) and (found := _PLACEHOLDER.match(wanted)):
        name = found.group(1)
        if name in bindings and bindings[name] != actual:
            errors.append(f"{path}: {actual!r} is not ${{{name}}} = {bindings[name]!r}")
        bindings.setdefault(name, actual)
        return
    if isinstance(wanted, Mapping):
        if not isinstance(actual, Mapping):
            errors.append(f"{path}: {actual!r} is not an object")
            return
        missing = [key for key in wanted if key not in actual]
        extra = [key for key in actual if key not in wanted]
        if missing:
            errors.append(f"{path}: missing {missing}")
        if extra:
            errors.append(f"{path}: unexpected {extra} = {[actual[k] for k in extra]}")
        for key in wanted:
            if key in actual:
                _match(wanted[key], actual[key], f"{path}.{key}", bindings, errors)
        return
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            errors.append(f"{path}: {actual!r} is not a list of {len(wanted)}")
            return
        for i, (w, a) in enumerate(zip(wanted, actual, strict=True)):
            _match(w, a, f"{path}[{i}]", bindings, errors)
        return
    if wanted != actual:
        errors.append(f"{path}: {actual!r} != expected {wanted!r}")
