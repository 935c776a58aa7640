"""Unit-test support for programs that use these components, under Pulumi mocks.

``DmsWaitersMocks`` answers every resource type and data source the components use with the
state AWS would return (ARNs, names, ids, versions), and records each resource, so a test can
assert on what a program created. ``run_program`` runs a program (a function that creates
resources) under fresh mocks and waits until every resource is registered::

    def program() -> None:
        DmsPollingWorkflow("orders", {"replication_task_arn": TASK_ARN})

    mocks = run_program(program)
    roles = mocks.created("aws:iam/role:Role")

``run_program`` plays the Pulumi engine and the AWS provider where Pulumi's own mock monitor
does not:

* **Preview.** ``run_program(program, preview=True)`` answers as a ``pulumi preview`` of a new
  stack does: what the provider computes (ARNs, ids, versions, names from ``name_prefix``) is
  unknown (``UNKNOWN`` in the records; ``apply`` callbacks on it do not run), inputs are known,
  and so are autonames, which the provider's Check draws before anything is created.
* **Names.** A resource without an explicit name is autonamed as pulumi-aws does,
  ``<logical name>-<7 hex>``, with the suffix derived from the resource's URN (random in
  reality), and a ``name_prefix`` gets a unique id; the rules of ``naming.NAME_RULES`` apply
  (too long a name fails, as the provider fails at preview). ``previous=`` (the mocks of an
  earlier run) is the stack's state: a resource continuing one of it, by URN or by an alias
  (its own, or inherited from an aliased parent, as the engine derives them), keeps its name.
  ``duplicate_physical_names()`` lists names AWS would refuse twice (per account and region,
  IAM per account); by default a second one fails the run as AWS would.
* **Region and account.** ARNs and data sources follow each resource's provider: an explicit
  ``aws.Provider`` (its ``region``; the account of its assumed role, or its one allowed account
  id), else the stack's ``aws:region`` config, else the mocks' own region and account.
* **Transforms.** Stack transforms (``pulumi.runtime.register_resource_transform``) and
  ``transforms=`` options run as the engine runs them: the resource's own, its ancestors', then
  the stack's; what they return is what the mocks see and record.
* **Options.** Each ``CreatedResource`` records its resource options (``options``), after the
  transforms and with what it inherits from its parent (provider, protect, retain on delete).

The mocks also work with ``pulumi.runtime.set_mocks`` and ``@pulumi.runtime.test`` directly;
pass ``monitor=RecordingMockMonitor(mocks)`` to ``set_mocks`` to get URNs, options, aliases and
transforms too (there the SDK serves transforms from its callback server on a local port;
``run_program`` registers them in process instead).
"""

from . import _engine as engine
from .aws_state import AwsTarget
from .mocks import (
    AWS_PROVIDER_TYPE,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_PARTITION,
    DEFAULT_REGION,
    DmsWaitersMocks,
)
from .monitor import RecordingMockMonitor
from .names import DuplicatePhysicalNameError, PhysicalNameError
from .records import (
    UNKNOWN,
    CreatedResource,
    PhysicalNameClash,
    RecordedOptions,
    Registration,
    is_unknown,
)
from .runner import run_program

EngineError = engine.EngineError

__all__ = [
    "AWS_PROVIDER_TYPE",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_PARTITION",
    "DEFAULT_REGION",
    "UNKNOWN",
    "AwsTarget",
    "CreatedResource",
    "DmsWaitersMocks",
    "DuplicatePhysicalNameError",
    "EngineError",
    "PhysicalNameClash",
    "PhysicalNameError",
    "RecordedOptions",
    "RecordingMockMonitor",
    "Registration",
    "is_unknown",
    "run_program",
]
