"""The plugin entry (``provider/__main__.py``) as the tests see it, and its schema.

``plugin_call()`` runs the entry as Pulumi's language host does (as ``__main__``) with
``component_provider_host`` replaced by a recorder, so the tests check the very components,
name and version the plugin hosts. ``python -m tests.provider_host`` rewrites the committed
``provider/schema.json`` after a deliberate change.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi.provider.experimental as experimental
from pulumi.provider.experimental.component import ComponentProvider

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "provider" / "__main__.py"
SCHEMA = ROOT / "provider" / "schema.json"


def plugin_call() -> dict[str, Any]:
    """The keyword arguments the plugin entry passes to ``component_provider_host``."""
    calls: list[dict[str, Any]] = []
    original = experimental.component_provider_host

    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    experimental.component_provider_host = record  # type: ignore[assignment]
    try:
        runpy.run_path(str(ENTRY), run_name="__main__")
    finally:
        experimental.component_provider_host = original  # type: ignore[assignment]
    assert len(calls) == 1, f"the entry called component_provider_host {len(calls)} times"
    return calls[0]


def plugin_provider() -> ComponentProvider:
    """The provider the plugin runs: ``component_provider_host`` builds exactly this."""
    call = plugin_call()
    return ComponentProvider(call["components"], call["name"], version=call["version"])


def generated_schema() -> dict[str, Any]:
    """The package schema Pulumi's analyzer infers from the components, as the plugin serves it."""
    schema = plugin_provider().schema
    assert schema is not None
    return json.loads(schema)  # type: ignore[no-any-return]


def schema_text(schema: dict[str, Any]) -> str:
    """How ``provider/schema.json`` is written: sorted, indented, one trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA.write_text(schema_text(generated_schema()))
    print(f"wrote {SCHEMA.relative_to(ROOT)}", file=sys.stderr)
