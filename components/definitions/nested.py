"""Pure builder of the states a parent state machine runs a Step Functions waiter with.

A parent runs the waiter as a nested execution (``arn:<partition>:states:::states:
startExecution.sync:2``) and waits for it. When the waiter fails, the parent's task does not
fail with the waiter's error name: Step Functions fails it with ``States.TaskFailed`` and puts
the child's DescribeExecution, as JSON text, in the cause, with the child's own ``Error`` and
``Cause`` inside (docs/aws-facts.md, "Nested executions"). So a Catch alone cannot tell
``DmsTaskFailed`` from ``DmsTaskStopped``: the states built here catch ``States.TaskFailed``,
parse the cause, and choose the parent's next state by the child's error name.

No Pulumi: the components call this with their state machine ARN once it is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..documents.parent_policies import parse_arn
from ..documents.partitions import states_arn
from ..lambdas import dms_status as dms
from ..lambdas import errors

#: The integrations a parent may wait with: ``.sync:2`` gives the child's output as JSON,
#: ``.sync`` as JSON text.
SYNC2: Final = "states:startExecution.sync:2"
SYNC: Final = "states:startExecution.sync"
INTEGRATIONS: Final = (SYNC2, SYNC)
#: What the parent's task fails with when the nested execution did not succeed.
CHILD_FAILED: Final = "States.TaskFailed"
#: The input field that links the child to the parent in the console (AWS documents it).
STARTED_BY: Final = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
#: The error names a waiter's execution can fail with, which ``on_error`` may route: the DMS
#: waits' (``WAIT_ERRORS``), a throttle, and ``CallbackUrlWorkflow``'s.
ROUTABLE_ERRORS: Final[tuple[str, ...]] = (
    *errors.WAIT_ERRORS,
    errors.ERROR_THROTTLED,
    errors.ERROR_CALLBACK_JOB_FAILED,
    errors.ERROR_CALLBACK_INVALID_INPUT,
    errors.ERROR_CALLBACK_THROTTLED,
    errors.ERROR_CALLBACK_TIMED_OUT,
)
#: Where, under the error path, the parsed child's DescribeExecution goes: its ``Error`` is the
#: waiter's error name and its ``Cause`` the waiter's cause.
CHILD: Final = "Child"
#: The child's start refused because the account has too many open executions: AWS's nested
#: workflows guide retries ``StepFunctions.ExecutionLimitExceeded``; the emulators that record
#: AWS's answers (LocalStack, floci) name a refused start ``StepFunctions.<code>Exception``.
#: Both are retried (docs/aws-facts.md, "Nested executions"); no throttling name is documented.
START_REFUSED_ERRORS: Final = (
    "StepFunctions.ExecutionLimitExceeded",
    "StepFunctions.ExecutionLimitExceededException",
)
#: Waiting for open executions to end: 10 s, doubling, 8 attempts (about 42 minutes in all).
START_RETRY: Final = {"IntervalSeconds": 10, "BackoffRate": 2.0, "MaxAttempts": 8}


def nested_waiter_states(
    state_name: str,
    state_machine_arn: str,
    *,
    next_state: str,
    on_error: Mapping[str, str],
    otherwise: str,
    start_type: str | None = None,
    result_path: str = "$.dms_wait",
    error_path: str = "$.dms_error",
    integration: str = SYNC2,
) -> dict[str, dict[str, Any]]:
    """The states that run the waiter ``state_machine_arn`` nested and route its failures.

    ``state_name`` starts it (input: the execution id that links it to the parent, and
    ``start_type`` when given; a start refused for too many open executions is retried,
    ``START_RETRY``) and waits; its result (the child's DescribeExecution) goes to
    ``result_path`` and the parent goes on to ``next_state``. A failure goes to
    ``on_error[<waiter error name>]`` (names from ``ROUTABLE_ERRORS``), else to
    ``otherwise`` (a child stopped or timed out, a start refused); each finds the failure at
    ``error_path``: ``{"Error", "Cause"}`` of the task, plus ``Child`` (the parsed
    DescribeExecution: ``Child.Error``, ``Child.Cause``) when the child itself failed.
    Three helper states are added: ``<state_name>WhichFailure`` (a ``States.TaskFailed`` catch
    also takes a refused start, whose cause is not a DescribeExecution: only the task's own
    ``States.TaskFailed`` is parsed), ``<state_name>ChildFailed`` and
    ``<state_name>WhichError``.
    """
    unknown = sorted(set(on_error) - set(ROUTABLE_ERRORS))
    if unknown:
        raise ValueError(f"on_error: {unknown} are not waiter errors; use {ROUTABLE_ERRORS}")
    if integration not in INTEGRATIONS:
        raise ValueError(f"integration must be one of {INTEGRATIONS}, got {integration!r}")
    if start_type is not None and start_type not in dms.START_TYPES:
        raise ValueError(f"start_type must be one of {dms.START_TYPES}, got {start_type!r}")
    partition = parse_arn(state_machine_arn, "stateMachine")[0]
    child_input: dict[str, Any] = {f"{STARTED_BY}.$": "$$.Execution.Id"}
    if start_type is not None:
        child_input["start_type"] = start_type
    failure = f"{state_name}WhichFailure"
    parsed, which = f"{state_name}ChildFailed", f"{state_name}WhichError"
    child_error = f"{error_path}.{CHILD}.Error"
    return {
        state_name: {
            "Type": "Task",
            "Comment": "Run the DMS waiter as a nested execution and wait for it.",
            "Resource": states_arn(partition, integration),
            "Parameters": {"StateMachineArn": state_machine_arn, "Input": child_input},
            "ResultPath": result_path,
            "Retry": [{"ErrorEquals": list(START_REFUSED_ERRORS), **START_RETRY}],
            "Catch": [
                {"ErrorEquals": [CHILD_FAILED], "ResultPath": error_path, "Next": failure},
                {"ErrorEquals": ["States.ALL"], "ResultPath": error_path, "Next": otherwise},
            ],
            "Next": next_state,
        },
        failure: {
            "Type": "Choice",
            "Comment": "States.TaskFailed also matches every other task error (a refused "
            "start): only the child's own failure carries its DescribeExecution.",
            "Choices": [
                {"Variable": f"{error_path}.Error", "StringEquals": CHILD_FAILED, "Next": parsed}
            ],
            "Default": otherwise,
        },
        parsed: {
            "Type": "Pass",
            "Comment": "The cause is the child's DescribeExecution as JSON text: parse it.",
            "Parameters": {
                "Error.$": f"{error_path}.Error",
                "Cause.$": f"{error_path}.Cause",
                f"{CHILD}.$": f"States.StringToJson({error_path}.Cause)",
            },
            "ResultPath": error_path,
            "Next": which,
        },
        which: {
            "Type": "Choice",
            "Comment": "Route by the waiter's error name (a stopped child has none).",
            "Choices": [
                {"Not": {"Variable": child_error, "IsPresent": True}, "Next": otherwise},
                *(
                    {"Variable": child_error, "StringEquals": name, "Next": target}
                    for name, target in on_error.items()
                ),
            ],
            "Default": otherwise,
        },
    }
