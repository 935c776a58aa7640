"""DMS in moto, adapted: start types reach the backend, simulated tasks answer for themselves."""

from __future__ import annotations

import json
from typing import Any

from moto.dms import exceptions as dms_exceptions
from moto.dms import models as dms_models
from moto.dms import responses as dms_responses

from ..active import ACTIVE, DmsTaskHooks
from ..patching import Patcher, patch


@patch("dms")
def dms_start_task_type(p: Patcher) -> None:
    """Pass ``StartReplicationTaskType`` from the DMS API to the backend.

    AWS: StartReplicationTask honours start-replication | resume-processing | reload-target.
    moto: the response handler drops the parameter; the backend cannot see it.
    Patch: the handler reads it and passes ``start_replication_task_type=`` to the backend's
    ``start_replication_task``, which records it on the task (``last_start_type``) and hands it
    to the DMS simulator when one owns the task (see ``dms_simulated_tasks``).
    """
    response_cls = dms_responses.DatabaseMigrationServiceResponse
    backend_cls = dms_models.DatabaseMigrationServiceBackend
    backend_original = backend_cls.start_replication_task

    def response_start(self: Any) -> str:
        task = self.dms_backend.start_replication_task(
            replication_task_arn=self._get_param("ReplicationTaskArn"),
            start_replication_task_type=self._get_param("StartReplicationTaskType"),
        )
        return json.dumps({"ReplicationTask": task.to_dict()})

    def backend_start(
        self: Any, replication_task_arn: str, start_replication_task_type: str | None = None
    ) -> Any:
        hooks = ACTIVE.dms
        task = self.replication_tasks.get(replication_task_arn)
        if hooks is not None and task is not None and hooks.tracks(replication_task_arn):
            hooks.start(task, start_replication_task_type)
        else:
            task = backend_original(self, replication_task_arn)
        task.last_start_type = start_replication_task_type
        return task

    p.replace(response_cls, "start_replication_task", response_start)
    p.replace(backend_cls, "start_replication_task", backend_start)


@patch("dms")
def dms_simulated_tasks(p: Patcher) -> None:
    """Route the DMS backend's task operations to the simulator for the tasks it owns.

    AWS: a replication task moves through creating, ready, starting, running and ends stopped
    (with a StopReason) or failed (with LastFailureMessage); statistics grow while it runs;
    DescribeReplicationTasks may be throttled, and answers ``ResourceNotFoundFault`` ("No Tasks
    found matching provided filters") when its filters match nothing.
    moto: create -> ``creating``, start -> ``running`` forever, stop -> ``stopped``; no
    StopReason, no failure, fixed statistics, never throttles; an empty list for no match.
    Patch: for tasks the active ``DmsTaskHooks`` owns, ``stop_replication_task`` and
    ``delete_replication_task`` notify the simulator, ``describe_replication_tasks`` lets it
    throttle, and ``FakeReplicationTask.to_dict`` overlays the simulated state at the current
    virtual time. Every other task keeps moto's behaviour.
    """
    backend_cls = dms_models.DatabaseMigrationServiceBackend
    task_cls = dms_models.FakeReplicationTask
    stop_original = backend_cls.stop_replication_task
    delete_original = backend_cls.delete_replication_task
    describe_original = backend_cls.describe_replication_tasks
    to_dict_original = task_cls.to_dict

    def _owned(arn: str) -> DmsTaskHooks | None:
        hooks = ACTIVE.dms
        return hooks if hooks is not None and hooks.tracks(arn) else None

    def stop_replication_task(self: Any, replication_task_arn: str) -> Any:
        hooks = _owned(replication_task_arn)
        task = self.replication_tasks.get(replication_task_arn)
        if hooks is None or task is None:
            return stop_original(self, replication_task_arn)
        hooks.stop(task)
        return task

    def delete_replication_task(self: Any, replication_task_arn: str) -> Any:
        hooks = _owned(replication_task_arn)
        task = delete_original(self, replication_task_arn)
        if hooks is not None:
            hooks.forget(replication_task_arn)
        return task

    def describe_replication_tasks(self: Any, *args: Any, **kwargs: Any) -> Any:
        tasks = list(describe_original(self, *args, **kwargs))
        filters = kwargs.get("filters") if "filters" in kwargs else (args[0] if args else None)
        if filters and not tasks:
            raise dms_exceptions.ResourceNotFoundFault("No Tasks found matching provided filters")
        for task in tasks:
            hooks = _owned(task.arn)
            if hooks is not None:
                hooks.before_describe(task.arn)
        return tasks

    def to_dict(self: Any) -> dict[str, Any]:
        data: dict[str, Any] = to_dict_original(self)
        hooks = _owned(self.arn)
        return hooks.render(self, data) if hooks is not None else data

    p.replace(backend_cls, "stop_replication_task", stop_replication_task)
    p.replace(backend_cls, "delete_replication_task", delete_replication_task)
    p.replace(backend_cls, "describe_replication_tasks", describe_replication_tasks)
    p.replace(task_cls, "to_dict", to_dict)
