"""The wheel is one import package, ``dms_waiters``, and works from a fresh environment.

Builds the wheel from a copy of the repository (no build isolation, no index: no network),
installs it into a new virtual environment, and runs a small Pulumi program and a user's unit
tests there, from a directory outside the repository with no ``PYTHONPATH``, so ``dms_waiters``
can only come from the wheel. The third-party dependencies (pulumi, pulumi-aws, pytest) are
borrowed from the environment running the tests through a ``.pth`` file instead of being
downloaded; the wheel's declared requirements are checked against the pinned versions.
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
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dms_waiters._version import __version__

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
    import importlib.util
    import json

    import dms_waiters
    import dms_waiters.lambdas.errors
    from dms_waiters import DmsPollingWorkflow
    from dms_waiters._internal.handler_archive import handlers_dir
    from dms_waiters.testing import DmsWaitersMocks, run_program


    def program():
        DmsPollingWorkflow("orders", {{"replication_task_arn": "{TASK_ARN}"}})


    mocks = run_program(program, DmsWaitersMocks(account_id="210987654321", region="eu-west-1"))
    machine = mocks.created("aws:sfn/stateMachine:StateMachine")[0]
    print("RESULT " + json.dumps({{
        "package_file": dms_waiters.__file__,
        "version": dms_waiters.__version__,
        "errors_file": dms_waiters.lambdas.errors.__file__,
        "handlers_dir": str(handlers_dir()),
        "handler_exists": (handlers_dir() / "dms_status.py").is_file(),
        "other_top_levels": [
            name for name in ("components", "lambdas") if importlib.util.find_spec(name)
        ],
        "resource_types": sorted({{r.type for r in mocks.created()}}),
        "state_machine_arn": machine.output("arn"),
    }}))
    """
)

#: A user's project: their batch job (importing our helper under the name it has in the
#: archive too) and their unit tests of it and of a stack, run with pytest in the new venv.
USER_JOB = textwrap.dedent(
    """
    from dms_waiters.lambdas.durable_batch import make_handler


    def load(batch):
        return {"rows": len(batch)}


    handler = make_handler(load)
    """
)
USER_TESTS = textwrap.dedent(
    f"""
    import dms_waiters.lambdas.durable_batch as batch
    import pytest
    from dms_waiters import DmsPollingWorkflow, InvalidArgumentError
    from dms_waiters.lambdas.errors import DmsTaskFailed
    from dms_waiters.testing import DmsWaitersMocks, run_program

    import etl


    def test_the_job_is_built_with_our_helper():
        assert callable(etl.handler)
        assert etl.load([1, 2]) == {{"rows": 2}}
        assert batch.make_handler.__module__ == "dms_waiters.lambdas.durable_batch"


    def test_one_identity_for_the_handler_errors():
        import dms_waiters.lambdas.errors as errors

        assert errors.DmsTaskFailed is DmsTaskFailed


    def test_a_stack_under_the_mocks():
        mocks = run_program(
            lambda: DmsPollingWorkflow("orders", {{"replication_task_arn": "{TASK_ARN}"}}),
            DmsWaitersMocks(account_id="210987654321", region="eu-west-1"),
        )
        assert len(mocks.created("aws:sfn/stateMachine:StateMachine")) == 1


    def test_bad_input_fails_before_anything_is_deployed():
        with pytest.raises(InvalidArgumentError, match="replication_task_arn"):
            run_program(lambda: DmsPollingWorkflow("orders", {{"replication_task_arn": "x"}}))
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
    """The wheel built from a clean copy of the repository.

    Building from a copy leaves no ``build/`` or ``*.egg-info`` in the repository and cannot
    pick up stale files from an earlier in-tree build.
    """
    _check_build_requirements()
    source = tmp_path_factory.mktemp("source") / "dms-waiters"
    shutil.copytree(REPO, source, symlinks=True, ignore=COPY_IGNORE)
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
    # after the new venv's own site-packages, so the wheel's ``dms_waiters`` comes first.
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


def test_wheel_is_one_import_package_with_the_handlers_as_real_files(built: Built) -> None:
    source, wheel = built.source, built.wheel
    # Every module, subpackages included: a subpackage missing from pyproject's list would
    # leave its files out of the wheel.
    expected = {
        f"dms_waiters/{p.relative_to(source / 'components').as_posix()}": p
        for p in (source / "components").rglob("*.py")
    }
    expected["dms_waiters/py.typed"] = source / "components" / "py.typed"
    expected |= {
        f"dms_waiters/lambdas/{p.relative_to(source / 'lambdas').as_posix()}": p
        for p in (source / "lambdas").rglob("*.py")
    }
    assert "dms_waiters/_internal/handler_archive.py" in expected
    assert "dms_waiters/lambdas/dms_status.py" in expected

    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        missing = sorted(set(expected) - set(infos))
        assert not missing, f"missing from {wheel.name}: {missing}"
        for name, source in expected.items():
            assert not _is_symlink_entry(infos[name]), f"{name} is stored as a symlink"
            assert archive.read(name) == source.read_bytes(), f"{name} differs from {source}"
        top_levels = {name.split("/", 1)[0] for name in infos}
        (metadata_name,) = [n for n in infos if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    # One import package named after the distribution: no ``components`` or ``lambdas``.
    assert {t for t in top_levels if not t.endswith(".dist-info")} == {"dms_waiters"}
    assert metadata["Name"] == "dms-waiters"
    assert metadata["Version"] == __version__


def test_install_requirements_are_ranges_that_admit_the_pinned_versions(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    requirements = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            pinned_name, version = line.split("==")
            pins[pinned_name.strip().lower().replace("_", "-")] = version.strip()
    assert {r.name.lower() for r in requirements} == set(pins)
    for requirement in requirements:
        specifiers = {spec.operator for spec in requirement.specifier}
        # A lower and an upper bound, never an exact pin: users install next to their versions.
        assert specifiers == {">=", "<"}, requirement
        assert requirement.specifier.contains(pins[requirement.name.lower()]), requirement


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

    package_file = Path(result["package_file"]).resolve()
    site_packages = installed.site_packages.resolve()
    assert package_file == site_packages / "dms_waiters" / "__init__.py"
    assert not package_file.is_relative_to(REPO)
    assert result["version"] == __version__
    assert result["other_top_levels"] == []

    handlers = Path(result["handlers_dir"])
    assert handlers == site_packages / "dms_waiters" / "lambdas"
    assert Path(result["errors_file"]).resolve() == handlers / "errors.py"
    assert result["handler_exists"] is True
    assert (handlers / "dms_status.py").read_bytes() == (
        installed.source / "lambdas" / "dms_status.py"
    ).read_bytes()

    assert set(result["resource_types"]) >= EXPECTED_RESOURCE_TYPES
    assert result["state_machine_arn"].startswith(
        "arn:aws:states:eu-west-1:210987654321:stateMachine:"
    )


def test_a_users_unit_tests_pass_against_the_installed_wheel(
    installed: Installed, tmp_path: Path
) -> None:
    workdir = tmp_path / "user-project"
    workdir.mkdir()
    (workdir / "etl.py").write_text(USER_JOB)
    (workdir / "test_stack.py").write_text(USER_TESTS)
    completed = _run(
        [installed.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_stack.py"],
        cwd=workdir,
    )
    assert re.search(r"\b4 passed\b", completed.stdout), completed.stdout
