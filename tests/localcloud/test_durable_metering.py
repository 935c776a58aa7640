"""Metering belongs to the emulator: nothing used only to measure ships in a deployed archive."""

from __future__ import annotations

import ast
from pathlib import Path

import pulumi

from dms_waiters.stack import build_stack
from dms_waiters.testing import DmsWaitersMocks, run_program
from localcloud.awslambda import durable_results

#: Names that exist only to measure runs (the local cloud's meters), never in handler code.
MEASUREMENT_ONLY = frozenset({"count_operations"})


def defined_names(source: bytes) -> set[str]:
    """Every function and class a module defines, nested ones included."""
    tree = ast.parse(source)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.name for node in ast.walk(tree) if isinstance(node, kinds)}


def asset_bytes(asset: object) -> bytes:
    """A file or string asset's contents, as they go into the archive."""
    if isinstance(asset, pulumi.StringAsset):
        return asset.text.encode()
    assert isinstance(asset, pulumi.FileAsset), asset
    return Path(asset.path).read_bytes()


def test_the_durable_archive_defines_no_meter() -> None:
    # The stack program's durable function, built under the mocks: its code input is the archive
    # a deployment uploads (the local cloud only zips it, which costs seconds).
    task = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS"
    tasks = [{"name": "orders", "pattern": "durable-poll", "replication_task_arn": task}]
    found = run_program(lambda: build_stack(tasks), DmsWaitersMocks())
    (function,) = found.created("aws:lambda/function:Function")
    archive = function.inputs["code"]
    assert isinstance(archive, pulumi.AssetArchive)
    ours = {
        name: asset_bytes(asset)
        for name, asset in archive.assets.items()
        if name.startswith("dms_waiters/") and name.endswith(".py")
    }
    assert "dms_waiters/lambdas/handlers/durable_waiter.py" in ours  # the handler we inspect
    assert "dms_waiters/lambdas/durable_waiter/poll.py" in ours
    for name, source in ours.items():
        assert not defined_names(source) & MEASUREMENT_ONLY, name
    # The meter itself lives with the emulator that reports durable operations.
    assert set(vars(durable_results)) >= MEASUREMENT_ONLY
