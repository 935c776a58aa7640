"""Checks for Step Functions definitions (Amazon States Language), run by the tests.

Three linters, because each catches what the others miss (each was run on the same definitions
with deliberate errors):

- ``asl_validator_errors``: the npm ``asl-validator`` (JSON schema, JSONPath/JSONata syntax,
  transition targets, ARN syntax);
- ``statelint_errors``: the PyPI ``statelint`` (field names such as Choice operators);
- ``sdk_integration_errors``: ``aws-sdk:<service>:<action>`` names against botocore's models,
  which neither linter checks.
"""

from __future__ import annotations

import atexit
import copy
import functools
import gzip
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import botocore.loaders
from statelint.config import Config
from statelint.linter import Linter

REPO_ROOT = Path(__file__).resolve().parents[2]
_SERVER_SCRIPT = Path(__file__).with_name("asl_validator_server.js")
# One definition validates in milliseconds once the server runs; this only bounds a hang.
_ANSWER_TIMEOUT_SECONDS = 60.0


# --- asl-validator ---------------------------------------------------------------------------


class AslValidator:
    """A long-lived node process running asl-validator (``asl_validator_server.js``).

    The CLI (``node_modules/.bin/asl-validator --json-path FILE``, exit 1 and the errors as text
    on stderr) takes over a second per call, nearly all of it starting node and compiling the
    validator's schemas; one process answering line-delimited JSON requests makes a definition
    cost milliseconds. ``share_compiled_schemas=False`` runs the validator exactly as its CLI
    does (a fresh schema compilation per definition), to check that sharing changes nothing.
    """

    def __init__(self, root: Path = REPO_ROOT, *, share_compiled_schemas: bool = True) -> None:
        self.root = root
        self.share_compiled_schemas = share_compiled_schemas
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = b""
        self._next_id = 0
        # pytest-xdist runs tests in separate processes, but a test may still use threads.
        self._lock = threading.Lock()

    def errors(self, definition: dict[str, Any]) -> list[str]:
        """Return asl-validator's errors for ``definition`` as "CODE: message" strings."""
        with self._lock:
            process = self._ensure_started()
            self._next_id += 1
            request = {"id": self._next_id, "definition": definition}
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
            except BrokenPipeError:
                raise self._died("it exited before the request was sent") from None
            reply = json.loads(self._read_line(process))
        if reply.get("id") != request["id"]:
            raise RuntimeError(f"asl-validator answered request {reply.get('id')!r}: {reply}")
        if "exception" in reply:
            raise RuntimeError(f"asl-validator raised: {reply['exception']}")
        return [f"{e['code']}: {e['message']}" for e in reply["errors"]]

    def close(self) -> None:
        """Stop the node process (it also ends by itself when its stdin closes)."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._buffer = b""

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        if self._process is not None:
            raise self._died(f"it exited with code {self._process.returncode}")
        if not (self.root / "node_modules" / "asl-validator" / "package.json").is_file():
            raise RuntimeError(
                f"asl-validator is not installed in {self.root / 'node_modules'}: "
                f"run `npm ci` in {self.root} (package.json pins it)"
            )
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH; asl-validator needs Node.js (then `npm ci`)")
        command = [node, str(_SERVER_SCRIPT), str(self.root)]
        if not self.share_compiled_schemas:
            command.append("--fresh")
        # A file, not a pipe, for stderr: nobody reads it until something goes wrong, and a full
        # pipe would block node. It lives as long as the process; close() closes it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        return self._process

    def _read_line(self, process: subprocess.Popen[bytes]) -> bytes:
        # select + os.read rather than readline(): a hung validator fails the test instead of
        # hanging it.
        assert process.stdout is not None
        fd = process.stdout.fileno()
        deadline = time.monotonic() + _ANSWER_TIMEOUT_SECONDS
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                process.kill()
                raise self._died(f"no answer within {_ANSWER_TIMEOUT_SECONDS:.0f} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    process.wait()
                    raise self._died(f"it exited with code {process.returncode}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def _died(self, why: str) -> RuntimeError:
        detail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            detail = self._stderr.read().decode(errors="replace").strip()
        return RuntimeError(
            f"asl-validator server failed: {why}" + (f"\n{detail}" if detail else "")
        )


_shared_validator: AslValidator | None = None


def asl_validator_errors(definition: dict[str, Any]) -> list[str]:
    """Errors asl-validator 4.0.0 reports for ``definition``; empty when it is valid.

    The validator reports schema errors (bad field, bad JSONPath) alone: transition checks (a
    missing Next target) only run once the schema passes. Raises RuntimeError when node or
    node_modules is missing (run ``npm ci``).
    """
    global _shared_validator
    if _shared_validator is None:
        _shared_validator = AslValidator()
        atexit.register(_shared_validator.close)
    return _shared_validator.errors(definition)


# --- statelint -------------------------------------------------------------------------------


def statelint_errors(definition: dict[str, Any]) -> list[str]:
    """Problems statelint 3.1.0 reports for ``definition``; empty when it is valid."""
    # Linter.validate takes the dict itself; a copy keeps the caller's definition untouched.
    return list(Linter.validate(copy.deepcopy(definition), Config()))


# --- aws-sdk integrations against botocore ---------------------------------------------------

#: Step Functions' aws-sdk service names (the AWS SDK for Java v2 client names, lowercased) that
#: are not botocore's names, plus the ones the components use, pinned so a botocore change shows.
SFN_TO_BOTOCORE_SERVICE: dict[str, str] = {
    "databasemigration": "dms",
    "sfn": "stepfunctions",
    "lambda": "lambda",
    "dynamodb": "dynamodb",
    "eventbridge": "events",
    "secretsmanager": "secretsmanager",
    "sqs": "sqs",
    "sns": "sns",
    "cloudwatchlogs": "logs",
    "cloudwatch": "cloudwatch",
    "s3": "s3",
    "sts": "sts",
    "iam": "iam",
    "ssm": "ssm",
    "kms": "kms",
}

_SDK_RESOURCE_PREFIX = re.compile(r"^arn:aws[a-z-]*:states:::aws-sdk:")
_SDK_RESOURCE = re.compile(
    r"^arn:aws[a-z-]*:states:::aws-sdk:(?P<service>[a-z0-9]+):(?P<action>[A-Za-z0-9]+)"
    r"(?:\.(?P<pattern>[A-Za-z]+))?$"
)
# aws-sdk integrations support request-response and callbacks, not .sync.
_SDK_PATTERNS = {None, "waitForTaskToken"}


def java_client_name(service_id: str) -> str:
    """The lowercased Java SDK v2 client name botocore's ``serviceId`` gives (how SFN names it).

    Java drops spaces, dashes and a trailing "Service": "Database Migration Service" ->
    "databasemigration", "CloudWatch Logs" -> "cloudwatchlogs", "SFN" -> "sfn".
    """
    name = re.sub(r"[\s_-]", "", service_id).lower()
    return name.removesuffix("service") or name


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _service_model_path(name: str) -> Path:
    loader = _loader()
    version = str(loader.determine_latest_version(name, "service-2"))
    for base in loader.search_paths:
        for filename in ("service-2.json", "service-2.json.gz"):
            path = Path(str(base), name, version, filename)
            if path.is_file():
                return path
    raise FileNotFoundError(f"no service-2 model for {name} {version}")


def _service_metadata(name: str) -> dict[str, Any]:
    """The ``metadata`` of a botocore service model, read from the head of its file.

    Loading all ~440 models takes seconds; their metadata sits in the first kilobytes.
    """
    path = _service_model_path(name)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        head = handle.read(16384)
    start = head.find('"metadata"')
    if start >= 0:
        try:
            metadata, _ = json.JSONDecoder().raw_decode(head, head.index("{", start))
            return dict(metadata)
        except ValueError:
            pass
    # Not in the head (a model laid out differently): load it whole.
    return dict(_loader().load_service_model(name, "service-2")["metadata"])


@functools.cache
def _botocore_index() -> tuple[dict[str, str], dict[str, str]]:
    """Botocore service name by Java client name, and by boto3 name or endpoint prefix."""
    by_java: dict[str, str] = {}
    by_other: dict[str, str] = {}
    for name in _loader().list_available_services("service-2"):
        metadata = _service_metadata(name)
        by_java.setdefault(java_client_name(str(metadata.get("serviceId", ""))), name)
        by_other.setdefault(name, name)
        by_other.setdefault(str(metadata.get("endpointPrefix", "")), name)
    return by_java, by_other


def botocore_service_by_client_name(sfn_service: str) -> str | None:
    """The botocore service whose serviceId gives ``sfn_service`` (no overrides), or None."""
    return _botocore_index()[0].get(sfn_service)


def botocore_service_for(sfn_service: str) -> str | None:
    """The botocore service behind Step Functions' aws-sdk service name, or None."""
    if sfn_service in SFN_TO_BOTOCORE_SERVICE:
        return SFN_TO_BOTOCORE_SERVICE[sfn_service]
    return botocore_service_by_client_name(sfn_service)


@functools.cache
def botocore_operations(service: str) -> frozenset[str]:
    """The operation names (PascalCase) of a botocore service model."""
    return frozenset(_loader().load_service_model(service, "service-2")["operations"])


def iter_states(definition: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(path, state)`` for every state, inside Parallel branches and Map processors."""
    for name, state in (definition.get("States") or {}).items():
        here = f"{path}States.{name}"
        yield here, state
        if not isinstance(state, dict):
            continue
        for index, branch in enumerate(state.get("Branches") or []):
            yield from iter_states(branch, f"{here}.Branches[{index}].")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from iter_states(state[key], f"{here}.{key}.")


def _sdk_resource_error(resource: str) -> str | None:
    """What is wrong with one ``aws-sdk`` Resource ARN, or None."""
    match = _SDK_RESOURCE.match(resource)
    if match is None:
        return "is not arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]"
    service, action, pattern = match["service"], match["action"], match["pattern"]
    if pattern not in _SDK_PATTERNS:
        return f"uses .{pattern}; aws-sdk integrations support only .waitForTaskToken"
    botocore_name = botocore_service_for(service)
    if botocore_name is None:
        # A boto3 name or endpoint prefix (dms, logs, states) is not what Step Functions takes.
        other = _botocore_index()[1].get(service)
        hint = ""
        if other is not None:
            metadata = _service_metadata(other)
            hint = f"; did you mean '{java_client_name(str(metadata.get('serviceId', '')))}'?"
        return f"names unknown aws-sdk service '{service}'{hint}"
    operations = botocore_operations(botocore_name)
    if action[:1].upper() + action[1:] in operations:
        if action[:1].islower():
            return None
        return f"action '{action}' must be camelCase: '{action[:1].lower() + action[1:]}'"
    by_lower = {op.lower(): op for op in operations}
    suggestion = by_lower.get(action.lower())
    hint = f"; did you mean '{suggestion[:1].lower() + suggestion[1:]}'?" if suggestion else ""
    return f"action '{action}' is not an operation of botocore service '{botocore_name}'{hint}"


def sdk_integration_errors(definition: dict[str, Any]) -> list[str]:
    """Errors in the ``aws-sdk:<service>:<action>`` Resources of every state, nested ones too."""
    errors: list[str] = []
    for path, state in iter_states(definition):
        if not isinstance(state, dict):
            continue
        # Task states call services; Distributed Map readers and writers name one too.
        candidates = [(f"{path}.Resource", state.get("Resource"))]
        for key in ("ItemReader", "ResultWriter"):
            if isinstance(state.get(key), dict):
                candidates.append((f"{path}.{key}.Resource", state[key].get("Resource")))
        for where, resource in candidates:
            if isinstance(resource, str) and _SDK_RESOURCE_PREFIX.match(resource):
                problem = _sdk_resource_error(resource)
                if problem:
                    errors.append(f"{where}: {resource} {problem}")
    return errors


def all_definition_errors(definition: dict[str, Any]) -> list[str]:
    """Every error of the three checks, each prefixed with the check that found it."""
    return (
        [f"asl-validator: {e}" for e in asl_validator_errors(definition)]
        + [f"statelint: {e}" for e in statelint_errors(definition)]
        + [f"aws-sdk: {e}" for e in sdk_integration_errors(definition)]
    )
