"""Unit-test support for programs that use these components, under Pulumi mocks.

``DmsWaitersMocks`` answers every resource type and data source the components use with the
state AWS would return (ARNs, names, ids, versions), and records each resource, so a test can
assert on what a program created::

    mocks = DmsWaitersMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    import my_stack  # noqa: F401  (creates resources)
    roles = mocks.created("aws:iam/role:Role")

Use ``run_program`` to build a program in a function and wait until every resource is
registered.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
DEFAULT_PARTITION: Final = "aws"


@dataclass
class CreatedResource:
    """One resource the program registered: its type, logical name, inputs and mocked state."""

    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str
    urn: str = ""
    parent: str | None = None

    def output(self, key: str) -> Any:
        """A key of the resource's state (inputs merged with the mocked outputs)."""
        return self.state.get(key)


@dataclass
class DmsWaitersMocks(pulumi.runtime.Mocks):
    """Pulumi mocks returning realistic AWS state for every resource type the components use.

    Unknown resource types get their inputs echoed back with a generated id, so a user's own
    resources still work; ``created`` lists everything that was registered.
    """

    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    partition: str = DEFAULT_PARTITION
    resources: list[CreatedResource] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def created(self, type_token: str | None = None) -> list[CreatedResource]:
        """Resources registered so far, optionally only those of one type token."""
        with self._lock:
            return [r for r in self.resources if type_token in (None, r.type)]

    def by_name(self, name: str) -> CreatedResource:
        """The resource registered under the logical ``name`` (KeyError if none)."""
        for res in self.created():
            if res.name == name:
                return res
        raise KeyError(name)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        """Answer the data sources the components read: identity, region, partition."""
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return (
                {
                    "accountId": self.account_id,
                    "arn": f"arn:{self.partition}:iam::{self.account_id}:user/test",
                    "userId": "AIDATESTUSER",
                    "id": self.account_id,
                },
                [],
            )
        if args.token == "aws:index/getRegion:getRegion":
            return ({"name": self.region, "region": self.region, "id": self.region}, [])
        if args.token == "aws:index/getPartition:getPartition":
            return (
                {"partition": self.partition, "dnsSuffix": "amazonaws.com", "id": self.partition},
                [],
            )
        return ({}, [])

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Return the id and state AWS would give a resource of ``args.typ``."""
        inputs = dict(args.inputs)
        physical = _physical_name(args.name, inputs)
        resource_id, extra = self._state_for(args.typ, physical, inputs)
        state = {**inputs, **extra}
        with self._lock:
            self.resources.append(
                CreatedResource(args.typ, args.name, inputs, state, resource_id, urn=args.name)
            )
        return resource_id, state

    def _arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def _state_for(
        self, typ: str, physical: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        builders: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
            "aws:iam/role:Role": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": self._arn("iam", f"role/{physical}", region=False),
                    "uniqueId": "AROA" + _suffix(physical).upper(),
                },
            ),
            "aws:iam/rolePolicy:RolePolicy": lambda: (
                f"{inputs.get('role', 'role')}:{physical}",
                {"name": physical},
            ),
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda: (
                f"{inputs.get('role', 'role')}-{_suffix(physical)}",
                {},
            ),
            "aws:cloudwatch/logGroup:LogGroup": lambda: self._log_group(physical, inputs),
            "aws:sfn/stateMachine:StateMachine": lambda: self._state_machine(physical),
            "aws:lambda/function:Function": lambda: self._function(physical, inputs),
            "aws:lambda/alias:Alias": lambda: self._alias(physical, inputs),
            "aws:dynamodb/table:Table": lambda: (
                physical,
                {
                    "name": physical,
                    "arn": self._arn("dynamodb", f"table/{physical}"),
                    "streamArn": "",
                },
            ),
            "aws:sqs/queue:Queue": lambda: (
                f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}",
                {
                    "name": physical,
                    "arn": self._arn("sqs", physical),
                    "url": f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}",
                },
            ),
            "aws:cloudwatch/eventRule:EventRule": lambda: (
                f"default|{physical}" if inputs.get("eventBusName") else physical,
                {"name": physical, "arn": self._arn("events", f"rule/{physical}")},
            ),
            "aws:cloudwatch/metricAlarm:MetricAlarm": lambda: (
                physical,
                {"name": physical, "arn": self._arn("cloudwatch", f"alarm:{physical}")},
            ),
            "aws:secretsmanager/secret:Secret": lambda: (
                self._arn("secretsmanager", f"secret:{physical}-AbCdEf"),
                {"name": physical, "arn": self._arn("secretsmanager", f"secret:{physical}-AbCdEf")},
            ),
        }
        builder = builders.get(typ)
        if builder is None:
            return f"{physical}-id", {}
        return builder()

    def _log_group(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs.get("name") or (inputs.get("namePrefix", "") + _suffix(physical))
        return name, {"name": name, "arn": self._arn("logs", f"log-group:{name}")}

    def _state_machine(self, physical: str) -> tuple[str, dict[str, Any]]:
        arn = self._arn("states", f"stateMachine:{physical}")
        return arn, {
            "name": physical,
            "arn": arn,
            "stateMachineVersionArn": "",
            "status": "ACTIVE",
            "creationDate": "2026-01-01T00:00:00Z",
        }

    def _function(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        arn = self._arn("lambda", f"function:{physical}")
        version = "1" if inputs.get("publish") else "$LATEST"
        return physical, {
            "name": physical,
            "arn": arn,
            "invokeArn": f"arn:{self.partition}:apigateway:{self.region}:lambda:path/"
            f"2015-03-31/functions/{arn}/invocations",
            "qualifiedArn": f"{arn}:{version}",
            "version": version,
            "lastModified": "2026-01-01T00:00:00.000+0000",
            "sourceCodeHash": "mock",
        }

    def _alias(self, physical: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = str(inputs.get("functionName", "function"))
        fn_arn = function if function.startswith("arn:") else self._arn(
            "lambda", f"function:{function}"
        )
        name = inputs.get("name", physical)
        return f"{fn_arn}:{name}", {"arn": f"{fn_arn}:{name}", "name": name}


def _suffix(name: str) -> str:
    # Deterministic stand-in for Pulumi's random auto-name suffix.
    return hashlib.sha256(name.encode()).hexdigest()[:7]


def _physical_name(logical: str, inputs: dict[str, Any]) -> str:
    """The name AWS would know the resource by: explicit ``name`` or an auto-name."""
    explicit = inputs.get("name")
    if isinstance(explicit, str) and explicit:
        return explicit
    return re.sub(r"[^A-Za-z0-9-]", "-", f"{logical}-{_suffix(logical)}")[:64]


def run_program(program: Callable[[], Any], mocks: DmsWaitersMocks | None = None) -> DmsWaitersMocks:
    """Run ``program`` under ``mocks`` (new ones by default) until every resource is registered.

    Returns the mocks, whose ``created()`` lists the resources. Exceptions raised while the
    program builds its resources (bad arguments, for example) propagate.
    """
    mocks = mocks or DmsWaitersMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    program()
    _settle()
    return mocks


def _settle() -> None:
    """Wait for every outstanding Pulumi RPC (resource registrations, applies) to finish."""
    loop = asyncio.get_event_loop()
    for _ in range(100):
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if not pending:
            return
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
