"""Every component constructed as another Pulumi language constructs it, through the plugin.

A TypeScript or YAML program reaches a component through the engine's ``Construct`` call to the
plugin: inputs as a protobuf ``Struct`` with camelCase names, every number a float, nulls
dropped, and any value that depends on a resource sent as an output value (known, or unknown in
a preview) with its dependencies. Each test builds such a ``ConstructRequest``, runs it through
the plugin's own path (``ProviderServicer._construct_inputs``, the plugin's
``ComponentProvider.construct``, ``ProviderServicer._construct_response``) under the project's
mocks, and reads the state back as the caller would. What the engine itself does around that
(the gRPC server, the resource monitor) is replaced by the mocks.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.errors import InputPropertyError
from pulumi.output import Unknown
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import proto, rpc

from dms_waiters import InvalidArgumentError
from dms_waiters.lambdas import contract
from dms_waiters.testing import DmsWaitersMocks, run_program
from tests.provider_host import ROOT, plugin_provider

# Each construct runs Pulumi's provider servicer end to end (about 1.5 s each, 25 s in all): in
# the slow set, which CI runs, to keep ./dev test under two minutes.
pytestmark = pytest.mark.slow

ACCOUNT = "210987654321"
REGION = "eu-west-1"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERS7XQ2"
#: A resource the task ARN "comes from" in the calling program (a DMS task it created).
TASK_URN = "urn:pulumi:stack::project::aws:dms/replicationTask:ReplicationTask::orders"
UNKNOWN = object()

PROVIDER = plugin_provider()
SERVICER = ProviderServicer(PROVIDER, [], "")


def output_value(value: Any = UNKNOWN, dependencies: Iterable[str] = ()) -> dict[str, Any]:
    """An output value on the wire (what ``hub: hub.reference`` sends): unknown when no value
    is given, as in a preview that creates what it depends on."""
    wire: dict[str, Any] = {rpc._special_sig_key: rpc._special_output_value_sig}
    if value is not UNKNOWN:
        wire["value"] = value
    if dependencies:
        wire["dependencies"] = list(dependencies)
    return wire


async def construct(
    component: str, name: str, inputs: dict[str, Any], dependencies: dict[str, list[str]]
) -> tuple[str, dict[str, Any]]:
    """Construct ``component`` as the engine asks the plugin to; return its URN and state."""
    request = proto.ConstructRequest(type=f"dms-waiters:index:{component}", name=name)
    request.inputs.update(inputs)
    for key, urns in dependencies.items():
        request.inputDependencies[key].urns.extend(urns)
    args = await ProviderServicer._construct_inputs(request.inputs, request.inputDependencies)
    result = PROVIDER.construct(request.name, request.type, args, pulumi.ResourceOptions())
    response = await SERVICER._construct_response(result)
    return response.urn, rpc.deserialize_properties(response.state, keep_unknowns=True)


Step = Callable[[dict[str, Any]], tuple[str, str, dict[str, Any], dict[str, list[str]]]]


def run(*steps: Step) -> tuple[DmsWaitersMocks, dict[str, Any]]:
    """Construct one component per step, in order, in one deployment; each step sees what the
    earlier ones returned (``seen[name] = (urn, state)``)."""
    seen: dict[str, Any] = {}

    async def all_steps() -> None:
        for step in steps:
            component, name, inputs, dependencies = step(seen)
            seen[name] = await construct(component, name, inputs, dependencies)

    try:
        mocks = run_program(
            lambda: pulumi.Output.from_input(asyncio.ensure_future(all_steps())),
            DmsWaitersMocks(account_id=ACCOUNT, region=REGION),
        )
    finally:
        # A failed construction leaves futures whose exception nobody retrieved. Collected
        # later, inside another test's ast.parse (Pulumi's analyzer reads docstrings so), the
        # asyncio log of them breaks CPython 3.11's AST constructor: collect them here.
        gc.collect()
    return mocks, seen


def hub(name: str = "events", **inputs: Any) -> Step:
    return lambda _seen: ("DmsEventHub", name, inputs, {})


def with_hub_reference(
    component: str, name: str, inputs: dict[str, Any], hub_name: str = "events", known: bool = True
) -> Step:
    """A workflow whose ``hub`` is the hub's ``reference`` output, passed whole, as TypeScript
    passes ``hub: hub.reference`` (known at ``up``, unknown in the preview that creates it)."""

    def step(seen: dict[str, Any]) -> tuple[str, str, dict[str, Any], dict[str, list[str]]]:
        urn, state = seen[hub_name]
        reference = output_value(state["reference"] if known else UNKNOWN, [urn])
        return component, name, {**inputs, "hub": reference}, {"hub": [urn]}

    return step


def task_arn() -> dict[str, Any]:
    """The task ARN as an output of another resource: a value with a dependency."""
    return output_value(TASK_ARN, [TASK_URN])


def invalid_argument(error: BaseException) -> InvalidArgumentError:
    """The component's own error behind ``error``: a check that ran inside an ``apply`` (once
    the hub reference was known) reaches the caller wrapped in the resource whose input it
    was, message included."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, InvalidArgumentError):
            assert str(seen) in str(error)  # what the caller's engine reports
            return seen
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no InvalidArgumentError behind {error!r}")


def env(mocks: DmsWaitersMocks, function: str) -> dict[str, str]:
    return mocks.by_name(function).inputs["environment"]["variables"]  # type: ignore[no-any-return]


# -- each component ----------------------------------------------------------------------------


def test_polling_workflow_from_another_language() -> None:
    inputs = {
        "replicationTaskArn": task_arn(),
        "startType": "resume-processing",
        "pollIntervalSeconds": 120.0,
        "maxPollIntervalSeconds": 960.0,
        "timeoutSeconds": 86400.0,
        "logRetentionDays": 14.0,
        "successStopReasons": ["FULL_LOAD_ONLY_FINISHED"],
        "tags": {"team": "data"},
    }
    mocks, seen = run(lambda _: ("DmsPollingWorkflow", "orders", inputs, {}))
    urn, state = seen["orders"]
    assert urn.endswith("dms-waiters:index:DmsPollingWorkflow::orders")
    assert set(state) == {
        "stateMachineArn",
        "stateMachineName",
        "roleArn",
        "logGroupName",
        "parentPolicy",
    }
    machine = mocks.by_name("orders-state-machine")
    assert state["stateMachineArn"] == machine.output("arn")
    # Other languages get what a parent's role needs as JSON.
    assert machine.output("arn") in state["parentPolicy"]
    definition = machine.inputs["definition"]
    assert '"poll":{"interval":120,"elapsed":0,' in definition  # an int again
    assert TASK_ARN in definition
    assert mocks.by_name("orders-logs").inputs["retentionInDays"] == 14
    assert machine.inputs["tags"] == {"team": "data"}


def test_event_hub_from_another_language_exposes_its_reference_in_camel_case() -> None:
    mocks, seen = run(hub(reconcileEveryMinutes=10.0, callbackUrl=True, alarms=False))
    _, state = seen["events"]
    assert state["reconcileEveryMinutes"] == 10 and state["callbackUrl"] is True
    table = mocks.by_name("events-waiters")
    assert state["reference"] == {
        "tableName": table.output("name"),
        "tableArn": table.output("arn"),
        "reconcileEveryMinutes": 10,
        "callbackUrl": True,
        "resumeRoleNames": [
            mocks.by_name("events-resume-role").output("name"),
            mocks.by_name("events-reconciler-role").output("name"),
        ],
        "callbackBaseUrl": state["callbackBaseUrl"],
        "signingSecretArn": state["signingSecretArn"],
    }
    assert not mocks.created("aws:cloudwatch/metricAlarm:MetricAlarm")


def test_callback_workflow_with_a_known_hub_reference_takes_the_hubs_period() -> None:
    workflow = {"replicationTaskArn": task_arn(), "timeoutSeconds": 86400.0}
    mocks, seen = run(
        hub(reconcileEveryMinutes=10.0),
        with_hub_reference("DmsCallbackWorkflow", "orders", workflow),
        with_hub_reference("DmsCallbackWorkflow", "quiet", {**workflow, "heartbeatSeconds": 0.0}),
    )
    table = mocks.by_name("events-waiters").output("name")
    assert [h.name for h in mocks.created("dms-waiters:index:DmsEventHub")] == ["events"]
    _, state = seen["orders"]
    assert state["hubTableName"] == table
    assert state["starterFunctionArn"] == mocks.by_name("orders-starter").output("arn")
    assert env(mocks, "orders-starter")[contract.ENV_WAITER_TABLE] == table
    waits = {
        name: json.loads(mocks.by_name(f"{name}-state-machine").inputs["definition"])["States"][
            "StartAndWait"
        ]
        for name in ("orders", "quiet")
    }
    assert waits["orders"]["HeartbeatSeconds"] == 3 * 600  # from the reference's period
    assert "HeartbeatSeconds" not in waits["quiet"]  # 0: off, without a null


def test_callback_workflow_with_an_unknown_hub_reference_previews() -> None:
    workflow = {"replicationTaskArn": task_arn(), "heartbeatSeconds": 3600.0}
    mocks, seen = run(
        hub(), with_hub_reference("DmsCallbackWorkflow", "orders", workflow, known=False)
    )
    _, state = seen["orders"]
    assert isinstance(state["hubTableName"], Unknown)
    # planned, with what depends on the hub unknown
    assert contract.ENV_WAITER_TABLE not in env(mocks, "orders-starter")
    assert "definition" not in mocks.by_name("orders-state-machine").inputs


def test_a_bad_heartbeat_for_the_references_period_fails_once_known() -> None:
    workflow = {"replicationTaskArn": task_arn(), "heartbeatSeconds": 600.0}
    with pytest.raises(Exception) as err:
        run(hub(), with_hub_reference("DmsCallbackWorkflow", "orders", workflow))
    problem = invalid_argument(err.value)
    assert problem.argument == "heartbeat_seconds"
    assert "at least twice the hub's reconcile period (1800 s)" in str(problem)


def test_durable_workflow_with_a_known_hub_reference_is_granted_its_roles() -> None:
    workflow = {"replicationTaskArn": task_arn(), "memoryMb": 512.0, "retentionDays": 30.0}
    mocks, seen = run(hub(), with_hub_reference("DmsDurableWorkflow", "orders", workflow))
    _, state = seen["orders"]
    assert set(state) == {
        "functionName",
        "functionArn",
        "aliasName",
        "aliasArn",
        "roleArn",
        "logGroupName",
        "startCommand",
        "parentPolicy",
        "hubTableName",
    }
    table = mocks.by_name("events-waiters").output("name")
    assert state["hubTableName"] == table
    assert state["startCommand"].startswith("aws lambda invoke --function-name arn:aws:lambda:")
    function = mocks.by_name("orders-waiter").inputs
    assert function["memorySize"] == 512
    assert function["durableConfig"]["retentionPeriod"] == 30
    assert env(mocks, "orders-waiter")[contract.ENV_WAITER_TABLE] == table
    assert env(mocks, "orders-waiter")[contract.ENV_HEARTBEAT_SECONDS] == str(3 * 900)
    (attachment,) = mocks.created("aws:iam/policyAttachment:PolicyAttachment")
    assert attachment.inputs["roles"] == [
        mocks.by_name(f"events-{role}-role").output("name") for role in ("resume", "reconciler")
    ]


def test_durable_workflow_with_an_unknown_hub_reference_plans_the_same_resources() -> None:
    workflow = {"replicationTaskArn": task_arn()}
    known, _ = run(hub(), with_hub_reference("DmsDurableWorkflow", "orders", workflow))
    unknown, _ = run(
        hub(), with_hub_reference("DmsDurableWorkflow", "orders", workflow, known=False)
    )
    assert sorted((r.type, r.name) for r in unknown.created()) == sorted(
        (r.type, r.name) for r in known.created()
    )
    (attachment,) = unknown.created("aws:iam/policyAttachment:PolicyAttachment")
    assert attachment.inputs.get("roles") in (None, rpc.UNKNOWN)


def test_durable_poll_workflow_needs_no_hub() -> None:
    inputs = {"replicationTaskArn": TASK_ARN, "mode": "poll", "pollIntervalSeconds": 30.0}
    mocks, seen = run(lambda _: ("DmsDurableWorkflow", "orders", inputs, {}))
    assert "hubTableName" not in seen["orders"][1]
    assert env(mocks, "orders-waiter")[contract.ENV_POLL_INTERVAL_SECONDS] == "30"
    assert not mocks.created("dms-waiters:index:DmsEventHub")


def test_callback_url_workflow_with_a_hub_reference() -> None:
    workflow = {
        "codeDir": str(ROOT / "examples" / "export_job"),
        "handler": "job.handler",
        "jobTimeoutSeconds": 120.0,
        "timeoutSeconds": 21600.0,
    }
    mocks, seen = run(
        hub(callbackUrl=True), with_hub_reference("CallbackUrlWorkflow", "export", workflow)
    )
    _, state = seen["export"]
    assert state["callbackBaseUrl"] == seen["events"][1]["callbackBaseUrl"]
    starter = env(mocks, "export-starter")
    assert starter[contract.ENV_CALLBACK_BASE_URL] == state["callbackBaseUrl"]
    assert starter[contract.ENV_SIGNING_SECRET_ARN] == seen["events"][1]["signingSecretArn"]
    assert mocks.by_name("export-job").inputs["timeout"] == 120


def test_callback_url_workflow_refuses_a_hub_without_the_endpoint_once_known() -> None:
    workflow = {"codeDir": str(ROOT / "examples" / "export_job"), "handler": "job.handler"}
    with pytest.raises(Exception) as err:
        run(hub(), with_hub_reference("CallbackUrlWorkflow", "export", workflow))
    assert "argument 'hub' has no callback endpoint" in str(invalid_argument(err.value))


def test_durable_batch_workflow_from_another_language(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text("def handler(event, context):\n    return event\n")
    inputs = {
        "codeDir": str(tmp_path),
        "handler": "etl.handler",
        "batchSize": 50.0,
        "pauseSeconds": 2.0,
        "environment": {"TARGET": "orders"},
        "statements": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    mocks, seen = run(lambda _: ("DurableBatchWorkflow", "etl", inputs, {}))
    assert seen["etl"][1]["aliasName"] == "live"
    variables = env(mocks, "etl-batch")
    assert (variables["BATCH_SIZE"], variables["BATCH_PAUSE_SECONDS"]) == ("50", "2")
    assert variables["TARGET"] == "orders"


def test_workflow_schedule_from_another_language() -> None:
    parent = "arn:aws:states:us-east-1:123456789012:stateMachine:nightly-pipeline"
    inputs = {
        "stateMachineArn": parent,
        "schedule": {"expression": "cron(0 2 * * ? *)", "retryAttempts": 3.0},
        "input": {"source": "orders", "batch": 2.0},
    }
    mocks, seen = run(lambda _: ("WorkflowSchedule", "nightly", inputs, {}))
    urn, _ = seen["nightly"]
    assert urn.endswith("dms-waiters:index:WorkflowSchedule::nightly")
    target = mocks.by_name("nightly-schedule").inputs["target"]
    assert target["retryPolicy"]["maximumRetryAttempts"] == 3  # an int again
    payload = json.loads(target["input"])
    assert payload[contract.PAYLOAD_INPUT] == {"source": "orders", "batch": 2.0}
    assert env(mocks, "nightly-schedule-starter")[contract.ENV_SCHEDULE_TARGET_ARN] == parent


# -- bad input still fails, naming the argument ------------------------------------------------


def test_a_non_whole_number_fails_naming_the_argument() -> None:
    inputs = {"replicationTaskArn": TASK_ARN, "pollIntervalSeconds": 12.5}
    with pytest.raises(ComponentInitError) as err:
        run(lambda _: ("DmsPollingWorkflow", "orders", inputs, {}))
    assert isinstance(err.value.inner, InvalidArgumentError)
    assert err.value.inner.argument == "poll_interval_seconds"
    assert "must be a whole number of seconds, got 12.5" in str(err.value)


def test_a_missing_required_input_fails_naming_it() -> None:
    with pytest.raises(InputPropertyError, match="replicationTaskArn"):
        run(lambda _: ("DmsCallbackWorkflow", "orders", {"timeoutSeconds": 60.0}, {}))


def test_a_malformed_hub_reference_fails_naming_its_key() -> None:
    reference = output_value({"tableName": "waiters", "period": 15.0}, [TASK_URN])
    inputs = {"replicationTaskArn": TASK_ARN, "hub": reference}
    with pytest.raises(Exception) as err:
        run(lambda _: ("DmsDurableWorkflow", "orders", inputs, {"hub": [TASK_URN]}))
    assert "argument 'hub' has the key 'period'" in str(invalid_argument(err.value))
