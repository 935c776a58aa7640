"""Metering belongs to the emulator: nothing used only to measure ships in a deployed archive."""

from __future__ import annotations

import ast
import io
import zipfile

from moto.awslambda.models import lambda_backends

from dms_waiters.stack import build_stack
from localcloud import LocalCloud
from localcloud.awslambda import durable_results

#: Names that exist only to measure runs (the local cloud's meters), never in handler code.
MEASUREMENT_ONLY = frozenset({"count_operations"})


def defined_names(source: bytes) -> set[str]:
    """Every function and class a module defines, nested ones included."""
    tree = ast.parse(source)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.name for node in ast.walk(tree) if isinstance(node, kinds)}


def test_the_durable_archive_defines_no_meter(cloud: LocalCloud) -> None:
    task = cloud.create_replication_task("orders")
    tasks = [{"name": "orders", "pattern": "durable-poll", "replication_task_arn": task}]
    deployment = cloud.deploy(lambda: build_stack(tasks))
    function = deployment.one("aws:lambda/function:Function")
    backend = lambda_backends[cloud.account_id][cloud.region]
    code = backend.get_function(function.id).code_bytes
    with zipfile.ZipFile(io.BytesIO(code)) as archive:
        ours = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("dms_waiters/") and name.endswith(".py")
        }
    assert "dms_waiters/lambdas/handlers/durable_waiter.py" in ours  # the handler we inspect
    assert "dms_waiters/lambdas/durable_waiter/poll.py" in ours
    for name, source in ours.items():
        assert not defined_names(source) & MEASUREMENT_ONLY, name
    # The meter itself lives with the emulator that reports durable operations.
    assert set(vars(durable_results)) >= MEASUREMENT_ONLY
