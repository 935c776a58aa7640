"""The multi-language package: the plugin entry, and the schema Pulumi's analyzer infers.

The committed ``provider/schema.json`` is what ``pulumi package add`` hands to SDK generators;
these tests keep it equal to what the analyzer generates from the components now, valid against
Pulumi's metaschema, fully described, and complete.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pytest

import dms_waiters
from dms_waiters._version import __version__
from tests.provider_host import ROOT, SCHEMA, generated_schema, plugin_call, schema_text

METASCHEMA = Path(__file__).parent / "vendor" / "pulumi" / "pulumi.json"
PACKAGE = "dms-waiters"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return generated_schema()


def public_components() -> set[type[pulumi.ComponentResource]]:
    exported = (getattr(dms_waiters, name) for name in dms_waiters.__all__)
    return {c for c in exported if inspect.isclass(c) and issubclass(c, pulumi.ComponentResource)}


def test_the_plugin_hosts_every_public_component_under_the_package_name_and_version() -> None:
    call = plugin_call()
    assert set(call) == {"components", "name", "version"}
    assert call["name"] == PACKAGE
    assert call["version"] == __version__ == dms_waiters.__version__
    assert len(call["components"]) == len(set(call["components"]))
    assert set(call["components"]) == public_components()
    assert len(public_components()) == 7


def test_committed_schema_is_what_the_analyzer_generates(schema: dict[str, Any]) -> None:
    # After a deliberate change: python -m tests.provider_host
    assert SCHEMA.read_text() == schema_text(schema)


def _python_patterns(node: Any) -> Any:
    """The metaschema with its ECMA-262 named groups in Python's spelling."""
    if isinstance(node, dict):
        return {
            k: re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", v) if k == "pattern" else _python_patterns(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_python_patterns(v) for v in node]
    return node


def test_schema_is_valid_against_pulumis_metaschema(schema: dict[str, Any]) -> None:
    metaschema = _python_patterns(json.loads(METASCHEMA.read_text()))
    validator = jsonschema.Draft202012Validator(metaschema)
    errors = sorted(validator.iter_errors(schema), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # the metaschema really checks: a resource without a valid type token fails
    broken = {**schema, "version": "not-a-version"}
    assert not validator.is_valid(broken)


def test_schema_names_the_package_and_its_version(schema: dict[str, Any]) -> None:
    assert schema["name"] == PACKAGE
    assert schema["version"] == dms_waiters.__version__
    assert sorted(schema["resources"]) == sorted(
        f"{PACKAGE}:index:{c.__name__}" for c in public_components()
    )


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every property of every resource (inputs and outputs) and object type, by its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    for token, resource in schema["resources"].items():
        for kind in ("inputProperties", "properties"):
            found += [(f"{token}.{kind}.{k}", p) for k, p in resource.get(kind, {}).items()]
    for token, type_ in schema["types"].items():
        found += [(f"{token}.{k}", p) for k, p in type_.get("properties", {}).items()]
    return found


def test_every_component_property_type_and_enum_member_is_described(
    schema: dict[str, Any],
) -> None:
    undescribed = [path for path, prop in _properties(schema) if not prop.get("description")]
    for token, item in [*schema["resources"].items(), *schema["types"].items()]:
        if not item.get("description"):
            undescribed.append(token)
        undescribed += [
            f"{token}.{member['name']}"
            for member in item.get("enum", [])
            if not member.get("description")
        ]
    assert not undescribed
    assert len(_properties(schema)) > 100  # the walk found them


def test_an_output_shared_by_several_components_is_described_the_same_everywhere(
    schema: dict[str, Any],
) -> None:
    descriptions: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for token, resource in schema["resources"].items():
        for name, prop in resource["properties"].items():
            descriptions[name][prop["description"]].add(token.rsplit(":", 1)[1])
    shared = {
        name: by_text
        for name, by_text in descriptions.items()
        if sum(map(len, by_text.values())) > 1
    }
    assert {"stateMachineArn", "roleArn", "logGroupName", "startCommand", "hubTableName"} <= set(
        shared
    )
    differing = {name: dict(by_text) for name, by_text in shared.items() if len(by_text) > 1}
    assert not differing


def test_the_hub_is_passed_as_a_reference_every_language_can_pass(schema: dict[str, Any]) -> None:
    hub = schema["resources"][f"{PACKAGE}:index:DmsEventHub"]["properties"]["reference"]
    assert hub["$ref"] == f"#/types/{PACKAGE}:index:DmsEventHubReference"
    reference = schema["types"][f"{PACKAGE}:index:DmsEventHubReference"]
    assert sorted(reference["required"]) == [
        "callbackUrl",
        "reconcileEveryMinutes",
        "resumeRoleNames",
        "tableArn",
        "tableName",
    ]
    for name in ("DmsCallbackWorkflow", "DmsDurableWorkflow", "CallbackUrlWorkflow"):
        # Any: Pulumi's component provider passes an Output of a whole object through only so
        # (hub_reference.py); the description says what to pass.
        argument = schema["resources"][f"{PACKAGE}:index:{name}"]["inputProperties"]["hub"]
        assert argument["$ref"] == "pulumi.json#/Any"
        assert "hub.reference" in argument["description"]


def test_the_plugins_requirements_install_this_repository_with_the_pinned_sdks() -> None:
    plugin = (ROOT / "provider" / "requirements.txt").read_text().splitlines()
    pinned = (ROOT / "requirements.txt").read_text().splitlines()
    lines = [line for line in plugin if line and not line.startswith("#")]
    assert lines[0] == "-e .."
    assert set(lines[1:]) == {line for line in pinned if "==" in line and not line.startswith("#")}
