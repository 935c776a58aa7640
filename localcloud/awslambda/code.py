"""A function version's code in this process: its zip extracted once, its modules kept apart.

The deployment package is extracted once per process and content (``_extracted``), and each
function version keeps its own modules (``_CodeVersion``): two functions may both ship
``dms_waiters/lambdas/...`` and neither may see the other's (or the repository's) copy.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import types
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from dms_waiters.documents.iam_policies import service_assume_role_policy

if TYPE_CHECKING:
    from .invocation import LambdaContext

#: Top-level modules a function's zip may ship but never replaces: a vendored boto3/botocore
#: would bypass moto's request interception and reach the real network.
PROTECTED_MODULES: Final = frozenset(
    {"moto", "localcloud", "_pytest", "pytest"}
    # The AWS SDK and its dependencies, which durable functions bundle: the process's copies
    # (the same pinned versions the bundle is made from) serve every function, because moto
    # intercepts calls through the process's botocore and a second botocore would bypass it.
    | {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
)

#: Deployment packages extracted once per process, by content: every function and version with
#: the same code (each test's new cloud deploys the same durable archive, ~17 MB) shares one
#: read-only directory, as the code of /var/task is read-only on Lambda. Modules stay per
#: function version (``_CodeVersion``).
_EXTRACTED: dict[str, tuple[Path, list[str]]] = {}
_EXTRACTED_LOCK = threading.Lock()
_EXTRACTED_ROOT: Path | None = None


def _extracted(code_bytes: bytes) -> tuple[Path, list[str]]:
    """The directory ``code_bytes`` (a zip) is extracted into, and its member names."""
    global _EXTRACTED_ROOT
    digest = hashlib.sha256(code_bytes).hexdigest()
    with _EXTRACTED_LOCK:
        found = _EXTRACTED.get(digest)
        if found is not None:
            return found
        if _EXTRACTED_ROOT is None:
            _EXTRACTED_ROOT = Path(tempfile.mkdtemp(prefix="localcloud-code-"))
            atexit.register(shutil.rmtree, _EXTRACTED_ROOT, ignore_errors=True)
        directory = _EXTRACTED_ROOT / digest[:24]
        try:
            with zipfile.ZipFile(io.BytesIO(code_bytes)) as archive:
                names = archive.namelist()
                archive.extractall(directory)  # zipfile drops absolute and ".." components
        except zipfile.BadZipFile as exc:
            raise _InitError(
                "Runtime.ImportModuleError", f"the deployment package is not a zip: {exc}"
            ) from exc
        _EXTRACTED[digest] = (directory, names)
        return directory, names


_FIXED_ZIP_TIME: Final = (2026, 1, 1, 0, 0, 0)


class _InitError(Exception):
    """The runtime could not load the handler; carries the AWS ``errorType``."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def build_zip(files: Mapping[str, str | bytes]) -> bytes:
    """A deployment package holding ``files`` (archive path -> source), built in memory.

    Entries get a fixed timestamp, so the same files always give the same bytes (and the same
    ``CodeSha256``).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            content = files[name]
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


@dataclass
class _CodeVersion:
    """One extracted function version with the modules it imported, kept between invocations.

    Isolation: while the function's code is imported or runs, the top-level names its zip
    provides (``lambdas``, ``app``...) are taken out of ``sys.modules`` and its own modules put
    in; afterwards its modules are taken out again and the process's restored. So ``import
    lambdas.resume`` inside the handler finds the zip's package, and nothing the function
    imported stays visible to the rest of the process. The loaded modules are reused by later
    invocations of the same version (a warm execution environment, as on AWS). The swap is
    process-wide for the duration of a run: another thread that *imports* one of those names
    at that moment gets the function's module (modules imported earlier are unaffected).
    """

    directory: Path
    top_names: frozenset[str]
    modules: dict[str, types.ModuleType] = field(default_factory=dict)
    handler: Callable[[Any, LambdaContext], Any] | None = None

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """The function's modules in ``sys.modules`` and its directory first on ``sys.path``."""
        hidden = {
            name: sys.modules.pop(name)
            for name in list(sys.modules)
            if name.partition(".")[0] in self.top_names
        }
        sys.modules.update(self.modules)
        path = str(self.directory)
        sys.path.insert(0, path)
        try:
            yield
        finally:
            for name in list(sys.modules):
                if name.partition(".")[0] in self.top_names:
                    self.modules[name] = sys.modules.pop(name)
            sys.modules.update(hidden)
            with contextlib.suppress(ValueError):
                sys.path.remove(path)


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dummy_execution_role(iam: Any) -> str:
    """The ARN of a role for functions created outside a deployment (moto checks that a
    function's role exists in IAM), created on first use."""
    name = "localcloud-lambda"
    try:
        arn: str = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(service_assume_role_policy("lambda.amazonaws.com")),
        )["Role"]["Arn"]
    return arn
