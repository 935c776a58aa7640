"""What the resource handlers use to turn a resource's inputs into API parameters: numbers,
optional parameters, JSON text, timestamps, tag lists, and a change of tags."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mocks import ResourceRequest


def as_int(value: Any) -> int | None:
    """An integer input as an int: Pulumi serialises every number as a float (60 arrives as
    60.0), and boto3 rejects floats where the API takes an integer."""
    return None if value is None else int(value)


def compact(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without the unset ones: boto3 rejects None for an optional parameter."""
    return {key: value for key, value in params.items() if value is not None}


def api_block(
    config: Mapping[str, Any] | None,
    *keys: str,
    ints: Collection[str] = (),
    api_names: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """A nested input block (``{logFormat: ...}``) as the API's structure (``{LogFormat: ...}``):
    each of ``keys`` under its capitalised name (or ``api_names[key]``), the ones in ``ints`` as
    integers, unset ones left out; None when the block is unset or empty."""
    if not config:
        return None
    names = api_names or {}
    return compact(
        {
            names.get(key, key[:1].upper() + key[1:]): (
                as_int(config.get(key)) if key in ints else config.get(key)
            )
            for key in keys
        }
    )


def json_text(value: Any) -> str:
    """Policy documents and event patterns may be given as objects; AWS takes JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def iso(value: Any) -> str:
    """A timestamp as ISO-8601 text (as the provider keeps it in the state)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def tag_list(tags: Mapping[str, str], key: str = "Key", value: str = "Value") -> list[Any] | None:
    """Tags as the list most AWS APIs take (None when there are none)."""
    return [{key: k, value: v} for k, v in tags.items()] or None


def added_removed(old: Iterable[Any], new: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """(what ``new`` adds to ``old``, what it removes), each in its list's order."""
    old_list, new_list = list(old), list(new)
    return [v for v in new_list if v not in old_list], [v for v in old_list if v not in new_list]


def retag(
    req: ResourceRequest,
    tag: Callable[[dict[str, str]], Any],
    untag: Callable[[list[str]], Any],
) -> None:
    """Apply a change of the ``tags`` input: untag the keys removed, tag the ones set."""
    if "tags" not in req.changed:
        return
    old: dict[str, str] = req.old("tags", {})
    removed = [key for key in old if key not in req.tags]
    if removed:
        untag(removed)
    changed = {key: value for key, value in req.tags.items() if old.get(key) != value}
    if changed:
        tag(changed)


def retag_resource(req: ResourceRequest, client: Any, **identity: str) -> None:
    """``retag`` for the services whose TagResource takes ``Tags=[{Key, Value}]`` and whose
    UntagResource takes ``TagKeys`` (CloudWatch, EventBridge, DynamoDB, Secrets Manager);
    ``identity`` names the resource (``ResourceARN=...``, ``SecretId=...``)."""
    retag(
        req,
        lambda tags: client.tag_resource(**identity, Tags=tag_list(tags)),
        lambda keys: client.untag_resource(**identity, TagKeys=keys),
    )
