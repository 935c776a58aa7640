"""An embedded "local cloud": moto on a virtual clock, with a DMS simulator and Lambda in process.

Where to look, by AWS service (moto's one folder per service; docs/local-cloud.md says what
each emulates and what it does not):

* ``stepfunctions/``: executions on the virtual clock (``virtual_time``), ``.waitForTaskToken``
  (``task_tokens``), the DMS SDK integration and results (``integrations``), execution results
  (``executions``), the state machine deployer (``resources``).
* ``awslambda/``: the in-process runtime (``runtime``, ``code``, ``invocation``,
  ``async_invocations``), durable functions (``durable``, ``durable_time``, ``durable_api``,
  ``durable_results``), function URLs (``function_urls``), ``patches``, ``resources``.
* ``events/``: EventBridge delivery to Lambda, retries, dead letters, ``rate()`` schedules
  (``delivery``, ``patches``), rules and targets (``resources``).
* ``dms/``: the task simulator (``simulator``, ``scenario``), its EventBridge events
  (``events``), ``patches``.
* ``dynamodb/``, ``sqs/``, ``iam/``, ``logs/``, ``cloudwatch/``, ``secretsmanager/``: the
  deployer's handlers (``resources``); moto emulates them unpatched.
* ``deploy/``: a Pulumi program deployed (and updated) under Pulumi mocks (``mocks``,
  ``assets``, ``runner``, ``updates``).
* Shared: ``cloud.LocalCloud`` (the context manager), ``clock`` (virtual time), ``wall_clock``,
  ``patching``/``patches`` (the one registry of moto patches), ``active`` (what the patches
  read), ``api_calls`` (request counting).
"""

from . import patches
from .active import NetworkAccessError
from .clock import (
    DEFAULT_EPOCH,
    ClockDeadlockError,
    ClockError,
    ClockTimeoutError,
    TimerHandle,
    VirtualClock,
)
from .cloud import LocalCloud
from .deploy import (
    Deployment,
    DeploymentError,
    LocalCloudMocks,
    UnsupportedResourceError,
    deploy_program,
    deploy_stack_file,
)
from .dms.scenario import DmsScenario, SimulatedTask, ThrottlingError, Transition
from .dms.simulator import DmsSimulator
from .stepfunctions.executions import ExecutionResult

__all__ = [
    "DEFAULT_EPOCH",
    "ClockDeadlockError",
    "ClockError",
    "ClockTimeoutError",
    "Deployment",
    "DeploymentError",
    "DmsScenario",
    "DmsSimulator",
    "ExecutionResult",
    "LocalCloud",
    "LocalCloudMocks",
    "NetworkAccessError",
    "SimulatedTask",
    "ThrottlingError",
    "TimerHandle",
    "Transition",
    "UnsupportedResourceError",
    "VirtualClock",
    "deploy_program",
    "deploy_stack_file",
    "patches",
]
