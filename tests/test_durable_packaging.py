"""The durable functions' archive: our handlers plus the whole durable SDK, as Lambda imports it."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from dms_waiters.durable_function import (
    DURABLE_SDK_PACKAGE,
    durable_archive,
    durable_sdk_assets,
    start_command,
)
from dms_waiters.lambda_function import handler_assets
from dms_waiters.lambdas import contract
from tests.archives import extract

SDK_DIST = "aws-durable-execution-sdk-python"
ROOT = Path(__file__).resolve().parent.parent


def test_the_sdk_is_bundled_whole_and_without_caches() -> None:
    installed = {
        str(f)
        for f in importlib.metadata.files(SDK_DIST) or []
        if str(f).startswith(f"{DURABLE_SDK_PACKAGE}/") and str(f).endswith(".py")
    }
    assert len(installed) > 20
    bundled = set(durable_sdk_assets())
    assert {k for k in bundled if k.endswith(".py")} == installed
    assert {k for k in bundled if not k.endswith(".py")} == {
        f"{DURABLE_SDK_PACKAGE}/LICENSE",
        f"{DURABLE_SDK_PACKAGE}/NOTICE",
        f"{DURABLE_SDK_PACKAGE}/py.typed",
    }
    assert f"{SDK_DIST}=={importlib.metadata.version(SDK_DIST)}" in pinned()  # what we ship


def pinned() -> set[str]:
    """The exact pins of the requirements files."""
    lines = (ROOT / name for name in ("requirements.txt", "requirements-dev.txt"))
    return {line.split("#")[0].strip() for path in lines for line in path.read_text().splitlines()}


def test_the_archive_is_handlers_plus_sdk_plus_extra_files() -> None:
    extra = {"etl.py": pulumi.StringAsset("")}
    archive = durable_archive(extra)
    assert set(archive.assets) == set(handler_assets()) | set(durable_sdk_assets()) | {"etl.py"}
    with pytest.raises(ValueError, match=r"dms_waiters/lambdas/contract\.py would replace"):
        durable_archive({"dms_waiters/lambdas/contract.py": pulumi.StringAsset("")})


def test_the_handler_imports_from_the_archive_layout(tmp_path: Path) -> None:
    # Unpacked as Lambda does (the archive root is on sys.path), the handler and the SDK come
    # from the archive, not from this environment's copies.
    extract(durable_archive(), tmp_path)
    module, _, function = contract.DURABLE_WAITER_HANDLER.rpartition(".")
    probe = (
        "import importlib, json, sys\n"
        f"handler = getattr(importlib.import_module({module!r}), {function!r})\n"
        "sdk = sys.modules['aws_durable_execution_sdk_python']\n"
        f"print(json.dumps([sys.modules[{module!r}].__file__, sdk.__file__, callable(handler)]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    handler_file, sdk_file, is_callable = json.loads(result.stdout.strip().splitlines()[-1])
    assert (
        Path(handler_file).resolve()
        == (tmp_path / "dms_waiters" / "lambdas" / "durable_waiter.py").resolve()
    )
    sdk_init = tmp_path / DURABLE_SDK_PACKAGE / "__init__.py"
    assert Path(sdk_file).resolve() == sdk_init.resolve()
    assert is_callable


def test_start_command_quotes_what_the_shell_would_split() -> None:
    command = start_command("arn:aws:lambda:eu-west-1:1:function:f:live", "etl", '{"a": 1}')
    assert "--payload '{\"a\": 1}'" in command
    assert '--durable-execution-name "etl-$RUN_ID"' in command
