"""Descriptions of inherited fields in the plugin's schema.

The components share argument and output declarations through base classes (``shared_args``,
``StateMachineComponent``, ``DurableComponent``). Pulumi's analyzer (``pulumi.provider.
experimental.analyzer.Analyzer``, checked with pulumi 3.272.0) collects the annotations of the
bases, but ``Analyzer.get_docstring(typ, name)`` reads the docstrings from the source of ``typ``
alone, so an inherited field would reach the schema other languages get without its
description. ``install()`` makes that lookup fall back to the classes ``typ`` inherits from,
nearest first. It changes nothing for a field the class declares itself, and leaves Pulumi's
behaviour as it is when its internals differ from what it expects (the schema tests then fail on
the undescribed properties, here, before a release).
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import typing
from collections.abc import Callable, Iterator
from typing import Any

#: Marks the installed lookup, so installing twice wraps once.
_MARK = "_dms_waiters_inherited_docs"
#: Modules whose classes hold no field docstrings of ours (reading their source costs time).
_FOREIGN_MODULES = ("builtins", "typing", "pulumi")


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """The object a base-class expression (``Name`` or dotted ``Attribute``) names, or None."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def typed_dict_bases(typ: type) -> tuple[type, ...]:
    """The TypedDicts ``typ`` (a TypedDict) names as its bases, in order.

    Python 3.11 keeps no trace of them at run time (the class's ``__mro__`` is ``(typ, dict,
    object)``; ``__orig_bases__`` comes with 3.12), so they are read from its class statement and
    looked up in its module, as the analyzer reads docstrings from the source.
    """
    recorded = getattr(typ, "__orig_bases__", None)
    if recorded is not None:
        return tuple(b for b in recorded if typing.is_typeddict(b))
    try:
        tree = ast.parse(inspect.getsource(typ))
    except (OSError, TypeError, SyntaxError):
        return ()
    statement = next((s for s in tree.body if isinstance(s, ast.ClassDef)), None)
    if statement is None:
        return ()
    namespace = vars(sys.modules[typ.__module__])
    bases = (_resolve(node, namespace) for node in statement.bases)
    return tuple(b for b in bases if isinstance(b, type) and typing.is_typeddict(b))


def inherited_from(typ: type) -> Iterator[type]:
    """The classes ``typ`` inherits fields from, nearest first, ours only."""
    if typing.is_typeddict(typ):
        seen: list[type] = []
        pending = list(typed_dict_bases(typ))
        while pending:
            base = pending.pop(0)
            if base not in seen:
                seen.append(base)
                pending.extend(typed_dict_bases(base))
        candidates: tuple[type, ...] = tuple(seen)
    else:
        candidates = typ.__mro__[1:]
    for base in candidates:
        if base.__module__.split(".")[0] not in _FOREIGN_MODULES:
            yield base


GetDocstring = Callable[[Any, type, str], str | None]


def with_inherited(original: GetDocstring) -> GetDocstring:
    """``original`` (``Analyzer.get_docstring``), falling back to the classes ``typ`` inherits
    from when ``typ``'s own source does not describe ``name`` (``inspect.unwrap`` gives
    ``original`` back)."""

    @functools.wraps(original)
    def get_docstring(self: Any, typ: type, name: str) -> str | None:
        found = original(self, typ, name)
        for base in inherited_from(typ) if found is None else ():
            found = original(self, base, name)
            if found is not None:
                break
        return found

    setattr(get_docstring, _MARK, True)
    return get_docstring


def install() -> bool:
    """Make Pulumi's analyzer describe inherited fields; False (nothing changed) when its
    ``Analyzer.get_docstring(self, typ, name)`` is not there as expected."""
    try:
        from pulumi.provider.experimental.analyzer import Analyzer
    except ImportError:
        return False
    original = getattr(Analyzer, "get_docstring", None)
    if original is None or getattr(original, _MARK, False):
        return original is not None
    try:
        parameters = list(inspect.signature(original).parameters)
    except (TypeError, ValueError):
        return False
    if parameters != ["self", "typ", "name"]:
        return False
    Analyzer.get_docstring = with_inherited(original)  # type: ignore[method-assign,assignment]
    return True
