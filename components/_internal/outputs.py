"""A pure builder applied to values only known at deployment (resource outputs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pulumi

_T = TypeVar("_T")


def built_from(build: Callable[..., _T], *values: pulumi.Input[Any]) -> pulumi.Output[_T]:
    """``build(*values)`` once every value is known."""
    return pulumi.Output.all(*values).apply(lambda known: build(*known))
