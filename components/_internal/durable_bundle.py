"""What a durable function's archive bundles besides our handlers: the durable SDK and the AWS
SDK it needs, taken from the environment running ``pulumi up``.

* **The durable SDK is bundled.** AWS recommends shipping the durable execution SDK in the
  deployment package; the copy in the Python runtime is meant for testing and development and
  may change under a running execution.
* **So is the AWS SDK it requires.** ``aws-durable-execution-sdk-python`` 3.x requires
  ``boto3>=1.43.114`` (for the Lambda durable execution APIs), but the boto3 of the Python
  runtime is whatever Lambda last installed: AWS documents that it "periodically updates the
  libraries in the Python runtime" and recommends that a function which needs control over its
  dependencies packages them, warning that mixing a bundled SDK dependency (urllib3) with the
  runtime's SDK causes version misalignment (AWS Lambda Developer Guide, "Working with .zip
  file archives for Python Lambda functions"; docs/aws-facts.md). The archive therefore holds
  the SDK's whole dependency closure: boto3, botocore, s3transfer, jmespath, python-dateutil,
  six and urllib3, every file of their packages (botocore's service models included, since a
  ``DurableBatchWorkflow`` job may call any service) except caches, and the licence and
  metadata files of their ``.dist-info`` (so ``importlib.metadata`` works), never the
  installer's records (``RECORD``, ``INSTALLER``...), which differ from machine to machine and
  would change the code hash. All of them are pure Python; the archive stays under Lambda's
  50 MB direct-upload limit (tested, and measured by ``./dev bench``).
"""

from __future__ import annotations

import importlib.metadata
import re
from functools import cache
from pathlib import Path
from typing import Final

import pulumi

#: The durable execution SDK's distribution and import name.
DURABLE_SDK_DISTRIBUTION: Final = "aws-durable-execution-sdk-python"
DURABLE_SDK_PACKAGE: Final = "aws_durable_execution_sdk_python"
#: ``.dist-info`` files that describe this installation rather than the package.
_INSTALLATION_RECORDS: Final = frozenset(
    {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json", "uv_build.json"}
)
_NAME_RE: Final = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(distribution: str) -> list[str]:
    """The distributions ``distribution`` requires, extras and environment markers excluded."""
    names = []
    for requirement in importlib.metadata.requires(distribution) or []:
        if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
            continue  # only with an extra we do not ask for
        match = _NAME_RE.match(requirement)
        if match:
            names.append(match.group(1))
    return names


@cache
def bundled_distributions() -> tuple[str, ...]:
    """The durable SDK's distribution and everything it requires, transitively (sorted)."""
    seen: dict[str, str] = {}
    pending = [DURABLE_SDK_DISTRIBUTION]
    while pending:
        name = pending.pop()
        key = _canonical(name)
        if key in seen:
            continue
        try:
            seen[key] = importlib.metadata.distribution(name).metadata["Name"]
        except importlib.metadata.PackageNotFoundError:
            raise RuntimeError(
                f"{name} is not installed; durable functions bundle the durable execution SDK "
                "and its dependencies: install dms-waiters with its dependencies"
            ) from None
        pending += _requirement_names(name)
    return tuple(sorted(seen.values(), key=_canonical))


def _shipped(parts: tuple[str, ...]) -> bool:
    if parts[0] == ".." or "__pycache__" in parts or parts[-1].endswith((".pyc", ".pyo")):
        return False
    return not (parts[0].endswith(".dist-info") and parts[-1] in _INSTALLATION_RECORDS)


def bundled_assets() -> dict[str, pulumi.Asset]:
    """Every bundled file, by its path in the archive (its path under site-packages)."""
    return {key: pulumi.FileAsset(path) for key, path in _bundled_files().items()}


@cache
def _bundled_files() -> dict[str, str]:
    """Archive path -> file on disk; computed once per process (thousands of files)."""
    files: dict[str, str] = {}
    for name in bundled_distributions():
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            parts = Path(str(file)).parts
            if not _shipped(parts):
                continue
            location = Path(str(file.locate()))
            if location.is_file():
                files["/".join(parts)] = str(location)
    return dict(sorted(files.items()))


def bundled_top_levels() -> frozenset[str]:
    """The top-level names (packages, modules, ``.dist-info``) the bundle takes in the archive."""
    return frozenset(key.split("/", 1)[0].removesuffix(".py") for key in _bundled_files())
