"""The in-process Lambda runtime: direct invokes, async invokes, Step Functions integrations."""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any

import pytest

from localcloud import LocalCloud
from localcloud.awslambda.code import build_zip

ECHO = """
import os

def handler(event, context):
    return {
        "event": event,
        "greeting": os.environ.get("GREETING"),
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "region": os.environ.get("AWS_REGION"),
    }
"""

FAIL = """
def handler(event, context):
    raise ValueError("task " + event.get("task", "?") + " is broken")
"""

#: Writes the event to the SQS queue named in QUEUE_URL (for async and task-token tests).
TO_QUEUE = """
import json, os, time
import boto3

def handler(event, context):
    time.sleep(float(os.environ.get("SLEEP", "0")))
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {"queued": True}
"""


def package(helper_name: str) -> dict[str, str]:
    """A package shaped like the project's archive: ``dms_waiters/lambdas/app.py`` importing
    ``dms_waiters.lambdas.helper``."""
    return {
        "dms_waiters/__init__.py": "",
        "dms_waiters/lambdas/__init__.py": "",
        "dms_waiters/lambdas/helper.py": f"NAME = {helper_name!r}\n",
        "dms_waiters/lambdas/app.py": (
            "from dms_waiters.lambdas import helper\n"
            "CALLS = 0\n"
            "def handler(event, context):\n"
            "    global CALLS\n"
            "    CALLS += 1\n"
            "    return {'helper': helper.NAME, 'calls': CALLS}\n"
        ),
    }


def invoke(cloud: LocalCloud, name: str, payload: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = cloud.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kwargs
    )
    response["Body"] = json.loads(response["Payload"].read() or b"null")
    return response


def queue(cloud: LocalCloud, name: str) -> str:
    url: str = cloud.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    return url


def messages(cloud: LocalCloud, url: str) -> list[dict[str, Any]]:
    response = cloud.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    found: list[dict[str, Any]] = response.get("Messages", [])
    return found


# -- direct invocation -----------------------------------------------------------------------


def test_invoke_runs_the_handler_with_its_environment_and_context(cloud: LocalCloud) -> None:
    arn = cloud.create_function(
        "echo", {"app.py": ECHO}, environment={"GREETING": "hello"}, timeout=7, memory_size=256
    )
    response = invoke(cloud, "echo", {"task": "orders"})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    body = response["Body"]
    assert body["event"] == {"task": "orders"}
    assert body["greeting"] == "hello"
    assert body["function_name"] == "echo"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == arn
    assert body["memory_limit_in_mb"] == 256
    assert body["log_group_name"] == "/aws/lambda/echo"
    assert body["log_stream_name"].startswith("2026/01/01/[$LATEST]")
    assert 0 < body["remaining"] <= 7000
    assert body["region"] == cloud.region
    assert "GREETING" not in os.environ  # applied for the call only
    assert cloud.lambda_invocations("echo") == 1
    (record,) = cloud.lambda_runtime.records
    assert record.request_id == body["aws_request_id"]
    assert (record.invocation_type, record.at, record.error_type) == ("RequestResponse", 0.0, None)


def test_functions_shipping_the_same_module_are_isolated_and_stay_warm(cloud: LocalCloud) -> None:
    import dms_waiters.lambdas  # the repository's package, already imported by the local cloud

    ours = "dms_waiters"
    before = {name: module for name, module in sys.modules.items() if name.startswith(ours)}
    cloud.create_function("first", package("first"), handler="dms_waiters/lambdas/app.handler")
    cloud.create_function("second", package("second"), handler="dms_waiters.lambdas.app.handler")
    assert invoke(cloud, "first")["Body"] == {"helper": "first", "calls": 1}
    assert invoke(cloud, "second")["Body"] == {"helper": "second", "calls": 1}
    assert invoke(cloud, "first")["Body"] == {"helper": "first", "calls": 2}  # warm: same module
    after = {name: module for name, module in sys.modules.items() if name.startswith(ours)}
    assert after == before  # nothing leaked, nothing replaced
    assert sys.modules["dms_waiters.lambdas"] is dms_waiters.lambdas
    assert cloud.lambda_runtime.invocation_counts() == {"first": 2, "second": 1}


def test_new_code_is_a_cold_start(cloud: LocalCloud) -> None:
    cloud.create_function("f", package("old"), handler="dms_waiters/lambdas/app.handler")
    assert invoke(cloud, "f")["Body"]["helper"] == "old"
    cloud.client("lambda").update_function_code(FunctionName="f", ZipFile=build_zip(package("new")))
    assert invoke(cloud, "f")["Body"] == {"helper": "new", "calls": 1}


def test_an_exception_is_an_unhandled_function_error(cloud: LocalCloud) -> None:
    cloud.create_function("fail", {"app.py": FAIL})
    response = invoke(cloud, "fail", {"task": "orders"}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = response["Body"]
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "task orders is broken"
    assert body["requestId"]
    assert body["stackTrace"] == [
        '  File "/var/task/app.py", line 3, in handler\n'
        '    raise ValueError("task " + event.get("task", "?") + " is broken")\n'
    ]
    log = base64.b64decode(response["LogResult"]).decode()
    assert "[ERROR] ValueError: task orders is broken" in log
    assert cloud.lambda_runtime.records[-1].error_type == "ValueError"


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        ({"app.py": "def other(e, c): pass"}, "app.handler", "Runtime.HandlerNotFound", "missing"),
        ({"app.py": "import nowhere"}, "app.handler", "Runtime.ImportModuleError", "nowhere"),
        ({"app.py": "def handler(:"}, "app.handler", "Runtime.UserCodeSyntaxError", "Syntax"),
        ({"app.py": "def handler(e, c): pass"}, "handler", "Runtime.MalformedHandlerName", "Bad"),
        (
            {"app.py": "def handler(e, c): return object()"},
            "app.handler",
            "Runtime.MarshalError",
            "Unable to marshal response",
        ),
    ],
)
def test_runtime_errors_are_reported_as_aws_does(
    cloud: LocalCloud, files: dict[str, str], handler: str, error_type: str, message: str
) -> None:
    cloud.create_function("broken", files, handler=handler)
    response = invoke(cloud, "broken")
    assert response["FunctionError"] == "Unhandled"
    assert response["Body"]["errorType"] == error_type
    assert message in response["Body"]["errorMessage"]


def test_output_goes_to_the_log_tail_and_cloudwatch_logs(cloud: LocalCloud) -> None:
    cloud.create_function("talk", {"app.py": "def handler(e, c):\n    print('working on', e)\n"})
    response = invoke(cloud, "talk", {"n": 1}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert tail.startswith("START RequestId: ")
    assert "working on {'n': 1}" in tail
    assert "REPORT RequestId: " in tail
    assert response["Body"] is None  # the handler returned None: "null"
    logs = cloud.client("logs")
    (stream,) = logs.describe_log_streams(logGroupName="/aws/lambda/talk")["logStreams"]
    events = logs.get_log_events(
        logGroupName="/aws/lambda/talk", logStreamName=stream["logStreamName"]
    )
    assert any("working on" in e["message"] for e in events["events"])


def test_dry_run_checks_without_running(cloud: LocalCloud) -> None:
    cloud.create_function("echo", {"app.py": ECHO})
    response = cloud.client("lambda").invoke(FunctionName="echo", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert cloud.lambda_invocations("echo") == 0


def test_a_throttled_function_answers_too_many_requests(cloud: LocalCloud) -> None:
    cloud.create_function("echo", {"app.py": ECHO})
    cloud.lambda_runtime.throttle("echo", times=1)
    client = cloud.client("lambda")
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.invoke(FunctionName="echo", Payload=b"{}")
    assert invoke(cloud, "echo")["StatusCode"] == 200
    assert cloud.lambda_invocations("echo") == 1


# -- asynchronous invocation -----------------------------------------------------------------


def test_event_invocation_runs_in_the_background_tracked_by_the_clock(cloud: LocalCloud) -> None:
    url = queue(cloud, "out")
    cloud.create_function(
        "slow", {"app.py": TO_QUEUE}, environment={"QUEUE_URL": url, "SLEEP": "0.2"}
    )
    response = cloud.client("lambda").invoke(
        FunctionName="slow", InvocationType="Event", Payload=b'{"n": 7}'
    )
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    # The handler still sleeps (real time); it holds a busy unit, so the driver waits for it.
    cloud.clock.advance(0)
    assert [json.loads(m["Body"]) for m in messages(cloud, url)] == [{"n": 7}]
    assert cloud.lambda_runtime.records[-1].invocation_type == "Event"


def test_async_function_errors_are_retried_twice_then_sent_to_the_failure_destination(
    cloud: LocalCloud,
) -> None:
    failures = queue(cloud, "failures")
    failures_arn = f"arn:aws:sqs:{cloud.region}:{cloud.account_id}:failures"
    cloud.create_function("fail", {"app.py": FAIL})
    cloud.client("lambda").put_function_event_invoke_config(
        FunctionName="fail", DestinationConfig={"OnFailure": {"Destination": failures_arn}}
    )
    cloud.client("lambda").invoke(
        FunctionName="fail", InvocationType="Event", Payload=b'{"task": "t"}'
    )
    cloud.clock.run_until(lambda: cloud.lambda_invocations("fail") == 3)
    (message,) = messages(cloud, failures)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"task": "t"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"
    # Lambda waits one minute, then two, between attempts: on the virtual clock.
    assert [r.at for r in cloud.lambda_runtime.records] == [0.0, 60.0, 180.0]


def test_maximum_retry_attempts_is_honoured(cloud: LocalCloud) -> None:
    cloud.create_function("fail", {"app.py": FAIL})
    cloud.client("lambda").put_function_event_invoke_config(
        FunctionName="fail", MaximumRetryAttempts=0
    )
    cloud.client("lambda").invoke(FunctionName="fail", InvocationType="Event", Payload=b"{}")
    cloud.clock.advance(3600)
    assert cloud.lambda_invocations("fail") == 1


# -- Step Functions --------------------------------------------------------------------------


def lambda_task(function: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        **extra,
    }


def test_step_functions_lambda_invoke_reaches_the_handler(cloud: LocalCloud) -> None:
    cloud.create_function("echo", {"app.py": ECHO}, environment={"GREETING": "from sfn"})
    definition = {
        "StartAt": "Call",
        "States": {"Call": lambda_task("echo", ResultSelector={"body.$": "$.Payload"}, End=True)},
    }
    result = cloud.run_execution(cloud.create_state_machine("m", definition), {"task": "orders"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["body"]["event"] == {"task": "orders"}
    assert result.output["body"]["greeting"] == "from sfn"
    assert cloud.lambda_invocations("echo") == 1


def test_step_functions_catches_the_handlers_error_type(cloud: LocalCloud) -> None:
    cloud.create_function("fail", {"app.py": FAIL})
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": lambda_task(
                "fail",
                Catch=[{"ErrorEquals": ["ValueError"], "Next": "Caught", "ResultPath": "$.error"}],
                End=True,
            ),
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    result = cloud.run_execution(cloud.create_state_machine("m", definition), {"task": "orders"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.entered_states() == ["Call", "Caught"]
    error = result.output["error"]
    assert error["Error"] == "ValueError"
    cause = json.loads(error["Cause"])
    assert cause["errorMessage"] == "task orders is broken"
    assert cause["errorType"] == "ValueError"


def test_step_functions_retries_a_throttled_function(cloud: LocalCloud) -> None:
    cloud.create_function("echo", {"app.py": ECHO})
    cloud.lambda_runtime.throttle("echo", times=1)
    retry = {
        "ErrorEquals": ["Lambda.TooManyRequestsException"],
        "IntervalSeconds": 2,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
    }
    definition = {
        "StartAt": "Call",
        "States": {"Call": lambda_task("echo", Retry=[retry], End=True)},
    }
    result = cloud.run_execution(cloud.create_state_machine("m", definition))
    assert result.status == "SUCCEEDED", result.cause
    assert result.retries == 1
    assert result.virtual_seconds == 2
    assert cloud.lambda_invocations("echo") == 1
