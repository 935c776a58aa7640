"""CloudWatch Logs' Embedded Metric Format extraction: metrics out of a Lambda's log lines.

AWS: a log event that is a JSON object with ``_aws.CloudWatchMetrics`` (and ``_aws.Timestamp``,
epoch milliseconds) becomes metric data: for each directive, each metric it names (the value is
the root member of that name, a number or an array of up to 100 numbers), once per dimension set
(each dimension's value is the root member of that name, a string). A record that fails
validation is kept as a log event and no metric is extracted (docs/aws-facts.md, "Embedded
Metric Format"). moto's CloudWatch Logs stores the lines but extracts nothing: this does,
writing to moto's CloudWatch backend directly, as the service does (no PutMetricData request is
counted). The data points keep the record's own timestamp: a handler's, on the virtual clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from moto.cloudwatch.models import cloudwatch_backends

#: EMF's limits: metrics per directive, dimensions per set, values per metric.
MAX_METRICS: Final = 100
MAX_DIMENSIONS: Final = 30
MAX_VALUES: Final = 100


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def metric_data(record: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (namespace, PutMetricData datum) pairs an EMF ``record`` yields; [] if it is not a
    valid EMF record."""
    meta = record.get("_aws")
    if not isinstance(meta, Mapping):
        return []
    stamp, directives = meta.get("Timestamp"), meta.get("CloudWatchMetrics")
    if not _number(stamp) or not isinstance(directives, list):
        return []
    # Naive UTC, as moto stores the timestamps of PutMetricData and compares them.
    at = datetime.fromtimestamp(stamp / 1000, tz=UTC).replace(tzinfo=None)
    found: list[tuple[str, dict[str, Any]]] = []
    for directive in directives:
        if not isinstance(directive, Mapping):
            return []
        namespace, sets, metrics = (
            directive.get("Namespace"),
            directive.get("Dimensions"),
            directive.get("Metrics"),
        )
        if not isinstance(namespace, str) or not namespace:
            return []
        if not isinstance(sets, list) or not isinstance(metrics, list):
            return []
        if len(metrics) > MAX_METRICS:
            return []
        dimension_sets: list[list[dict[str, str]]] = []
        for names in sets:
            if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
                return []
            if not all(isinstance(record.get(n), str) for n in names):
                return []
            dimension_sets.append([{"Name": n, "Value": record[n]} for n in names])
        for metric in metrics:
            name = metric.get("Name") if isinstance(metric, Mapping) else None
            if not isinstance(name, str):
                return []
            value = record.get(name)
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > MAX_VALUES or not all(_number(v) for v in values):
                return []
            for dimensions in dimension_sets or [[]]:
                datum: dict[str, Any] = {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Values": [float(v) for v in values],
                    "Timestamp": at,
                }
                if isinstance(metric.get("Unit"), str):
                    datum["Unit"] = metric["Unit"]
                found.append((namespace, datum))
    return found


def extract(account_id: str, region: str, lines: Iterable[str]) -> int:
    """Put the metrics of every EMF line of ``lines`` into the region's CloudWatch; the number
    of data points written."""
    backend = cloudwatch_backends[account_id][region]
    written = 0
    for line in lines:
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, Mapping):
            continue
        for namespace, datum in metric_data(record):
            backend.put_metric_data(namespace, [datum])
            written += 1
    return written
