"""The hub's CloudWatch dashboard body (a pure builder; docs/aws-facts.md, "Dashboard body").

Six metric widgets in two columns: the waits (registered, resumed by an event, resumed by the
reconciler), the waits in flight and overdue, the resume latency after DMS stopped, heartbeats
and errors (the hub's own metrics, ``lambdas.metrics``), the dead-letter queue's depth and the
hub's Lambda errors (AWS's metrics).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from ..lambdas import metrics as m

WIDTH: Final = 12
HEIGHT: Final = 6
#: Seconds per data point: SQS publishes every 5 minutes.
PERIOD_SECONDS: Final = 300


def _own(name: str, table: str, stat: str, label: str | None = None) -> list[Any]:
    return [m.NAMESPACE, name, m.DIMENSION, table, {"stat": stat, "label": label or name}]


def _widget(
    index: int, title: str, region: str, lines: list[list[Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": (index % 2) * WIDTH,
        "y": (index // 2) * HEIGHT,
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": PERIOD_SECONDS,
            "metrics": lines,
            **extra,
        },
    }


def hub_dashboard(
    region: str, table: str, dlq_name: str, function_names: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The dashboard body of the hub whose waiter table is ``table``; ``function_names`` are
    (role, Lambda function name) pairs, e.g. ``("resume", "hub-resume-1a2b3c")``."""
    widgets = [
        (
            "Waits",
            [
                _own(m.WAITS_REGISTERED, table, "Sum", "registered"),
                _own(m.RESUMED_BY_EVENT, table, "Sum", "resumed by a DMS event"),
                _own(m.RESUMED_BY_RECONCILER, table, "Sum", "resumed by the reconciler (lost)"),
            ],
        ),
        (
            "Waits in flight and past their deadline",
            [
                _own(m.WAITS_IN_FLIGHT, table, "Maximum", "in flight"),
                _own(m.WAITS_OVERDUE, table, "Maximum", "past their deadline"),
            ],
        ),
        (
            "Resume latency after DMS stopped (seconds)",
            [
                _own(m.RESUME_LATENCY, table, "Average", "average"),
                _own(m.RESUME_LATENCY, table, "Maximum", "maximum"),
            ],
        ),
        (
            "Heartbeats and errors",
            [
                _own(m.HEARTBEATS, table, "Sum", "heartbeats sent"),
                _own(m.ERRORS, table, "Sum", "errors"),
            ],
        ),
        (
            "Dead-letter queue depth",
            [
                [
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    dlq_name,
                    {"stat": "Maximum", "label": "messages"},
                ]
            ],
        ),
        (
            "Handler errors",
            [
                ["AWS/Lambda", "Errors", "FunctionName", name, {"stat": "Sum", "label": role}]
                for role, name in function_names
            ],
        ),
    ]
    return {
        "widgets": [_widget(i, title, region, lines) for i, (title, lines) in enumerate(widgets)]
    }
