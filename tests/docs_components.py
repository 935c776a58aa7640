"""``docs/components.md``: every component's arguments and outputs, written from the plugin's
schema (``provider/schema.json``), which Pulumi's analyzer infers from the components' own
annotations and docstrings. So the reference cannot drift from the code: change a docstring,
regenerate the schema (``python -m tests.provider_host``), then this file
(``python -m tests.docs_components``); ``tests/test_docs.py`` fails while either is stale.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from dms_waiters._internal.component import type_token
from tests.provider_host import ROOT, SCHEMA

DOC = ROOT / "docs" / "components.md"
#: What every token in the schema starts with (the component's type token, less its name).
PACKAGE = type_token("")

HEADER = """# Components reference

<!-- Generated from provider/schema.json by `python -m tests.docs_components`: do not edit. -->

Every component of `dms_waiters`, with each argument and output as its docstring describes it
(the same text the Pulumi plugin's schema serves to other languages). Python programs pass the
arguments as a dict with the snake_case keys (`{"replication_task_arn": ...}`); other languages
use the camelCase names. How the patterns work and what they cost: [patterns.md](patterns.md).
"""


def text(description: str | None) -> str:
    """A docstring as one Markdown paragraph: lines joined, reST literals as code spans, pipes
    escaped for a table cell."""
    joined = " ".join(line.strip() for line in (description or "").splitlines() if line.strip())
    return joined.replace("``", "`").replace("|", "\\|")


def prose(description: str | None) -> str:
    """A docstring as Markdown paragraphs (its blank lines kept)."""
    blocks = re.split(r"\n\s*\n", description or "")
    return "\n\n".join(text(block).replace("\\|", "|") for block in blocks if block.strip())


def snake_case(name: str) -> str:
    """``replicationTaskArn`` -> ``replication_task_arn``: the Python spelling of a property."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def type_of(spec: Mapping[str, Any]) -> str:
    """A property's type as the reference shows it."""
    ref = spec.get("$ref", "")
    if ref.startswith(f"#/types/{PACKAGE}"):
        name = ref.removeprefix(f"#/types/{PACKAGE}")
        return f"[{name}](#{name.lower()})"
    if ref:
        return "any"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {type_of(spec.get('items', {}))}"
    if kind == "object":
        return f"map of {type_of(spec.get('additionalProperties', {'type': 'string'}))}"
    return str(kind)


def properties_table(properties: Mapping[str, Any], required: list[str], first: str) -> list[str]:
    """A table of ``properties``, required ones first, each in both spellings."""
    names = sorted(properties, key=lambda n: (n not in required, n))
    rows = [
        f"| {first} | other languages | type | description |",
        "|---|---|---|---|",
    ]
    for name in names:
        spec = properties[name]
        mark = " (required)" if name in required else ""
        rows.append(
            f"| `{snake_case(name)}`{mark} | `{name}` | {type_of(spec)} | "
            f"{text(spec.get('description'))} |"
        )
    return rows


def render(schema: Mapping[str, Any]) -> str:
    """The whole reference for ``schema``."""
    lines = [HEADER]
    resources = schema["resources"]
    lines.append("## Components\n")
    for token in sorted(resources):
        name = token.removeprefix(PACKAGE)
        lines.append(f"- [{name}](#{name.lower()})")
    lines.append("")
    for token in sorted(resources):
        resource = resources[token]
        name = token.removeprefix(PACKAGE)
        lines += [f"## {name}", "", prose(resource.get("description")), ""]
        lines += [f"Type token: `{token}`.", "", "### Arguments", ""]
        lines += properties_table(
            resource.get("inputProperties", {}),
            list(resource.get("requiredInputs", [])),
            "argument",
        )
        lines += ["", "### Outputs", ""]
        lines += properties_table(resource.get("properties", {}), [], "output")
        lines.append("")
    lines += ["## Types", ""]
    for token in sorted(schema.get("types", {})):
        spec = schema["types"][token]
        name = token.removeprefix(PACKAGE)
        lines += [f"### {name}", "", prose(spec.get("description")), ""]
        if "enum" in spec:
            lines += ["| value | name | description |", "|---|---|---|"]
            for member in spec["enum"]:
                lines.append(
                    f"| `{member['value']}` | `{member['name']}` | "
                    f"{text(member.get('description'))} |"
                )
        else:
            lines += properties_table(
                spec.get("properties", {}), list(spec.get("required", [])), "key"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def committed_schema() -> dict[str, Any]:
    """``provider/schema.json`` as committed (the test holds it equal to the analyzer's)."""
    return json.loads(SCHEMA.read_text())  # type: ignore[no-any-return]


if __name__ == "__main__":
    DOC.write_text(render(committed_schema()))
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
