"""The contract between the components and the handlers they deploy: one place for each name.

Environment variable names, the waiter table's item layout and the handlers' entry points. The
components (``components/``) set these; the handlers (``lambdas/``) read them. Pure constants,
standard library only.
"""

from __future__ import annotations

from typing import Final

# -- handler entry points (module paths: the same inside the deployed archive and the package) --
STARTER_HANDLER: Final = "dms_waiters.lambdas.handlers.starter.handler"
RESUME_HANDLER: Final = "dms_waiters.lambdas.handlers.resume.handler"
RECONCILER_HANDLER: Final = "dms_waiters.lambdas.handlers.reconciler.handler"
CALLBACK_URL_HANDLER: Final = "dms_waiters.lambdas.handlers.callback_url.handler"
URL_STARTER_HANDLER: Final = "dms_waiters.lambdas.handlers.url_starter.handler"
"""CallbackUrlWorkflow's starter: registers a URL waiter, then invokes the user's job function."""
DURABLE_WAITER_HANDLER: Final = "dms_waiters.lambdas.handlers.durable_waiter.handler"
"""The Lambda durable function that waits for one DMS task (poll or callback mode)."""
SCHEDULE_STARTER_HANDLER: Final = "dms_waiters.lambdas.handlers.schedule_starter.handler"
"""A workflow's schedule starter: starts one run named after the schedule's scheduled time."""

# -- environment variables --------------------------------------------------------------------
ENV_WAITER_TABLE: Final = "WAITER_TABLE"
"""Name of the hub's DynamoDB waiter table (every handler)."""
ENV_REPLICATION_TASK_ARN: Final = "REPLICATION_TASK_ARN"
"""The DMS task a starter starts (starter)."""
ENV_START_TYPE: Final = "START_TYPE"
"""Default StartReplicationTaskType, or ``none`` (starter)."""
ENV_SUCCESS_STOP_REASONS: Final = "SUCCESS_STOP_REASONS"
"""Comma-separated bare stop reasons that count as success (starter; stored on the waiter)."""
ENV_WAITER_TTL_SECONDS: Final = "WAITER_TTL_SECONDS"
"""How long a waiter item lives before DynamoDB TTL removes it (starter)."""
ENV_WORKFLOW_NAME: Final = "WORKFLOW_NAME"
"""The component's name, recorded on the waiter for logs (starter)."""

# -- durable waiter (``lambdas.durable_waiter``) besides the names above ----------------------
# It also reads REPLICATION_TASK_ARN, START_TYPE, SUCCESS_STOP_REASONS, WAITER_TABLE (callback
# mode), WAITER_TTL_SECONDS (callback mode) and WORKFLOW_NAME.
ENV_WAIT_MODE: Final = "WAIT_MODE"
"""``poll`` (describe the task with capped exponential backoff) or ``callback`` (register the
callback id in the waiter table; the hub completes it)."""
WAIT_MODE_POLL: Final = "poll"
WAIT_MODE_CALLBACK: Final = "callback"
WAIT_MODES: Final[tuple[str, ...]] = (WAIT_MODE_POLL, WAIT_MODE_CALLBACK)
ENV_POLL_INTERVAL_SECONDS: Final = "POLL_INTERVAL_SECONDS"
"""Poll mode: the first delay between two describes (seconds, >= 1)."""
ENV_MAX_POLL_INTERVAL_SECONDS: Final = "MAX_POLL_INTERVAL_SECONDS"
"""Poll mode: the cap of the backoff (the delay doubles after each describe up to this)."""
ENV_POLL_JITTER: Final = "POLL_JITTER"
"""Poll mode: ``none`` (exact delays, the default) or ``full`` (random in [0, delay])."""
POLL_JITTERS: Final[tuple[str, ...]] = ("none", "full")
ENV_TIMEOUT_SECONDS: Final = "TIMEOUT_SECONDS"
"""Both modes: give up with DmsWaitTimedOut after this long (poll deadline, callback timeout)."""
ENV_HEARTBEAT_SECONDS: Final = "HEARTBEAT_SECONDS"
"""Callback mode, optional: fail with DmsWaitTimedOut when the hub sends no heartbeat for this
long (less than TIMEOUT_SECONDS; unset or 0: no heartbeat timeout)."""
DEFAULT_POLL_INTERVAL_SECONDS: Final = 60
"""Every polling pattern's first interval (seconds): the one default of the components, the
definitions and the durable waiter."""
DEFAULT_MAX_POLL_INTERVAL_SECONDS: Final = 600
"""Every polling pattern's backoff cap (seconds)."""
DEFAULT_TIMEOUT_SECONDS: Final = 7 * 24 * 3600
"""Every waiting pattern's default deadline (7 days)."""
#: Every waiter outlives its workflow's deadline by a day (the durable waiter's default when
#: WAITER_TTL_SECONDS is unset), so the reconciler can still see (and clear) a waiter whose wait
#: timed out; DynamoDB TTL removes it after that.
WAITER_TTL_MARGIN_SECONDS: Final = 24 * 3600
# Its event is ``{}`` or ``{"start_type": ...}`` (PAYLOAD_START_TYPE, validated as the starter's).

# -- durable batch (``lambdas.durable_batch.make_handler``, deployed by DurableBatchWorkflow) --
ENV_BATCH_SIZE: Final = "BATCH_SIZE"
"""Items per batch step (>= 1)."""
ENV_BATCH_PAUSE_SECONDS: Final = "BATCH_PAUSE_SECONDS"
"""The durable wait between two batches (seconds, >= 1: the durable minimum)."""
DEFAULT_BATCH_SIZE: Final = 100
DEFAULT_BATCH_PAUSE_SECONDS: Final = 1
PAYLOAD_ITEMS: Final = "items"
"""The batch payload's list of items, when the handler lists none itself."""

# -- waiter table items -----------------------------------------------------------------------
KEY: Final = "pk"
"""Partition key (S): the replication task ARN, or ``url#<id>`` for a callback-URL waiter."""
URL_KEY_PREFIX: Final = "url#"
ATTR_KIND: Final = "kind"
"""``sfn`` (a Step Functions task token) or ``durable`` (a durable execution callback id)."""
KIND_SFN: Final = "sfn"
KIND_DURABLE: Final = "durable"
ATTR_TOKEN: Final = "token"  # noqa: S105 - an attribute name, not a secret
"""The task token or callback id that resumes the waiting workflow."""
ATTR_SUCCESS_STOP_REASONS: Final = "success_stop_reasons"
"""List (L of S) of bare stop reasons that count as success for this waiter."""
ATTR_CREATED_AT: Final = "created_at"
"""Epoch seconds (N) the waiter was registered."""
ATTR_EXPIRES_AT: Final = "expires_at"
"""Epoch seconds (N); the table's TTL attribute."""
ATTR_WORKFLOW: Final = "workflow"
"""Name of the workflow that registered the waiter (S), for logs and metrics."""
ATTR_EXECUTION: Final = "execution"
"""The waiting execution's id or ARN (S), when known."""
ATTR_STARTED_AT: Final = "started_at"
"""Epoch seconds (N) the starter started the DMS task for this waiter; absent until then. Lets a
re-invoked starter (same token) skip a second StartReplicationTask."""
ATTR_HEARTBEAT_AT: Final = "heartbeat_at"
"""Epoch seconds (N) of the reconciler's last heartbeat to the waiting workflow; absent until
then (``dms-waiters waits`` shows it)."""

# -- starter payload (Step Functions ``lambda:invoke.waitForTaskToken`` Payload) ---------------
PAYLOAD_TOKEN: Final = "token"  # noqa: S105 - a payload key, not a secret
"""The task token (``$$.Task.Token``); required."""
PAYLOAD_EXECUTION: Final = "execution"
"""The execution's id or ARN (``$$.Execution.Id``); optional, recorded on the waiter."""
PAYLOAD_START_TYPE: Final = "start_type"
"""Optional per-run override of ``START_TYPE`` (one of ``dms_status.START_TYPES``)."""

#: Default of ``WAITER_TTL_SECONDS`` when unset: the default deadline plus the margin.
DEFAULT_WAITER_TTL_SECONDS: Final = DEFAULT_TIMEOUT_SECONDS + WAITER_TTL_MARGIN_SECONDS


# -- durable callback failure payload -----------------------------------------------------------
# SendDurableExecutionCallbackFailure(Error={ErrorType, ErrorMessage, ErrorData}):
#   ErrorType = the error name (DmsTaskFailed...), ErrorMessage = the cause JSON (the same string
#   Step Functions gets as ``cause``), ErrorData = JSON {"error": <name>, "cause": <cause object>}
#   because the durable SDK surfaces only message and data on CallbackError, not the type.
DURABLE_ERROR_DATA_ERROR: Final = "error"
DURABLE_ERROR_DATA_CAUSE: Final = "cause"

# -- callback URL endpoint (``lambdas.callback_url``, a Lambda function URL) -------------------
# It also reads WAITER_TABLE. Its waiters are keyed ``url#<id>`` (URL_KEY_PREFIX).
ENV_SIGNING_SECRET_ARN: Final = "SIGNING_SECRET_ARN"  # noqa: S105 - a variable name, not a secret
"""ARN of the Secrets Manager secret whose value is the HMAC key that signs callback URLs
(SecretString as UTF-8 bytes, or SecretBinary; at least 32 bytes)."""
CALLBACK_ACTION_SUCCESS: Final = "success"
CALLBACK_ACTION_FAILURE: Final = "failure"
CALLBACK_ACTION_HEARTBEAT: Final = "heartbeat"
CALLBACK_ACTIONS: Final[tuple[str, ...]] = (
    CALLBACK_ACTION_SUCCESS,
    CALLBACK_ACTION_FAILURE,
    CALLBACK_ACTION_HEARTBEAT,
)
#: Query parameters of a signed callback URL.
CALLBACK_PARAM_ID: Final = "id"
CALLBACK_PARAM_ACTION: Final = "action"
CALLBACK_PARAM_EXPIRES: Final = "expires"
CALLBACK_PARAM_SIG: Final = "sig"
CALLBACK_MAX_BODY_BYTES: Final = 32 * 1024
"""Largest accepted request body (decoded bytes); larger bodies get 413."""
CALLBACK_DEFAULT_ERROR: Final = "CallbackFailed"
"""The error a failure callback sends when its body names no (safe) error."""

# -- URL starter (``lambdas.url_starter``, CallbackUrlWorkflow) ---------------------------------
# It also reads WAITER_TABLE, SIGNING_SECRET_ARN, WAITER_TTL_SECONDS and WORKFLOW_NAME. Its
# payload is the starter's (PAYLOAD_TOKEN, PAYLOAD_EXECUTION) plus PAYLOAD_INPUT.
ENV_CALLBACK_BASE_URL: Final = "CALLBACK_BASE_URL"
"""The hub's function URL, the base of every signed URL."""
ENV_JOB_FUNCTION: Final = "JOB_FUNCTION_NAME"
"""The user's function that starts the external job (invoked synchronously with the URLs)."""
ENV_URL_TTL_SECONDS: Final = "URL_TTL_SECONDS"
"""How long the signed URLs stay valid after the wait began (the workflow's timeout)."""
PAYLOAD_INPUT: Final = "input"
"""The execution input, handed to the job function as is."""
#: The job function's event: ``{"callback_urls": {"success": ..., "failure": ...,
#: "heartbeat": ...}, "expires_at": <epoch>, "execution": <id>, "input": <execution input>}``.
JOB_EVENT_CALLBACK_URLS: Final = "callback_urls"
JOB_EVENT_EXPIRES_AT: Final = "expires_at"
JOB_EVENT_EXECUTION: Final = "execution"
JOB_EVENT_INPUT: Final = "input"


# -- schedule starter (EventBridge Scheduler's Lambda target) ---------------------------------
ENV_SCHEDULE_TARGET_ARN: Final = "SCHEDULE_TARGET_ARN"
"""The waiter a scheduled run starts: a state machine ARN, or a durable function's alias ARN."""
ENV_SCHEDULE_TARGET_KIND: Final = "SCHEDULE_TARGET_KIND"
"""``KIND_SFN`` (StartExecution) or ``KIND_DURABLE`` (an asynchronous durable invoke)."""
ENV_RUN_NAME_PREFIX: Final = "RUN_NAME_PREFIX"
"""The start of every scheduled run's name; the scheduled time follows it."""
PAYLOAD_SCHEDULED_TIME: Final = "scheduled_time"
"""The schedule's ``<aws.scheduler.scheduled-time>`` (``2026-11-30T02:00:00Z``)."""
# Its payload may also hold PAYLOAD_START_TYPE and PAYLOAD_INPUT (a WorkflowSchedule's run input).
