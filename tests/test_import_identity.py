"""One import name, one identity: the handler code is ``dms_waiters.lambdas`` everywhere.

In a fresh interpreter, importing every module of the package, the local cloud and the bench
must never load a top-level ``components`` or ``lambdas`` module (the repository's directory
names): a second copy of a handler module would mean two exception classes and two client
caches for the same code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.archives import run_in

# A fresh interpreter imports every module (moto included): seconds, so it runs in CI's slow set.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
import dms_waiters, dms_waiters.lambdas, localcloud
names = ["dms_waiters.testing", "localcloud.deploy", "bench.measure"]
names += [m.name for m in pkgutil.walk_packages(dms_waiters.__path__, "dms_waiters.")]
names += [m.name for m in pkgutil.walk_packages(localcloud.__path__, "localcloud.")]
# A __main__ module is a command's entry point: importing it runs the command.
names = [name for name in names if not name.endswith(".__main__")]
for name in names:
    importlib.import_module(name)
errors = importlib.import_module("dms_waiters.lambdas.errors")
print(json.dumps({
    "imported": len(names),
    "strays": sorted(n for n in sys.modules if n.partition(".")[0] in ("components", "lambdas")),
    "errors_file": errors.__file__,
}))
"""


def test_no_module_is_imported_under_a_directory_name() -> None:
    report = json.loads(run_in(ROOT, PROBE).strip().splitlines()[-1])
    assert report["imported"] >= 40
    assert report["strays"] == []
    assert Path(report["errors_file"]).resolve() == ROOT / "lambdas" / "errors.py"
