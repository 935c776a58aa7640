"""Pulumi.yaml and the stack config examples as the Pulumi CLI loads them.

``pulumi up`` refuses a project file or a stack config that fails Pulumi's project schema or its
config rules, before our program runs; ``tests/checks/pulumi_project.py`` applies those checks
offline (Pulumi's vendored JSON schema plus a port of the Go rules). The port is first held to
Pulumi's own test cases (``sdk/go/common/workspace/project_test.go``), then used on our files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.checks.pulumi_project import (
    PulumiProjectError,
    load_plugin_project,
    load_project,
    validate_config_value,
    validate_stack_config,
)

ROOT = Path(__file__).resolve().parent.parent

# (project YAML, the error Pulumi's test expects, or None for "loads"), from project_test.go.
PULUMI_CASES: list[tuple[str, str, str | None]] = [
    (
        "TestProjectConfigCannotBeTypedArrayWithoutItems",
        "config:\n  instanceSize:\n    type: array\n    default: [t3.micro, t4.large]",
        "declares an array but does not specify the underlying type via the 'items' attribute",
    ),
    (
        "TestNamespacedProjectConfigShouldNotBeExplicitlyTyped",
        "config:\n  aws:region:\n    type: string\n    value:\n      region: us-west-1",
        "Configuration key 'aws:region' is not namespaced by the project and should not define "
        "a type",
    ),
    (
        "TestProjectConfigCannotHaveBothValueAndDefault",
        "config:\n  instanceSize:\n    type: string\n    default: t3.micro\n    value: t4.large",
        "project config 'instanceSize' cannot have both a 'default' and 'value' attribute",
    ),
    (
        "TestNamespacedProjectConfigShouldNotBeProvideDefault",
        "config:\n  aws:region:\n    default: us-west-1",
        "is not namespaced by the project and should not define a default value",
    ),
    (
        "TestDefningBothConfigAndStackConfigDirErrorsOut",
        "config: ./some/path\nstackConfigDir: ./some/other/path",
        "Should not use both config and stackConfigDir",
    ),
    ("TestLoadingConfigIsRewrittenToStackConfigDir", "config: ./some/path", None),
    (
        "TestConfigObjectAndStackConfigDirSuccessfullyLoadProject",
        "stackConfigDir: ./some/other/path\nconfig:\n  value: hello",
        None,
    ),
    (
        "TestProjectValidationFailsForIncorrectDefaultValueType",
        "config:\n  instanceSize:\n    type: integer\n    default: hello",
        "is not of the expected type 'integer'",
    ),
    (
        "TestProjectValidationFailsForIncorrectDefaultValueType (array)",
        "config:\n  values:\n    type: array\n    items:\n      type: array\n      items:\n"
        "        type: string\n    default: [hello]",
        "is not of the expected type 'array<array<string>>'",
    ),
    (
        "TestProjectValidationSucceedsForObjectConfigType",
        "config:\n  example:\n    type: object\n    default:\n      hello: world",
        None,
    ),
    ("TestProjectValidationForName", "description: no name", "missing a 'name' attribute"),
]


def _load_text(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "Pulumi.yaml"
    body = text if text.startswith("description") else f"name: test\nruntime: dotnet\n{text}"
    path.write_text(body + "\n")
    return load_project(path)


@pytest.mark.parametrize(("case", "text", "error"), PULUMI_CASES, ids=[c[0] for c in PULUMI_CASES])
def test_the_port_agrees_with_pulumis_own_tests(
    tmp_path: Path, case: str, text: str, error: str | None
) -> None:
    if error is None:
        _load_text(tmp_path, text)
    else:
        with pytest.raises(PulumiProjectError, match=re.escape(error)):
            _load_text(tmp_path, text)


def test_the_json_schema_refuses_an_unknown_config_type(tmp_path: Path) -> None:
    with pytest.raises(PulumiProjectError, match=r"#/config/dms-waiters:tasks"):
        _load_text(tmp_path, "config:\n  dms-waiters:tasks:\n    type: list")


@pytest.mark.parametrize(
    ("type_name", "value", "valid"),
    [
        ("integer", 60, True),
        ("integer", 60.0, True),  # YAML/JSON numbers: a whole float is an integer
        ("integer", "60", True),  # a primitive stack value arrives as text
        ("integer", 60.5, False),
        ("integer", True, False),
        ("boolean", "true", True),
        ("object", {}, True),
        ("object", [], False),
        ("string", 1, False),
    ],
)
def test_config_values_are_judged_as_pulumi_judges_them(
    type_name: str, value: Any, valid: bool
) -> None:
    assert validate_config_value(type_name, None, value) is valid


# -- our files -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return load_project(ROOT / "Pulumi.yaml")


def test_pulumi_yaml_declares_its_config_typed_and_described(project: dict[str, Any]) -> None:
    config = project["config"]
    assert set(config) == {"dms-waiters:tasks", "dms-waiters:hub"}
    assert config["dms-waiters:tasks"]["type"] == "array"
    assert config["dms-waiters:tasks"]["items"] == {"type": "object"}
    assert config["dms-waiters:hub"]["type"] == "object"
    assert all(declared["description"].strip() for declared in config.values())
    # The program reads exactly these keys.
    program = (ROOT / "__main__.py").read_text()
    assert 'require_object("tasks")' in program and 'get_object("hub")' in program


def _guide_stack_configs() -> list[dict[str, Any]]:
    guide = (ROOT / "docs" / "guide.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", guide, flags=re.DOTALL)
    configs = [yaml.safe_load(b)["config"] for b in blocks if b.startswith("config:")]
    assert configs, "the guide shows a stack config"
    return configs


def test_every_stack_config_example_has_the_declared_types(project: dict[str, Any]) -> None:
    examples = [yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text())["config"]]
    for config in examples + _guide_stack_configs():
        validate_stack_config(project, config)


def test_a_stack_without_tasks_is_refused_and_the_hub_is_optional(
    project: dict[str, Any],
) -> None:
    with pytest.raises(PulumiProjectError, match="missing configuration"):
        validate_stack_config(project, {"aws:region": "eu-west-1"})
    validate_stack_config(project, {"dms-waiters:tasks": []})
    assert project["config"]["dms-waiters:hub"]["default"] == {}


@pytest.mark.parametrize(
    "config",
    [
        {"dms-waiters:tasks": {"name": "orders"}},
        {"dms-waiters:tasks": ["orders"]},
        {"dms-waiters:tasks": [], "dms-waiters:hub": ["reconcile_every_minutes"]},
    ],
)
def test_a_mistyped_stack_config_is_refused(project: dict[str, Any], config: Any) -> None:
    with pytest.raises(PulumiProjectError, match="must be of type"):
        validate_stack_config(project, config)


def test_the_plugin_project_loads_as_pulumi_loads_it(tmp_path: Path) -> None:
    plugin = load_plugin_project(ROOT / "provider" / "PulumiPlugin.yaml")
    assert plugin["runtime"]["name"] == "python"
    # The same Python runtime options as the stack's project (pip into a virtualenv).
    project_runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert plugin["runtime"]["options"]["toolchain"] == project_runtime["options"]["toolchain"]
    without_runtime = tmp_path / "PulumiPlugin.yaml"
    without_runtime.write_text("name: dms-waiters\n")
    with pytest.raises(PulumiProjectError, match="missing a 'runtime'"):
        load_plugin_project(without_runtime)
