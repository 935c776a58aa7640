"""Physical names as AWS and the provider check them: the deterministic autoname suffix, the
name rules (``naming.NAME_RULES``), and the names AWS refuses twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..naming import NAME_RULES, NameRule
from .records import CreatedResource


class PhysicalNameError(ValueError):
    """A physical name the provider or AWS refuses: too long, bad characters, or taken."""


class DuplicatePhysicalNameError(PhysicalNameError):
    """A second resource got a name AWS requires to be unique (in its account and region)."""


def _suffix(text: str, length: int = 7) -> str:
    # Deterministic stand-in for a random suffix: two URNs never share it in practice.
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _fifo(rule: NameRule, inputs: Mapping[str, Any]) -> str:
    return ".fifo" if rule.fifo_key and inputs.get(rule.fifo_key) is True else ""


def _autonamed(previous: CreatedResource, rule: NameRule) -> bool:
    # The name was drawn by the provider (no explicit name, no prefix): it lives in the state.
    return not previous.inputs.get(rule.key) and not (
        rule.prefix_key and previous.inputs.get(rule.prefix_key)
    )


def _check_physical_name(type_token: str, logical: str, name: str) -> None:
    """Raise ``PhysicalNameError`` for a name AWS refuses (the provider's schema validation)."""
    rule = NAME_RULES.get(type_token)
    if rule is None:
        return
    if len(name) > rule.limit:
        raise PhysicalNameError(
            f"{type_token} '{logical}': name '{name}' is {len(name)} characters long; AWS "
            f"allows at most {rule.limit}"
        )
    if not rule.matches(name):
        raise PhysicalNameError(
            f"{type_token} '{logical}': name '{name}' has characters AWS does not allow "
            f"(allowed: {rule.pattern})"
        )


def _scope_text(key: tuple[str, ...]) -> str:
    type_token, _partition, account, region, bus, _name = key
    where = f"{type_token} in account {account}"
    if region:
        where += f", {region}"
    if bus:
        where += f", event bus {bus}"
    return where
