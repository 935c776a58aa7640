"""``LoggingConfig`` and what a function's code logs, in the function's log group.

Sources: botocore's Lambda model (``LoggingConfig``: ``LogFormat``, ``ApplicationLogLevel``,
``SystemLogLevel``, ``LogGroup``); Lambda's Python runtime (aws/aws-lambda-python-runtime-
interface-client ``awslambdaric/bootstrap.py`` ``_setup_logging``, ``lambda_runtime_log_utils.py``
``JsonFormatter``: the text line and the JSON object of a ``logging`` record); the durable SDK's
logging documentation (aws/aws-durable-execution-docs ``docs/sdk-reference/observability/
logging.md``: with JSON, ``context.logger``'s metadata, ``executionArn`` and, in a step,
``operationId``/``operationName``/``attempt``, are top-level keys).
"""

from __future__ import annotations

import json
from typing import Any

from localcloud import LocalCloud
from tests.localcloud.test_durable import DURABLE, HEADER

LOGGING = (
    HEADER
    + """
import logging


def work(step_context):
    step_context.logger.info("in the step")
    return 1


@durable_execution
def handler(event, context: DurableContext):
    context.logger.info("starting", extra={"order": 42})
    context.logger.debug("details")
    print("a plain print")
    context.step(work, name="work")
    return "ok"
"""
)


def log_messages(cloud: LocalCloud, group: str) -> list[str]:
    logs = cloud.client("logs")
    messages: list[str] = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])
        messages.extend(event["message"] for event in events["events"])
    return messages


def test_logging_config_is_kept_on_create_and_update_with_its_defaults(cloud: LocalCloud) -> None:
    lam = cloud.client("lambda")
    cloud.create_function("plain", {"app.py": "def handler(e, c): return e"})
    # Reported even when not set: Text, the function's own group.
    assert lam.get_function_configuration(FunctionName="plain")["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": "/aws/lambda/plain",
    }
    cloud.create_function(
        "structured",
        {"app.py": "def handler(e, c): return e"},
        logging_config={"LogFormat": "JSON", "LogGroup": "/custom/structured"},
    )
    # JSON: both levels default to INFO.
    assert lam.get_function_configuration(FunctionName="structured")["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": "/custom/structured",
    }
    updated = lam.update_function_configuration(
        FunctionName="structured", LoggingConfig={"ApplicationLogLevel": "DEBUG"}
    )
    assert updated["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "DEBUG",
        "SystemLogLevel": "INFO",
        "LogGroup": "/custom/structured",
    }
    assert (
        lam.get_function(FunctionName="structured")["Configuration"]["LoggingConfig"]
        == (updated["LoggingConfig"])
    )


def test_the_durable_loggers_json_lines_reach_the_functions_log_group(cloud: LocalCloud) -> None:
    cloud.create_function(
        "fn",
        {"app.py": LOGGING},
        durable_config=DURABLE,
        logging_config={"LogFormat": "JSON", "LogGroup": "/app/fn"},
        publish=True,
    )
    arn = cloud.start_durable_execution("fn:1", {})
    assert cloud.wait_for_durable_execution(arn).status == "SUCCEEDED"
    messages = log_messages(cloud, "/app/fn")
    assert "a plain print" in messages  # print output stays plain text
    records: list[dict[str, Any]] = []
    for message in messages:
        if message.startswith("{"):
            records.append(json.loads(message))
    by_message = {record["message"]: record for record in records}
    # The handler-level logger: executionArn and the caller's extra keys, at top level.
    starting = by_message["starting"]
    assert starting["level"] == "INFO"
    assert starting["logger"] == "root"
    assert starting["executionArn"] == arn
    assert starting["order"] == 42
    assert starting["requestId"] in {r.request_id for r in cloud.lambda_runtime.records}
    assert set(starting) >= {"timestamp", "level", "message", "logger", "requestId"}
    # The step's logger adds the operation's id, name and attempt.
    in_step = by_message["in the step"]
    assert (in_step["operationName"], in_step["attempt"]) == ("work", 1)
    assert in_step["executionArn"] == arn
    assert "operationId" in in_step
    # ApplicationLogLevel INFO (the JSON default) drops DEBUG records.
    assert "details" not in by_message
    # Nothing goes to the default group when LoggingConfig names another one.
    assert not cloud.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/fn")[
        "logGroups"
    ]


def test_text_format_writes_the_runtimes_text_line(cloud: LocalCloud) -> None:
    source = (
        "import logging\n"
        "def handler(event, context):\n"
        "    logging.getLogger().warning('careful: %s', 'x')\n"
        "    return 1\n"
    )
    cloud.create_function("text", {"app.py": source})
    response = cloud.client("lambda").invoke(FunctionName="text")
    assert response["StatusCode"] == 200
    [record] = cloud.lambda_runtime.records
    lines = [line for line in log_messages(cloud, "/aws/lambda/text") if line.startswith("[")]
    assert len(lines) == 1
    level, stamp, request_id, message = lines[0].split("\t")
    assert (level, request_id, message) == ("[WARNING]", record.request_id, "careful: x")
    assert stamp.endswith("Z") and len(stamp) == len("2026-01-01T00:00:00.000Z")
