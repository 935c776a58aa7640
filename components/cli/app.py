"""The ``dms-waiters`` command: arguments, dispatch, exit codes and one-line errors.

Exit codes: 0 done; 1 refused or failed (no waiter to release, no credentials, an AWS error,
``doctor`` found a problem); 2 bad input (usage, a malformed ARN, an unknown table).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final, TextIO

from ..lambdas.errors import error_code, error_message
from . import doctor, render
from .hub import describe_table, find_hub
from .session import Aws, CliError
from .waits import check_task_arn, list_waits, release, status

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2
#: botocore's exceptions for "no credentials anywhere in the chain".
_NO_CREDENTIALS: Final = frozenset({"NoCredentialsError", "PartialCredentialsError"})
_NO_CONNECTION: Final = frozenset({"EndpointConnectionError", "ConnectTimeoutError"})


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    common = argparse.ArgumentParser(add_help=False)
    aws = common.add_argument_group("AWS (boto3's standard credential chain)")
    aws.add_argument("--region", help="AWS region (default: the profile's or AWS_REGION)")
    aws.add_argument("--profile", help="named profile of the AWS config files")
    aws.add_argument("--endpoint-url", help="send every request to this endpoint (an emulator)")
    hub = argparse.ArgumentParser(add_help=False, parents=[common])
    hub.add_argument("--hub", required=True, metavar="TABLE", help="the hub's waiter table name")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="JSON instead of text")

    top = argparse.ArgumentParser(
        prog="dms-waiters", description="Inspect and operate a deployed dms-waiters hub."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("waits", parents=[hub, as_json], help="every in-flight wait of the hub")
    one = commands.add_parser(
        "status", parents=[hub, as_json], help="one wait, its workflow and DMS side by side"
    )
    one.add_argument("task_arn", help="the DMS replication task ARN")
    commands.add_parser(
        "reconcile", parents=[hub, as_json], help="run the hub's reconciler now; print its counts"
    )
    free = commands.add_parser(
        "release",
        parents=[hub, as_json],
        help="fail the workflow waiting for a task with DmsWaitReleased and delete its waiter",
    )
    free.add_argument("task_arn", help="the DMS replication task ARN")
    free.add_argument("--reason", required=True, help="why (in the failure's cause)")
    commands.add_parser(
        "doctor", parents=[hub, as_json], help="check the hub's wiring; non-zero on a problem"
    )
    return top


def _waits(aws: Aws, opts: argparse.Namespace, out: TextIO) -> int:
    describe_table(aws, opts.hub)
    rows = list_waits(aws, opts.hub)
    print(render.as_json(rows) if opts.json else render.waits(rows), file=out)
    return EXIT_OK


def _status(aws: Aws, opts: argparse.Namespace, out: TextIO) -> int:
    arn = check_task_arn(opts.task_arn)
    describe_table(aws, opts.hub)
    answer = status(aws, opts.hub, arn)
    print(render.as_json(answer) if opts.json else render.sides(answer), file=out)
    return EXIT_OK


def _reconcile(aws: Aws, opts: argparse.Namespace, out: TextIO) -> int:
    hub = find_hub(aws, opts.hub)
    if hub.reconciler_function is None:
        raise CliError(f"hub {opts.hub} has no reconciler (reconcile_every_minutes is 0)")
    response = aws.client("lambda").invoke(
        FunctionName=hub.reconciler_function, InvocationType="RequestResponse", Payload=b"{}"
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        detail = payload.get("errorMessage") if isinstance(payload, dict) else payload
        raise CliError(f"the reconciler failed: {detail}")
    if opts.json:
        print(render.as_json(payload), file=out)
    else:
        rows = [{"count": name, "value": value} for name, value in payload.items()]
        print(render.table(rows, [("count", "COUNT"), ("value", "VALUE")]), file=out)
    return EXIT_OK


def _release(aws: Aws, opts: argparse.Namespace, out: TextIO) -> int:
    arn = check_task_arn(opts.task_arn)
    describe_table(aws, opts.hub)
    answer = release(aws, opts.hub, arn, opts.reason)
    if opts.json:
        print(render.as_json(answer), file=out)
    elif answer["result"] == "released":
        print(
            f"released {arn}: {answer['kind']} workflow {answer['workflow']} "
            f"({answer['execution']}) failed with {answer['error']}; waiter deleted",
            file=out,
        )
    else:
        print(f"{arn}: the workflow had already finished; waiter deleted", file=out)
    return EXIT_OK


def _doctor(aws: Aws, opts: argparse.Namespace, out: TextIO) -> int:
    checks = doctor.diagnose(aws, find_hub(aws, opts.hub))
    if opts.json:
        print(render.as_json([vars(c) for c in checks]), file=out)
    else:
        rows = [{"level": c.level.upper(), "check": c.name, "detail": c.detail} for c in checks]
        print(render.table(rows, [("level", ""), ("check", ""), ("detail", "")]).lstrip(), file=out)
    return EXIT_FAILED if any(c.level == "problem" for c in checks) else EXIT_OK


COMMANDS: Final[dict[str, Callable[[Aws, argparse.Namespace, TextIO], int]]] = {
    "waits": _waits,
    "status": _status,
    "reconcile": _reconcile,
    "release": _release,
    "doctor": _doctor,
}


def _one_line(exc: BaseException) -> tuple[str, int]:
    """What to say about an error the command did not raise itself, and the exit code."""
    name = type(exc).__name__
    if name in _NO_CREDENTIALS:
        return (
            "no AWS credentials (looked in the environment, --profile / AWS_PROFILE, the "
            "config files and the instance role)",
            EXIT_FAILED,
        )
    if name in _NO_CONNECTION:
        return f"cannot reach AWS: {exc}", EXIT_FAILED
    code = error_code(exc)
    if code is not None:
        operation: Any = getattr(exc, "operation_name", "")
        return f"{operation or 'AWS'} refused: {code}: {error_message(exc)}", EXIT_FAILED
    return f"{name}: {exc}", EXIT_FAILED


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command; the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        opts = parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and the error
        return int(exc.code or 0)
    aws = Aws(profile=opts.profile, region=opts.region, endpoint_url=opts.endpoint_url)
    try:
        return COMMANDS[opts.command](aws, opts, out)
    except CliError as exc:
        print(f"dms-waiters: error: {exc}", file=err)
        return exc.code
    except Exception as exc:
        message, code = _one_line(exc)
        print(f"dms-waiters: error: {' '.join(message.split())}", file=err)
        return code
