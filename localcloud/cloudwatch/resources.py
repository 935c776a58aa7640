"""The deployer's handlers for CloudWatch: metric alarms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import as_int, compact, retag_resource, tag_list


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    metric = query.get("metric")
    return compact(
        {
            "Id": query["id"],
            "Expression": query.get("expression"),
            "Label": query.get("label"),
            "ReturnData": query.get("returnData"),
            "Period": as_int(query.get("period")),
            "AccountId": query.get("accountId"),
            "MetricStat": None
            if not metric
            else compact(
                {
                    "Metric": compact(
                        {
                            "MetricName": metric["metricName"],
                            "Namespace": metric.get("namespace"),
                            "Dimensions": [
                                {"Name": k, "Value": v}
                                for k, v in metric.get("dimensions", {}).items()
                            ]
                            or None,
                        }
                    ),
                    "Period": as_int(metric["period"]),
                    "Stat": metric["stat"],
                    "Unit": metric.get("unit"),
                }
            ),
        }
    )


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def create_metric_alarm(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """CloudWatch alarm: PutMetricAlarm (metric or metric-math queries, statistic, period,
    threshold, comparison, evaluation periods, datapoints, missing data, actions, tags), then
    DescribeAlarms for its ARN. Id: the alarm name."""
    cloudwatch = req.client("cloudwatch")
    name = req.physical_name()
    queries = req.get("metricQueries", [])
    cloudwatch.put_metric_alarm(
        **compact(
            {
                "AlarmName": name,
                "AlarmDescription": req.get("alarmDescription"),
                "ActionsEnabled": req.get("actionsEnabled", True),
                "AlarmActions": req.get("alarmActions"),
                "OKActions": req.get("okActions"),
                "InsufficientDataActions": req.get("insufficientDataActions"),
                "MetricName": req.get("metricName"),
                "Namespace": req.get("namespace"),
                "Statistic": req.get("statistic"),
                "ExtendedStatistic": req.get("extendedStatistic"),
                "Dimensions": [
                    {"Name": k, "Value": v} for k, v in req.get("dimensions", {}).items()
                ]
                or None,
                "Period": as_int(req.get("period")),
                "Unit": req.get("unit"),
                "EvaluationPeriods": as_int(req.inputs["evaluationPeriods"]),
                "DatapointsToAlarm": as_int(req.get("datapointsToAlarm")),
                "Threshold": req.get("threshold"),
                "ThresholdMetricId": req.get("thresholdMetricId"),
                "ComparisonOperator": req.inputs["comparisonOperator"],
                "TreatMissingData": req.get("treatMissingData"),
                "EvaluateLowSampleCountPercentile": req.get("evaluateLowSampleCountPercentiles"),
                "Metrics": [_metric_query(q) for q in queries] or None,
                "Tags": None if req.previous else tag_list(req.tags),
            }
        )
    )
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return name, {
        "name": name,
        "arn": alarm["AlarmArn"],
        "actionsEnabled": bool(req.get("actionsEnabled", True)),
        "treatMissingData": req.get("treatMissingData", "missing"),
        "tagsAll": req.tags,
    }


@updates("aws:cloudwatch/metricAlarm:MetricAlarm")
def update_metric_alarm(req: ResourceRequest) -> dict[str, Any]:
    """Alarm in place: PutMetricAlarm again with the same name (it replaces the alarm's
    settings), TagResource/UntagResource."""
    outputs = create_metric_alarm(req)[1]
    retag_resource(req, req.client("cloudwatch"), ResourceARN=outputs["arn"])
    return outputs


@deletes("aws:cloudwatch/metricAlarm:MetricAlarm")
def delete_metric_alarm(req: ResourceRequest) -> None:
    """Alarm: DeleteAlarms."""
    req.client("cloudwatch").delete_alarms(AlarmNames=[req.physical_name()])
