"""What Step Functions reports when a DMS ``aws-sdk`` task fails, and the one retry policy.

Pure data, no Pulumi: the state machine builders read it, the tests check it. Sources in
``docs/aws-facts.md`` (Step Functions and DMS sections).

Step Functions runs ``aws-sdk`` integrations with the AWS SDK for Java 2.x and names a failure
``<service>.<exception class>``: for DMS ``DatabaseMigration.`` followed by the Java SDK's class
name, where a modelled ``...Fault`` shape becomes ``...Exception``
(``ResourceNotFoundFault`` -> ``DatabaseMigration.ResourceNotFoundException``), and every error
DMS's model does not list (throttling, internal errors, ``InvalidParameterCombinationException``
when ``start-replication`` is repeated, an IAM denial, a bad parameter) is the service's base
class ``DatabaseMigration.DatabaseMigrationException``. A name therefore cannot tell a throttle
from a refusal; the cause can: it is the SDK's message, ``"<DMS message> (Service:
DatabaseMigration, Status Code: <HTTP status>, Request ID: <id>)"``. So transient errors are
recognised by their cause (``TRANSIENT_CAUSES``), and everything else fails at once.
"""

from __future__ import annotations

from typing import Any, Final

#: The service part of DMS error names (the Java SDK's service name for ``Database Migration
#: Service``, its trailing ``Service`` removed).
DMS_SERVICE: Final = "DatabaseMigration"


def java_exception_name(shape: str) -> str:
    """The AWS SDK for Java 2.x class name of a modelled error shape (its codegen's
    ``getExceptionName``): ``Fault`` becomes ``Exception``, words are PascalCased
    (``KMSAccessDeniedFault`` -> ``KmsAccessDeniedException``)."""
    base = shape[: -len("Fault")] if shape.endswith("Fault") else shape
    base = base[: -len("Exception")] if base.endswith("Exception") else base
    return _pascal_case(base) + "Exception"


def _pascal_case(name: str) -> str:
    words: list[str] = []
    current = ""
    for i, char in enumerate(name):
        nxt = name[i + 1] if i + 1 < len(name) else ""
        prev = name[i - 1] if i else ""
        boundary = current and (
            (char.isupper() and (prev.islower() or prev.isdigit()))
            or (char.isupper() and prev.isupper() and nxt.islower())
            or (char.isdigit() and not prev.isdigit())
        )
        if boundary:
            words.append(current)
            current = ""
        current += char
    if current:
        words.append(current)
    return "".join(word[0].upper() + word[1:].lower() for word in words)


def dms_error(shape: str) -> str:
    """The error name of a modelled DMS error shape, as Step Functions reports it."""
    return f"{DMS_SERVICE}.{java_exception_name(shape)}"


#: DescribeReplicationTasks (no task matches the filter) and StartReplicationTask (no such task).
DMS_NOT_FOUND: Final = dms_error("ResourceNotFoundFault")
#: Every DMS error the SDK model does not list, transient or not (see the module docstring).
DMS_UNMODELLED: Final = f"{DMS_SERVICE}.{DMS_SERVICE}Exception"
#: No answer from DMS at all (connection or read timeout): the SDK client's own exception.
DMS_NO_ANSWER: Final = f"{DMS_SERVICE}.SdkClientException"

#: Retried by name: only what is transient by nature.
RETRIED_DMS_ERRORS: Final[tuple[str, ...]] = (DMS_NO_ANSWER,)

#: ``StringMatches`` patterns of a ``DMS_UNMODELLED`` cause that retrying later fixes: HTTP 5xx
#: (internal error, service unavailable) and throttling (an HTTP 400 ``ThrottlingException``,
#: "Rate exceeded": the message is the only mark). Anything else fails at once.
TRANSIENT_CAUSES: Final[tuple[str, ...]] = (
    f"*(Service: {DMS_SERVICE}, Status Code: 5*",
    f"*(Service: {DMS_SERVICE}, Status Code: 429,*",
    "*Rate exceeded*",
    "*Throttl*",
)

#: Attempts after the first of a start (or auto's describe) that failed transiently, and the
#: first delay; each retry doubles it: 2 + 4 + 8 + 16 + 32 s at most.
START_RETRIES: Final = 5
START_RETRY_FIRST_DELAY_SECONDS: Final = 2


def retrier(errors: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """The one ``Retry`` policy of every definition: capped, jittered exponential backoff."""
    return [
        {
            "ErrorEquals": list(errors),
            "IntervalSeconds": 2,
            "BackoffRate": 2.0,
            "MaxAttempts": 6,
            "MaxDelaySeconds": 60,
            "JitterStrategy": "FULL",
        }
    ]


def transient_cause_rule(cause_path: str) -> dict[str, Any]:
    """A Choice condition: the caught error's cause is one of ``TRANSIENT_CAUSES``."""
    return {
        "Or": [{"Variable": cause_path, "StringMatches": pattern} for pattern in TRANSIENT_CAUSES]
    }
