"""The durable functions' archive, measured: zipped size and the handler's cold import time,
with only the durable SDK bundled (the runtime's boto3 serving it) and with the AWS SDK bundled
too (what ``durable_bundle`` ships). Each import runs in a fresh interpreter, as a cold start
does, with the extracted archive first on ``sys.path``."""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pulumi

from dms_waiters._internal.durable_bundle import DURABLE_SDK_PACKAGE, bundled_assets
from dms_waiters._internal.handler_archive import handler_assets
from dms_waiters.lambdas import contract
from tests.archives import extract

PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
importlib.import_module(sys.argv[1])
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "boto3": sys.modules["boto3"].__file__}))
"""


def variants() -> dict[str, dict[str, pulumi.Asset]]:
    """The archive's members with the durable SDK only (before) and with the AWS SDK (now)."""
    bundled = bundled_assets()
    sdk_only = {k: v for k, v in bundled.items() if k.startswith(f"{DURABLE_SDK_PACKAGE}/")}
    return {
        "durable SDK only": {**handler_assets(), **sdk_only},
        "durable SDK + boto3": {**handler_assets(), **bundled},
    }


def zipped_size(assets: Mapping[str, pulumi.Asset], directory: Path) -> int:
    """Bytes of the deflated zip of ``assets`` (extracted into ``directory`` on the way)."""
    extract(pulumi.AssetArchive(dict(assets)), directory)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(assets):
            archive.write(directory / key, key)
    return buffer.tell()


def cold_import_seconds(directory: Path, module: str, repeats: int) -> tuple[float, str]:
    """Median seconds to import ``module`` in a fresh interpreter, and where boto3 came from."""
    times, origin = [], ""
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, module],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(directory)},
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        times.append(result["seconds"])
        origin = result["boto3"]
    return statistics.median(times), origin


def report(repeats: int) -> None:
    """Print size and cold import time per variant."""
    module = contract.DURABLE_WAITER_HANDLER.rpartition(".")[0]
    print(f"\n== durable function archive (cold import: median of {repeats} fresh interpreters) ==")
    print(f"{'bundle':<22}{'files':>7}{'zipped MB':>11}{'import ms':>11}  boto3 from")
    for label, assets in variants().items():
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            size = zipped_size(assets, directory)
            seconds, origin = cold_import_seconds(directory, module, repeats)
            where = "archive" if Path(origin).is_relative_to(directory) else "runtime"
            print(f"{label:<22}{len(assets):>7}{size / 1e6:>11.1f}{seconds * 1000:>11.0f}  {where}")


def main(argv: Sequence[str]) -> int:
    """Standalone: ``python bench/durable_archive.py [repeats]``."""
    report(int(argv[0]) if argv else 5)
    return 0
