"""CloudWatch Logs' Embedded Metric Format extraction: a Lambda's EMF lines become metrics."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from dms_waiters.lambdas import metrics
from localcloud import LocalCloud
from localcloud.cloudwatch.emf import metric_data

APP = """
import json, time

def handler(event, context):
    print("not a metric")
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": "Shop", "Dimensions": [["Service"], []],
         "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "Service": "cart", "Orders": event["orders"]}))
    return {}
"""


def record(**overrides: Any) -> dict[str, Any]:
    base = metrics.emf_record("hub", {metrics.HEARTBEATS: 2}, at=1_767_225_600)
    return {**base, **overrides}


def test_a_valid_record_yields_one_datum_per_metric_and_dimension_set() -> None:
    [(namespace, datum)] = metric_data(record())
    assert namespace == metrics.NAMESPACE
    assert datum["MetricName"] == metrics.HEARTBEATS
    assert datum["Dimensions"] == [{"Name": "Hub", "Value": "hub"}]
    assert (datum["Values"], datum["Unit"]) == ([2.0], "Count")
    assert datum["Timestamp"].replace(tzinfo=UTC).timestamp() == 1_767_225_600


def test_an_invalid_record_yields_nothing() -> None:
    assert metric_data(record(Hub=7)) == []  # a dimension value must be a string
    assert metric_data(record(HeartbeatsSent="2")) == []  # a value must be a number
    assert metric_data(record(HeartbeatsSent=[1.0] * 101)) == []  # at most 100 values
    assert metric_data({"Hub": "hub", "HeartbeatsSent": 2}) == []  # no _aws: a plain log line
    no_stamp = record()
    del no_stamp["_aws"]["Timestamp"]
    assert metric_data(no_stamp) == []


def test_a_functions_emf_lines_become_cloudwatch_metrics(cloud: LocalCloud) -> None:
    cloud.create_function("shop", {"app.py": APP})
    for orders in (3, 4):
        cloud.client("lambda").invoke(FunctionName="shop", Payload=f'{{"orders": {orders}}}')
    cw = cloud.client("cloudwatch")
    listed = cw.list_metrics(Namespace="Shop")["Metrics"]
    assert {str(m["Dimensions"]) for m in listed} == {
        "[]",
        "[{'Name': 'Service', 'Value': 'cart'}]",
    }
    now = cloud.clock.now_datetime()
    answer = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "orders",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "Shop",
                        "MetricName": "Orders",
                        "Dimensions": [{"Name": "Service", "Value": "cart"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
    )
    assert sum(answer["MetricDataResults"][0]["Values"]) == 7
    # Nothing was asked of the CloudWatch API but this test's own two reads.
    assert cloud.api_calls().get(("cloudwatch", "PutMetricData"), 0) == 0
