"""``RecordingMockMonitor``: Pulumi's mock monitor doing what the engine does with each
registration (inherited options, transforms, aliases, the previous deployment's state).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, Final

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2

from . import _engine as engine
from .mocks import DmsWaitersMocks
from .records import (
    _REGISTERING,
    CreatedResource,
    Registration,
    _Answering,
    _recorded_options,
)

_ROOT_STACK_TYPE: Final = engine.ROOT_STACK_TYPE


def _previous_by_urn(
    previous: DmsWaitersMocks | Iterable[CreatedResource] | None,
) -> dict[str, CreatedResource]:
    if previous is None:
        return {}
    resources = previous.created() if isinstance(previous, DmsWaitersMocks) else previous
    return {r.urn: r for r in resources if r.urn}


class RecordingMockMonitor(MockMonitor):
    """Pulumi's ``MockMonitor`` doing what the engine does with each registration.

    It records every registration (``registrations``, in the order Pulumi registered them:
    URN, parent URN, options), and before the mocks answer one it:

    * gives it what it inherits from its parent's options (provider, protect, ...);
    * runs its transforms: its own, its ancestors', then the stack's (Pulumi's mock monitor
      drops them);
    * rejects a duplicate URN, derives its aliases and finds the resource of the ``previous``
      deployment (the mocks of an earlier run, or their ``created()``) it continues.

    ``DmsWaitersMocks`` store the URN, parent, options and previous state in each
    ``CreatedResource``. ``run_program`` uses one by default.
    """

    def __init__(
        self,
        mocks: pulumi.runtime.Mocks,
        previous: DmsWaitersMocks | Iterable[CreatedResource] | None = None,
    ) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.previous: dict[str, CreatedResource] = _previous_by_urn(previous)
        """The previous deployment's resources by URN."""
        self._registrations_lock = threading.Lock()
        self._goals: dict[str, resource_pb2.RegisterResourceRequest] = {}
        self._parents: dict[str, str] = {}
        self._own_transforms: dict[str, list[Any]] = {}
        self._stack_transforms_callbacks: list[Any] = []
        self._resolver: engine.AliasResolver | None = None

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the Pulumi engine gives a resource.

        Pulumi's mock monitor prefixes only the parent's own type, the root stack's included;
        the engine prefixes the parent's whole type chain and leaves the root stack out, so
        ``urn:pulumi:<stack>::<project>::<component type>$<type>::<name>``.
        """
        return engine.child_urn(parent, type_, name, pulumi.get_project(), pulumi.get_stack())

    def RegisterStackTransform(self, request: Any) -> Any:  # noqa: N802 (the gRPC method)
        """Keep the transform's callback: every later registration runs it."""
        with self._registrations_lock:
            self._stack_transforms_callbacks.append(request)
        return super().RegisterStackTransform(request)  # type: ignore[no-untyped-call]

    def _transforms_for(self, request: resource_pb2.RegisterResourceRequest) -> list[Any]:
        with self._registrations_lock:
            callbacks = list(request.transforms)
            parent = request.parent
            while parent:
                callbacks += self._own_transforms.get(parent, [])
                parent = self._parents.get(parent, "")
            return callbacks + self._stack_transforms_callbacks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        """Inherit, transform, alias and record the registration, then let Pulumi's mock
        monitor (and so the mocks) handle it."""
        goal = resource_pb2.RegisterResourceRequest()
        goal.CopyFrom(request)
        if goal.type == _ROOT_STACK_TYPE:
            registration = Registration(goal.type, goal.name, self._urn(goal), None, False)
            with self._registrations_lock:
                self.registrations.append(registration)
            return super().RegisterResource(goal)  # type: ignore[no-untyped-call]
        with self._registrations_lock:
            parent_goal = self._goals.get(goal.parent)
        if parent_goal is not None:
            engine.inherit_from_parent(goal, parent_goal)
        engine.run_transforms(goal, self._transforms_for(goal))
        urn = self._urn(goal)
        with self._registrations_lock:
            if self._resolver is None:
                self._resolver = engine.AliasResolver(
                    self.previous, pulumi.get_project(), pulumi.get_stack()
                )
            aliases = self._resolver.aliases(
                goal.name,
                goal.type,
                goal.parent,
                [*(_alias_urn(u) for u in goal.aliasURNs), *goal.aliases],
            )
            previous_urn = self._resolver.previous(urn, aliases)
            self._goals[urn] = goal
            self._parents[urn] = goal.parent
            self._own_transforms[urn] = list(request.transforms)
            registration = Registration(
                type=goal.type,
                name=goal.name,
                urn=urn,
                parent=goal.parent or None,
                custom=bool(goal.custom),
                options=_recorded_options(goal, aliases),
                previous_urn=previous_urn,
            )
            self.registrations.append(registration)
        previous = None if previous_urn is None else self.previous.get(previous_urn)
        _REGISTERING.current = _Answering(registration, previous)
        try:
            return super().RegisterResource(goal)  # type: ignore[no-untyped-call]
        finally:
            _REGISTERING.current = None

    def _urn(self, request: resource_pb2.RegisterResourceRequest) -> str:
        return self.make_urn(request.parent, request.type, request.name)


def _alias_urn(urn: str) -> Any:
    from pulumi.runtime.proto import alias_pb2

    return alias_pb2.Alias(urn=urn)
