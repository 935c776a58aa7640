"""Chained durable invokes (``context.invoke``) in the local cloud: the child runs as its own
durable execution on the virtual clock; its result, or its error type and message, reach the
parent as the durable SDK documents (``InvokeError``)."""

from __future__ import annotations

from localcloud import LocalCloud
from tests.localcloud.test_durable import HEADER, WAITING, deploy

#: Invokes the function named in the event and reports what came back (or what was raised).
PARENT = (
    HEADER
    + """
from aws_durable_execution_sdk_python.exceptions import InvokeError

@durable_execution
def handler(event, context: DurableContext):
    try:
        result = context.invoke(event["target"], event["payload"], name="child")
    except InvokeError as error:
        return {"error_type": error.error_type, "message": error.message}
    return {"result": result}
"""
)


def test_the_child_runs_its_whole_wait_and_its_result_reaches_the_parent(
    cloud: LocalCloud,
) -> None:
    child = deploy(cloud, WAITING, "child")
    parent = deploy(cloud, PARENT, "parent")
    result = cloud.run_durable_execution(
        parent, {"target": child, "payload": {"wait": 3600, "n": 1}}
    )
    assert result.status == "SUCCEEDED"
    assert result.output == {"result": {"sum": 3, "event": {"wait": 3600, "n": 1}}}
    assert result.ended_at - result.started_at >= 3600
    children = [r for r in cloud.durable.records() if r.execution_arn != result.execution_arn]
    assert [c.function_arn.rsplit(":", 1)[1] for c in children] == ["child"]
    assert children[0].version == "1"  # the alias resolved to its version


def test_the_childs_error_type_and_message_reach_the_parent(cloud: LocalCloud) -> None:
    child = deploy(cloud, WAITING, "child")
    parent = deploy(cloud, PARENT, "parent")
    result = cloud.run_durable_execution(
        parent, {"target": child, "payload": {"wait": 60, "fail": True}}
    )
    assert result.output == {"error_type": "ValueError", "message": "asked to fail"}


def test_an_unknown_or_unqualified_target_fails_the_invoke(cloud: LocalCloud) -> None:
    deploy(cloud, WAITING, "child")
    parent = deploy(cloud, PARENT, "parent")
    missing = cloud.run_durable_execution(parent, {"target": "nothing:live", "payload": {}})
    assert missing.output["error_type"] == "ResourceNotFoundException"
    unqualified = cloud.run_durable_execution(parent, {"target": "child", "payload": {}})
    assert unqualified.output["error_type"] == "InvalidParameterValueException"


#: A durable waiter stand-in that fails with the waiter's error class.
FAILING_WAITER = (
    HEADER
    + """
from dms_waiters.lambdas.errors import DmsTaskFailed

@durable_execution
def handler(event, context: DurableContext):
    context.step(lambda _: None, name="describe")
    raise DmsTaskFailed("Last failure: table ORDERS errored")
"""
)

#: A user's parent waiting with ``wait_for_dms``, catching the waiter's error by its class.
WAITING_PARENT = (
    HEADER
    + """
from dms_waiters.lambdas.chained import wait_for_dms
from dms_waiters.lambdas.errors import HandlerError

@durable_execution
def handler(event, context: DurableContext):
    try:
        return {"result": wait_for_dms(context, event["waiter"], start_type="reload-target")}
    except HandlerError as error:
        return {"caught": type(error).__name__, "message": str(error)}
"""
)


def test_wait_for_dms_raises_the_waiters_error_name_in_the_parent(cloud: LocalCloud) -> None:
    waiter = deploy(cloud, FAILING_WAITER, "waiter")
    parent = deploy(cloud, WAITING_PARENT, "parent")
    result = cloud.run_durable_execution(parent, {"waiter": waiter})
    assert result.output == {
        "caught": "DmsTaskFailed",
        "message": "Last failure: table ORDERS errored",
    }


def test_wait_for_dms_passes_the_start_type_and_returns_the_result(cloud: LocalCloud) -> None:
    waiter = deploy(cloud, WAITING, "waiter")
    parent = deploy(cloud, WAITING_PARENT, "parent")
    result = cloud.run_durable_execution(parent, {"waiter": waiter})
    assert result.output == {"result": {"sum": 3, "event": {"start_type": "reload-target"}}}
