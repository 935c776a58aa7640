"""The docs state what the code does: the generated reference is current, the architecture note
names every subpackage, and the defaults the docs quote are the code's."""

from __future__ import annotations

import re

from dms_waiters.lambdas import contract
from tests.docs_components import DOC, committed_schema, render
from tests.paths import ROOT

ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def test_the_components_reference_is_what_the_generator_writes() -> None:
    # After changing a docstring: python -m tests.provider_host, then tests.docs_components.
    assert DOC.read_text() == render(committed_schema())


def test_the_architecture_note_names_every_package() -> None:
    packages = sorted(
        str(init.parent.relative_to(ROOT))
        for top in ("components", "lambdas")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    )
    for package in packages:
        assert f"`{package}/`" in ARCHITECTURE, package


def test_the_documented_defaults_are_the_codes() -> None:
    reference = DOC.read_text()
    week = contract.DEFAULT_TIMEOUT_SECONDS
    assert week == 7 * 24 * 3600
    # Every component waiting for a DMS task says "default 7 days" for timeout_seconds.
    rows = re.findall(r"^\| `timeout_seconds` \|.*$", reference, flags=re.MULTILINE)
    assert len(rows) == 4
    assert all("default 7 days" in row for row in rows)
    polls = re.findall(r"^\| `(?:max_)?poll_interval_seconds` \|.*$", reference, flags=re.MULTILINE)
    assert polls and all(
        f"default {contract.DEFAULT_POLL_INTERVAL_SECONDS}," in row
        or f"default {contract.DEFAULT_MAX_POLL_INTERVAL_SECONDS}," in row
        for row in polls
    )
