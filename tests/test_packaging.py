"""The wheel ships the components and their handler code, and works from a fresh environment.

Builds the wheel from a copy of the repository (no build isolation, no index: no network),
installs it into a new virtual environment, and runs a small Pulumi program there under the
mocks, from a directory outside the repository with no ``PYTHONPATH``, so ``components`` can only
come from the wheel. The third-party dependencies (pulumi, pulumi-aws) are borrowed from the
environment running the tests through a ``.pth`` file instead of being downloaded.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
#: Left out of the copy the wheel is built from: environments, caches, earlier build output.
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".localcloud",
    "tests",
)
EXPECTED_RESOURCE_TYPES = {
    "dms-waiters:index:DmsPollingWorkflow",
    "aws:sfn/stateMachine:StateMachine",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:cloudwatch/logGroup:LogGroup",
}
TASK_ARN = "arn:aws:dms:eu-west-1:210987654321:task:PACKAGINGTEST"

PROGRAM = textwrap.dedent(
    f"""
    import json

    import components
    from components import DmsPollingWorkflow
    from components.handlers import handlers_dir
    from components.testing import DmsWaitersMocks, run_program


    def program():
        DmsPollingWorkflow("orders", {{"replication_task_arn": "{TASK_ARN}"}})


    mocks = run_program(program, DmsWaitersMocks(account_id="210987654321", region="eu-west-1"))
    machine = mocks.created("aws:sfn/stateMachine:StateMachine")[0]
    print("RESULT " + json.dumps({{
        "components_file": components.__file__,
        "handlers_dir": str(handlers_dir()),
        "handler_exists": (handlers_dir() / "dms_status.py").is_file(),
        "resource_types": sorted({{r.type for r in mocks.created()}}),
        "state_machine_arn": machine.output("arn"),
    }}))
    """
)


def _hermetic_env() -> dict[str, str]:
    """The environment without PYTHON*/PIP* settings, so nothing leaks in from the repo."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "PIP_")) and key != "VIRTUAL_ENV"
    }
    env.update(
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    return env


def _run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_hermetic_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def _check_build_requirements() -> None:
    """``--no-build-isolation`` uses the installed backend: it must be the pinned one."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    for requirement in pyproject["build-system"]["requires"]:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(?:==\s*([^\s;]+))?\s*", requirement)
        assert match, f"unexpected build requirement format: {requirement!r}"
        name, pinned = match.groups()
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"build requirement {requirement!r} is not installed (dev requirement)")
        assert pinned is None or installed == pinned, (
            f"build backend {name} {installed} is installed, pyproject pins {pinned}; "
            f"install {requirement} (dev requirement)"
        )


@dataclass(frozen=True)
class Built:
    """The wheel and the copy of the repository it was built from."""

    wheel: Path
    source: Path


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed."""

    venv: Path
    python: Path
    site_packages: Path
    source: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The wheel built from a clean copy of the repository (symlinks kept as symlinks).

    Building from a copy leaves no ``build/`` or ``*.egg-info`` in the repository and cannot
    pick up stale files from an earlier in-tree build.
    """
    _check_build_requirements()
    source = tmp_path_factory.mktemp("source") / "dms-waiters"
    shutil.copytree(REPO, source, symlinks=True, ignore=COPY_IGNORE)
    assert (source / "components" / "lambdas").is_symlink(), "copy must keep the symlink"
    out = tmp_path_factory.mktemp("wheelhouse")
    _run(
        [
            sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
            "--no-index", "--wheel-dir", out, source,
        ],
        cwd=out,
    )  # fmt: skip
    wheels = list(out.glob("dms_waiters-*.whl"))
    assert len(wheels) == 1, wheels
    return Built(wheel=wheels[0], source=source)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A new venv with the wheel installed and the test environment's packages on its path."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent)
    bindir = "Scripts" if os.name == "nt" else "bin"
    python = venv / bindir / ("python.exe" if os.name == "nt" else "python")
    paths = _run(
        [python, "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"],
        cwd=venv,
    )
    site_packages = Path(json.loads(paths.stdout)["purelib"])
    # Borrow pulumi & co. from the environment running the tests: sys.path entries appended
    # after the new venv's own site-packages, so the wheel's ``components`` comes first.
    ours = sysconfig.get_paths()
    borrowed = dict.fromkeys([ours["purelib"], ours["platlib"]])
    (site_packages / "zz_borrowed_test_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in borrowed)
    )
    # The running pip installs into the new interpreter (pip --python), from the wheel file only.
    _run(
        [
            sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
            "--no-index", built.wheel,
        ],
        cwd=venv,
    )  # fmt: skip
    return Installed(venv=venv, python=python, site_packages=site_packages, source=built.source)


def _is_symlink_entry(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def test_wheel_contains_every_module_and_the_handlers_as_real_files(built: Built) -> None:
    source, wheel = built.source, built.wheel
    expected = {f"components/{p.name}": p for p in (source / "components").glob("*.py")}
    expected["components/py.typed"] = source / "components" / "py.typed"
    expected |= {f"components/lambdas/{p.name}": p for p in (source / "lambdas").glob("*.py")}
    assert "components/handlers.py" in expected
    assert "components/lambdas/dms_status.py" in expected

    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        missing = sorted(set(expected) - set(infos))
        assert not missing, f"missing from {wheel.name}: {missing}"
        for name, source in expected.items():
            assert not _is_symlink_entry(infos[name]), f"{name} is stored as a symlink"
            assert archive.read(name) == source.read_bytes(), f"{name} differs from {source}"
        top_levels = {name.split("/", 1)[0] for name in infos}
    # Only the package and its metadata: no stray top-level ``lambdas`` package.
    assert {t for t in top_levels if not t.endswith(".dist-info")} == {"components"}


def test_installed_wheel_runs_a_program_from_outside_the_repository(
    installed: Installed, tmp_path: Path
) -> None:
    workdir = tmp_path / "user-project"
    workdir.mkdir()
    assert not workdir.resolve().is_relative_to(REPO)
    (workdir / "program.py").write_text(PROGRAM)

    completed = _run([installed.python, "program.py"], cwd=workdir)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, completed.stdout
    result = json.loads(lines[0].removeprefix("RESULT "))

    components_file = Path(result["components_file"]).resolve()
    site_packages = installed.site_packages.resolve()
    assert components_file.is_relative_to(installed.venv.resolve())
    assert components_file == site_packages / "components" / "__init__.py"
    assert not components_file.is_relative_to(REPO)

    handlers = Path(result["handlers_dir"])
    assert handlers == site_packages / "components" / "lambdas"
    assert result["handler_exists"] is True
    installed_handlers = site_packages / "components" / "lambdas"
    assert installed_handlers.is_dir() and not installed_handlers.is_symlink()
    assert (installed_handlers / "dms_status.py").read_bytes() == (
        installed.source / "lambdas" / "dms_status.py"
    ).read_bytes()

    assert set(result["resource_types"]) >= EXPECTED_RESOURCE_TYPES
    assert result["state_machine_arn"].startswith(
        "arn:aws:states:eu-west-1:210987654321:stateMachine:"
    )
