"""Canaries of the nested-execution patch (``localcloud/stepfunctions/nested.py``): each fails
when a moto upgrade changes what the patch relies on (or fixes what it patches).

They read moto's source, not its classes: the patch may already be installed in this process.
"""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_callback,
    state_task_service_sfn,
)


def methods(module: ModuleType, cls: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(module))
    (found,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    return {f.name: f for f in found.body if isinstance(f, ast.FunctionDef)}


def arguments(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in function.args.args]


def test_moto_still_leaves_integration_parameters_and_results_unnormalised() -> None:
    # The patch fills these in for the Step Functions integration; if moto fills them in
    # itself, the patch must be re-checked (or dropped).
    base = methods(state_task_service, "StateTaskService")
    for name in ("_normalise_parameters", "_normalise_response"):
        assert [type(s) for s in base[name].body] == [ast.Pass], name


def test_the_sync_wait_still_polls_through_the_resolvers_the_patch_wraps() -> None:
    sfn = methods(state_task_service_sfn, "StateTaskServiceSfn")
    for name in ("_build_sync_resolver", "_build_sync2_resolver"):
        assert arguments(sfn[name]) == [
            "self",
            "env",
            "resource_runtime_part",
            "normalised_parameters",
            "state_credentials",
        ], name
    callback = methods(state_task_service_callback, "StateTaskServiceCallback")
    assert arguments(callback["_eval_sync"]) == [
        "self",
        "env",
        "sync_resolver",
        "timeout_seconds",
        "callback_endpoint",
        "heartbeat_endpoint",
    ]
    # moto polls in real time; the patch replaces the loop with a wait on the virtual clock.
    assert state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK == 0.5
