"""The durable functions' archive: our handlers plus the durable SDK and the AWS SDK it needs,
as Lambda imports it."""

from __future__ import annotations

import importlib.metadata
import io
import json
import zipfile
from pathlib import Path

import pulumi
import pytest

from dms_waiters._internal.durable_bundle import (
    DURABLE_SDK_DISTRIBUTION,
    DURABLE_SDK_PACKAGE,
    bundled_assets,
    bundled_distributions,
)
from dms_waiters._internal.durable_function import durable_archive, start_command
from dms_waiters._internal.handler_archive import handler_assets
from dms_waiters.lambdas import contract
from tests.archives import extract, run_in
from tests.paths import ROOT

#: Lambda's limit for a deployment package uploaded directly (zipped).
DIRECT_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024


def test_the_bundle_is_the_durable_sdks_whole_dependency_closure() -> None:
    bundled = {name.lower() for name in bundled_distributions()}
    assert bundled == {
        "aws-durable-execution-sdk-python",
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "python-dateutil",
        "six",
        "urllib3",
    }
    # The SDK asks for a boto3 newer than a Lambda runtime may have: the reason to bundle it.
    assert any(
        r.startswith("boto3>=") for r in importlib.metadata.requires(DURABLE_SDK_DISTRIBUTION) or []
    )
    assert (
        f"{DURABLE_SDK_DISTRIBUTION}=={importlib.metadata.version(DURABLE_SDK_DISTRIBUTION)}"
        in (pinned())
    )


def test_each_bundled_package_is_shipped_whole_without_caches_or_install_records() -> None:
    bundled = set(bundled_assets())
    for name in bundled_distributions():
        package_files = {
            str(f)
            for f in importlib.metadata.files(name) or []
            if not str(f).startswith("..")
            and ".dist-info/" not in str(f)
            and "__pycache__" not in str(f)
            and not str(f).endswith(".pyc")
        }
        assert package_files and package_files <= bundled, name
    assert f"{DURABLE_SDK_PACKAGE}/LICENSE" in bundled
    assert "botocore/data/lambda/2015-03-31/service-2.json.gz" in bundled
    assert not any("__pycache__" in k or k.endswith(".pyc") for k in bundled)
    records = {k.rsplit("/", 1)[-1] for k in bundled if ".dist-info/" in k}
    assert "METADATA" in records and not records & {"RECORD", "INSTALLER", "direct_url.json"}


def pinned() -> set[str]:
    """The exact pins of the requirements files."""
    lines = (
        ROOT / name for name in ("requirements.txt", "requirements-dev.txt", "constraints.txt")
    )
    return {line.split("#")[0].strip() for path in lines for line in path.read_text().splitlines()}


def test_the_archive_is_handlers_plus_bundle_plus_extra_files() -> None:
    extra = {"etl.py": pulumi.StringAsset("")}
    archive = durable_archive(extra)
    assert set(archive.assets) == set(handler_assets()) | set(bundled_assets()) | {"etl.py"}
    with pytest.raises(ValueError, match=r"dms_waiters/lambdas/contract\.py would replace"):
        durable_archive({"dms_waiters/lambdas/contract.py": pulumi.StringAsset("")})


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The archive written out once for the tests below (thousands of files): its root and
    keys."""
    root = tmp_path_factory.mktemp("durable-archive")
    return root, extract(durable_archive(), root)


def test_the_zipped_archive_fits_lambdas_direct_upload_limit(
    unpacked: tuple[Path, list[str]],
) -> None:
    root, keys = unpacked
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in keys:
            archive.write(root / key, key)
    assert buffer.tell() < DIRECT_UPLOAD_LIMIT_BYTES


def test_the_handler_imports_from_the_archive_layout(unpacked: tuple[Path, list[str]]) -> None:
    # Unpacked as Lambda does (the archive root is on sys.path), the handler, the durable SDK
    # and the AWS SDK come from the archive, not from this environment's copies.
    root, _ = unpacked
    module, _, function = contract.DURABLE_WAITER_HANDLER.rpartition(".")
    probe = (
        "import importlib, json, sys\n"
        f"handler = getattr(importlib.import_module({module!r}), {function!r})\n"
        "files = [sys.modules[name].__file__ for name in "
        f"({module!r}, 'aws_durable_execution_sdk_python', 'boto3', 'botocore')]\n"
        "print(json.dumps([files, callable(handler)]))\n"
    )
    stdout = run_in(root, probe)
    files, is_callable = json.loads(stdout.strip().splitlines()[-1])
    expected = [
        root / "dms_waiters" / "lambdas" / "handlers" / "durable_waiter.py",
        root / DURABLE_SDK_PACKAGE / "__init__.py",
        root / "boto3" / "__init__.py",
        root / "botocore" / "__init__.py",
    ]
    assert [Path(f).resolve() for f in files] == [e.resolve() for e in expected]
    assert is_callable


def test_start_command_quotes_what_the_shell_would_split() -> None:
    command = start_command("arn:aws:lambda:eu-west-1:1:function:f:live", "etl", '{"a": 1}')
    assert "--payload '{\"a\": 1}'" in command
    assert '--durable-execution-name "etl-$RUN_ID"' in command
