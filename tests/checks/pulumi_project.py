"""Pulumi's project loader and stack config checks, run offline on our files.

The Pulumi CLI validates ``Pulumi.yaml`` before it runs a program, and a stack's config before
an update; a file it rejects stops ``pulumi up`` before our code runs. This module applies the
same checks, with Pulumi's own JSON schema (``tests/vendor/pulumi/project.json``) and a port of
the rules the schema cannot express. Each function names the Go function it ports (pulumi/pulumi
at the commit in ``tests/vendor/pulumi/README.md``):

* ``validate_project``: ``sdk/go/common/workspace/project.go`` ``ValidateProject`` (name check,
  then the JSON schema);
* ``load_project``: ``loaders.go`` ``LoadProjectBytes`` (``ValidateProject``,
  ``RewriteConfigPathIntoStackConfigDir``, ``RewriteShorthandConfigValues``, then
  ``Project.Validate``);
* ``project_rules``: ``project.go`` ``(*Project).Validate``;
* ``validate_config_value``: ``project.go`` ``ValidateConfigValue``;
* ``validate_stack_config``: ``pkg/workspace/config.go`` ``mergeConfig`` (missing keys,
  defaults) and ``validateStackConfigValue`` (typed values), after ``loaders.go``
  ``stackConfigNamespacedWithProject``;
* ``load_plugin_project``: ``loaders.go`` ``LoadPluginProject`` and ``(*PluginProject).Validate``.
"""

from __future__ import annotations

import copy
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

VENDOR = Path(__file__).resolve().parent.parent / "vendor" / "pulumi"
TYPES = ("string", "integer", "boolean", "array", "object")


class PulumiProjectError(ValueError):
    """What the Pulumi CLI would report, refusing the file."""


@cache
def project_schema() -> dict[str, Any]:
    """Pulumi's JSON schema of project files (vendored unchanged)."""
    schema: dict[str, Any] = json.loads((VENDOR / "project.json").read_text())
    return schema


def validate_project(raw: Any) -> None:
    """``ValidateProject``: a non-empty string name, then every JSON schema error."""
    if not isinstance(raw, dict):
        raise PulumiProjectError(f"expected project to be an object, was '{type(raw).__name__}'")
    if "name" not in raw:
        raise PulumiProjectError("project is missing a 'name' attribute")
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise PulumiProjectError("project is missing a non-empty string 'name' attribute")
    validator = jsonschema.Draft202012Validator(project_schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        raise PulumiProjectError(
            "; ".join(f"#/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        )


def _namespaced_by_project(project_name: str, key: str) -> bool:
    """``configKeyIsNamespacedByProject``."""
    return ":" not in key or key.startswith(f"{project_name}:")


def _rewrite(project: dict[str, Any]) -> dict[str, Any]:
    """``RewriteConfigPathIntoStackConfigDir`` then ``RewriteShorthandConfigValues``."""
    project = copy.deepcopy(project)
    config = project.get("config")
    if isinstance(config, str):
        if "stackConfigDir" in project:
            raise PulumiProjectError(
                "Should not use both config and stackConfigDir to define the stack directory."
            )
        project["stackConfigDir"], project["config"] = config, None
    config = project.get("config")
    if isinstance(config, dict):
        for key, value in list(config.items()):
            # isPrimitiveValue (string, int, bool) or isArray: a shorthand value.
            if isinstance(value, str | int | bool | list) and not isinstance(value, float):
                field = "default" if _namespaced_by_project(project["name"], key) else "value"
                config[key] = {field: value}
    return project


def validate_config_value(type_name: str, items: dict[str, Any] | None, value: Any) -> bool:
    """``ValidateConfigValue``: ``value`` as a stack would hold it, against a declared type."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):  # YAML/JSON numbers: whole floats are integers
            return math.isfinite(value) and value == math.trunc(value)
        if isinstance(value, str):
            try:
                int(value, 10)  # strconv.Atoi
            except ValueError:
                return False
            return True
        return False
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(validate_config_value(items.get("type", ""), items.get("items"), v) for v in value)


def full_type_name(type_name: str, items: dict[str, Any] | None) -> str:
    """``InferFullTypeName``: ``array<object>`` and the like."""
    if items is not None:
        return f"array<{full_type_name(items.get('type', ''), items.get('items'))}>"
    return type_name


def project_rules(project: dict[str, Any]) -> None:
    """``(*Project).Validate``: the config declarations' own rules."""
    name = project["name"]
    for key, declared in (project.get("config") or {}).items():
        declared = declared or {}
        if declared.get("default") is not None and declared.get("value") is not None:
            raise PulumiProjectError(
                f"project config '{key}' cannot have both a 'default' and 'value' attribute"
            )
        type_name = declared.get("type")
        if _namespaced_by_project(name, key):
            if type_name == "array" and declared.get("items") is None:
                raise PulumiProjectError(
                    f"The configuration key '{key}' declares an array but does not specify the "
                    "underlying type via the 'items' attribute"
                )
            default = declared.get("default")
            items = declared.get("items")
            if (
                type_name is not None
                and default is not None
                and not validate_config_value(type_name, items, default)
            ):
                raise PulumiProjectError(
                    f"The default value specified for configuration key '{key}' is not of "
                    f"the expected type '{full_type_name(type_name, items)}'"
                )
        else:
            if type_name is not None:
                raise PulumiProjectError(
                    f"Configuration key '{key}' is not namespaced by the project and should not "
                    "define a type"
                )
            if declared.get("default") is not None:
                raise PulumiProjectError(
                    f"Configuration key '{key}' is not namespaced by the project and should not "
                    "define a default value."
                )
            if declared.get("value") is None:
                raise PulumiProjectError(
                    f"Configuration key '{key}' is namespaced and must provide an attribute 'value'"
                )


def load_project(path: Path) -> dict[str, Any]:
    """``LoadProject``: the project as the CLI reads it, or ``PulumiProjectError``."""
    raw = yaml.safe_load(path.read_text())
    validate_project(raw)
    project = _rewrite(raw)
    project_rules(project)
    return project


def _stack_value(value: Any) -> Any:
    """What ``validateStackConfigValue`` checks: an object value's JSON, else its text."""
    if isinstance(value, dict | list):
        parsed: Any = json.loads(json.dumps(value))
        return parsed
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def validate_stack_config(project: dict[str, Any], stack_config: dict[str, Any]) -> None:
    """``mergeConfig`` with validation: required keys present, typed values of their type.

    ``stack_config`` is the ``config:`` mapping of a ``Pulumi.<stack>.yaml``; keys without a
    namespace belong to the project (``stackConfigNamespacedWithProject``).
    """
    name = project["name"]
    values = {key if ":" in key else f"{name}:{key}": v for key, v in stack_config.items()}
    declared_types = project.get("config") or {}
    missing = []
    for key in sorted(declared_types):
        declared = declared_types[key] or {}
        full_key = key if ":" in key else f"{name}:{key}"
        has_default = declared.get("default") is not None or declared.get("value") is not None
        if full_key not in values:
            if not has_default and full_key.split(":", 1)[0] == name:
                missing.append(key)
            continue
        type_name = declared.get("type")
        if type_name is None:
            continue
        if not validate_config_value(
            type_name, declared.get("items"), _stack_value(values[full_key])
        ):
            raise PulumiProjectError(
                f"Stack with configuration key '{key}' must be of type "
                f"'{full_type_name(type_name, declared.get('items'))}'"
            )
    if missing:
        raise PulumiProjectError(f"Stack is missing configuration value(s) {missing}")


def load_plugin_project(path: Path) -> dict[str, Any]:
    """``LoadPluginProject``: a ``PulumiPlugin.yaml`` needs a runtime."""
    raw = yaml.safe_load(path.read_text()) or {}
    runtime = raw.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if not runtime_name:
        raise PulumiProjectError("project is missing a 'runtime' attribute")
    return dict(raw)
