"""Fast guard for the wheel (tests/test_packaging.py, slow, builds it): setuptools installs only
the packages pyproject lists, so every package directory of components/ and lambdas/ is listed."""

from __future__ import annotations

import tomllib

from tests.paths import ROOT


def _package_directories() -> set[str]:
    found = set()
    for top, name in (("components", "dms_waiters"), ("lambdas", "dms_waiters.lambdas")):
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *relative)))
    return found


def test_pyproject_lists_every_package_directory() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    assert listed == _package_directories()
