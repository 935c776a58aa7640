"""``CallbackUrlWorkflow``: start any third-party job and wait for its signed callback URL."""

from dataclasses import dataclass
from typing import Any, Final, Required, cast

import pulumi

from ._internal.lambda_function import RUNTIME, create_lambda_function
from ._internal.outputs import built_from
from ._internal.partition_check import tracing_partition
from ._internal.shared_args import ExecutionLogArgs, HubWorkflowTagsArgs
from ._internal.state_machine import (
    STATE_MACHINE_CHILDREN,
    StarterStateMachineComponent,
)
from .arguments import ArgChecker, LoggingArguments
from .definitions.callback_url import (
    CallbackUrlSpec,
    build_callback_url_definition,
)
from .documents import iam_policies
from .hub.event_hub import HUB_CHILDREN, DmsEventHubArgs
from .hub.sharing import HubWorkflow, explicit_heartbeat, resolve_hub
from .lambdas import contract
from .naming import Children, check_workflow_name, lambda_children

COMPONENT: Final = "CallbackUrlWorkflow"
#: The autonamed resources of the workflow, its hub aside (see ``naming``).
CALLBACK_URL_CHILDREN: Final[Children] = (
    *lambda_children("-job"),
    *lambda_children("-starter"),
    *STATE_MACHINE_CHILDREN,
)
#: Runtimes a job function may use (Lambda's supported Python and Node.js runtimes).
JOB_RUNTIMES: Final = (
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "nodejs20.x",
    "nodejs22.x",
)
DEFAULT_JOB_TIMEOUT_SECONDS: Final = 60
#: The URL starter waits for the job function and needs a little longer itself; Lambda's
#: limit is 900 s.
STARTER_EXTRA_SECONDS: Final = 30
MAX_JOB_TIMEOUT_SECONDS: Final = 900 - STARTER_EXTRA_SECONDS


class CallbackUrlWorkflowArgs(ExecutionLogArgs, HubWorkflowTagsArgs, total=False):
    """Arguments of ``CallbackUrlWorkflow``; ``code_dir`` and ``handler`` are required."""

    code_dir: Required[str]
    """Local directory of the job function's code (packed as is). Was ``job_code_path``
    (deprecated, still accepted in 0.2)."""
    handler: Required[str]
    """The job function's entry point in ``code_dir``, ``module.attribute`` (e.g.
    ``job.handler``). It is invoked synchronously with ``{"callback_urls": {"success",
    "failure", "heartbeat"}, "expires_at", "execution", "input"}``, must start the external job
    (handing it a URL) and return; raising fails the execution with ``CallbackJobFailed``. Was
    ``job_handler`` (deprecated, still accepted in 0.2)."""
    job_runtime: str
    """The job function's runtime; default ``python3.13``; one of ``JOB_RUNTIMES``."""
    job_environment: dict[str, pulumi.Input[str]]
    """Environment variables of the job function; default none."""
    job_policy_statements: list[dict[str, Any]]
    """IAM policy statements the job function needs (its role gets only these and its own log
    group); default none."""
    job_timeout_seconds: int
    """Timeout of one job function invocation; default 60, 1 to 870."""
    timeout_seconds: int
    """How long to wait for the callback, failing with ``CallbackTimedOut``; also how long the
    URLs stay valid; default 7 days, at most one year."""
    heartbeat_seconds: int | None
    """Fail with ``CallbackTimedOut`` when the third party calls the heartbeat URL less often
    than this; default 0 (no heartbeat required); less than ``timeout_seconds``."""
    hub: pulumi.Input[Any]
    """A shared hub created with ``callback_url: true``: its ``reference`` output (a
    ``DmsEventHubReference``: ``hub.reference``); default: the workflow creates ``<name>-hub``
    with the endpoint. (A ``DmsEventHub`` itself is deprecated.)"""
    hub_args: DmsEventHubArgs
    """Arguments of the hub the workflow creates when no ``hub`` is given (``callback_url`` is
    always on)."""
    log_retention_days: int
    """Retention of the execution, starter and job log groups; default 30."""
    tracing: bool
    """X-Ray tracing of the state machine, the starter and the job function; default false."""


#: The arguments 0.2.0 renamed (old -> new), accepted with a ``DeprecationWarning`` until 0.3.0:
#: user code is ``code_dir`` and ``handler``, as in ``DurableBatchWorkflow``.
RENAMED_ARGUMENTS: Final = {"job_code_path": "code_dir", "job_handler": "handler"}


@dataclass(frozen=True)
class CallbackUrlSettings:
    """Validated arguments, except the hub."""

    code_dir: str
    """As given (the archive's path stays what the program says)."""
    handler: str
    job_runtime: str
    job_environment: dict[str, Any]
    job_policy_statements: list[dict[str, Any]]
    job_timeout_seconds: int
    timeout_seconds: int
    heartbeat_seconds: int | None
    logging: LoggingArguments


def _statements(check: ArgChecker, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise check.fail("job_policy_statements", "must be a list of IAM statement mappings")
    for statement in value:
        missing = [k for k in ("Action", "Resource") if k not in statement]
        if missing or statement.get("Effect", "Allow") not in ("Allow", "Deny"):
            raise check.fail(
                "job_policy_statements",
                f"each statement needs Action and Resource and an Effect of Allow or Deny; "
                f"got {statement!r}",
            )
    return [{"Effect": "Allow", **s} for s in value]


def callback_url_settings_from_args(
    name: str, args: CallbackUrlWorkflowArgs
) -> CallbackUrlSettings:
    """Validate every argument, raising ``InvalidArgumentError`` naming the first bad one."""
    check = ArgChecker(COMPONENT, name)
    if not isinstance(args, dict):
        raise check.fail("args", f"must be a mapping of CallbackUrlWorkflowArgs, got {args!r}")
    args = cast(CallbackUrlWorkflowArgs, check.renamed(args, RENAMED_ARGUMENTS, stacklevel=4))
    check.known_arguments(args, CallbackUrlWorkflowArgs.__annotations__)
    code_dir = args.get("code_dir")
    runtime = check.choice("job_runtime", args.get("job_runtime", RUNTIME), JOB_RUNTIMES)
    handler = check.handler(
        "handler",
        args.get("handler"),
        check.code_dir("code_dir", code_dir),
        python=runtime.startswith("python"),
    )
    environment = args.get("job_environment", {})
    if not isinstance(environment, dict) or not all(isinstance(k, str) for k in environment):
        raise check.fail("job_environment", "must be a mapping of variable names to strings")
    timeout = check.timeout(args)
    logging = check.logging(args)
    return CallbackUrlSettings(
        code_dir=str(code_dir),
        handler=handler,
        job_runtime=runtime,
        job_environment=dict(environment),
        job_policy_statements=_statements(check, args.get("job_policy_statements", [])),
        job_timeout_seconds=check.integer_argument(
            args,
            "job_timeout_seconds",
            DEFAULT_JOB_TIMEOUT_SECONDS,
            1,
            MAX_JOB_TIMEOUT_SECONDS,
        ),
        timeout_seconds=timeout,
        heartbeat_seconds=explicit_heartbeat(check, args, timeout),
        logging=logging,
    )


class CallbackUrlWorkflow(StarterStateMachineComponent, HubWorkflow):
    """Start a third-party job with signed callback URLs and wait until it calls one.

    For services that only accept a callback URL. An execution's one
    ``lambda:invoke.waitForTaskToken`` task invokes the URL starter, which registers the task
    token in the hub's waiter table under an unguessable id *before* invoking the user's job
    function with three signed URLs (success, failure, heartbeat) that expire with the wait. The
    third party POSTs to one of them; the hub's endpoint checks the signature and expiry,
    consumes the waiter (a URL works once) and resumes the execution: the success body (JSON)
    becomes the execution's output, a failure body ``{"error", "cause"}`` its error. A forged
    URL gets 403 and an expired or reused one 410, and neither resumes anything.

    The execution input is handed to the job function as ``input``.

    Creates: the job function from ``code_dir`` (its role: ``job_policy_statements`` and
    its own log group only), the URL starter (role: the hub's table, the signing secret, invoke
    the job function), the state machine (Standard) with its role (invoke the starter only) and
    log group, and a hub ``<name>-hub`` with the callback endpoint unless ``hub`` is given.
    """

    job_function_arn: pulumi.Output[str]
    """ARN of the job function."""
    job_role_arn: pulumi.Output[str]
    """ARN of the job function's role (grant it more with your own policies)."""
    callback_base_url: pulumi.Output[str]
    """Base URL of the hub's HTTP callback endpoint (its function URL: every signed callback URL
    starts with it); none without the endpoint."""

    def __init__(
        self,
        name: str,
        args: CallbackUrlWorkflowArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT, name, opts)
        # The deprecated names warn once, here, pointing at the caller's line.
        if isinstance(args, dict):
            args = cast(CallbackUrlWorkflowArgs, self._check.renamed(args, RENAMED_ARGUMENTS))
        check_workflow_name(COMPONENT, name, CALLBACK_URL_CHILDREN, HUB_CHILDREN, args)
        hub, settings = resolve_hub(
            self._check,
            args,
            self,
            lambda _period: callback_url_settings_from_args(name, args),
            callback_url=True,
        )
        self._hub = hub.component
        link = hub.link
        tags = args.get("tags")
        partition = tracing_partition(self, self._check, settings.logging.tracing)

        job = create_lambda_function(
            f"{name}-job",
            parent=self,
            handler=settings.handler,
            description=f"Starts the third-party job of workflow {name} with its callback URLs",
            statements=settings.job_policy_statements,
            environment=settings.job_environment,
            logging=settings.logging,
            tags=tags,
            timeout_seconds=settings.job_timeout_seconds,
            code=pulumi.FileArchive(settings.code_dir),
            runtime=settings.job_runtime,
            gate=partition,
        )
        starter = create_lambda_function(
            f"{name}-starter",
            parent=self,
            handler=contract.URL_STARTER_HANDLER,
            description=f"Signs callback URLs, then starts the job of workflow {name}",
            statements=built_from(
                iam_policies.url_starter_statements,
                link.table_arn,
                link.signing_secret_arn,
                job.arn,
            ),
            environment={
                contract.ENV_WAITER_TABLE: link.table_name,
                contract.ENV_SIGNING_SECRET_ARN: link.signing_secret_arn.apply(str),
                contract.ENV_CALLBACK_BASE_URL: link.callback_base_url.apply(str),
                contract.ENV_JOB_FUNCTION: job.function.name,
                contract.ENV_URL_TTL_SECONDS: str(settings.timeout_seconds),
                contract.ENV_WAITER_TTL_SECONDS: str(
                    settings.timeout_seconds + contract.WAITER_TTL_MARGIN_SECONDS
                ),
                contract.ENV_WORKFLOW_NAME: name,
            },
            logging=settings.logging,
            tags=tags,
            timeout_seconds=settings.job_timeout_seconds + STARTER_EXTRA_SECONDS,
            gate=partition,
            # The starter invokes the job: the job's policy and log group must exist first.
            depends_on=job.invoke_after,
        )
        definition = pulumi.Output.all(starter.arn, partition).apply(
            lambda v: build_callback_url_definition(
                CallbackUrlSpec(
                    starter_function_arn=v[0],
                    timeout_seconds=settings.timeout_seconds,
                    heartbeat_seconds=settings.heartbeat_seconds,
                ),
                partition=v[1],
            )
        )
        _, outputs = self._create_starter_machine(
            name,
            description=f"Execution role of the callback URL workflow {name}",
            starter=starter,
            definition=definition,
            logging=settings.logging,
            tags=tags,
        )
        self.job_function_arn = job.arn
        self.job_role_arn = job.role.arn
        self.callback_base_url = link.callback_base_url.apply(str)
        self.register_outputs(
            {
                **outputs,
                "job_function_arn": self.job_function_arn,
                "job_role_arn": self.job_role_arn,
                "callback_base_url": self.callback_base_url,
            }
        )
