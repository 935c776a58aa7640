"""AWS partitions: the ARNs that depend on them, and the features a partition lacks (pure;
``provider.py`` reads the provider's partition).

Every ARN a component writes comes from the provider's partition (``aws``, ``aws-cn``,
``aws-us-gov``...), read with ``aws.get_partition_output``: a hard-coded ``arn:aws:`` breaks
every state machine outside the commercial partition (the same bug as aws/aws-cdk#4597). The
partition is an ``Output``, so what a partition lacks is refused inside an ``apply``, which fails
``pulumi preview`` as surely as a bad argument (sources in ``docs/aws-facts.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..arguments import ArgChecker

#: AWS in China (Beijing, Ningxia).
CHINA: Final = "aws-cn"

#: Lambda function URLs (``DmsEventHub``'s ``callback_url``).
FUNCTION_URLS: Final = "Lambda function URLs"
#: X-Ray tracing of Lambda functions.
LAMBDA_XRAY: Final = "X-Ray tracing of Lambda functions"

#: What each partition lacks (a partition not listed lacks nothing we use). China: "Amazon
#: X-Ray integration with Lambda functions is not available in the China Regions" and "Amazon
#: Lambda Function URLs is not available in the China Regions" (Getting Started with Amazon Web
#: Services in China, Amazon Lambda). Step Functions' page there lists no X-Ray difference, so
#: a state machine's own tracing is allowed.
UNAVAILABLE: Final[Mapping[str, frozenset[str]]] = {
    CHINA: frozenset({FUNCTION_URLS, LAMBDA_XRAY}),
}


def states_arn(partition: str, resource: str) -> str:
    """A Step Functions service integration ARN: ``arn:<partition>:states:::<resource>``."""
    return f"arn:{partition}:states:::{resource}"


def require(partition: str, check: ArgChecker, needs: Mapping[str, str]) -> str:
    """``partition``, or ``InvalidArgumentError`` naming the first argument (of ``needs``:
    argument -> feature it turns on) whose feature the partition lacks."""
    lacking = UNAVAILABLE.get(partition, frozenset())
    for argument, feature in needs.items():
        if feature in lacking:
            raise check.fail(
                argument,
                f"needs {feature}, which AWS does not offer in the {partition} partition",
            )
    return partition
