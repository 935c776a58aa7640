"""The provider's partition, read once per component and checked against what it lacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ..arguments import ArgChecker
from ..documents import partitions
from ..documents.partitions import require


def provider_partition(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The partition of ``parent``'s AWS provider."""
    opts = pulumi.InvokeOutputOptions(parent=parent)
    partition: pulumi.Output[str] = aws.get_partition_output(opts=opts).partition
    return partition


def checked_partition(
    parent: pulumi.Resource, check: ArgChecker, needs: Mapping[str, str]
) -> pulumi.Output[str]:
    """The provider's partition, failing (at preview) where it lacks a feature in ``needs``.

    Use the result in a resource input (a definition, a policy, ``gated``): an ``apply`` that
    no resource waits for could fail unseen.
    """
    return provider_partition(parent).apply(lambda partition: require(partition, check, needs))


def tracing_partition(
    parent: pulumi.Resource, check: ArgChecker, tracing: bool
) -> pulumi.Output[str]:
    """``checked_partition`` of a component whose ``tracing`` traces Lambda functions, which
    not every partition offers (China: docs/aws-facts.md)."""
    return checked_partition(parent, check, {"tracing": partitions.LAMBDA_XRAY} if tracing else {})


def gated(value: pulumi.Input[Any], gate: pulumi.Output[Any] | None) -> pulumi.Input[Any]:
    """``value``, available only once ``gate`` resolved: a resource input that carries the
    gate's failure (``checked_partition``) to the resource."""
    if gate is None:
        return value
    return pulumi.Output.all(value, gate).apply(lambda values: values[0])
