"""Physical names of what a component created, read from the mocks and checked for their form.

Functions and roles are autonamed (``<logical>-<7 hex>``) and a function's log group is
``/aws/lambda/<logical>-`` plus Terraform's 26-character unique id, so tests read the names the
mocks gave and build their exact expectations (IAM policies, environment, outputs) from them.
"""

from __future__ import annotations

import re
from typing import Any

from dms_waiters.testing import CreatedResource, DmsWaitersMocks

AUTONAME_SUFFIX = r"-[0-9a-f]{7}"
UNIQUE_ID = r"\d{18}[0-9a-f]{8}"


def autonamed(found: DmsWaitersMocks, logical: str) -> CreatedResource:
    """The resource ``logical``, checked to be autonamed ``<logical>-<7 hex>``."""
    resource = found.by_name(logical)
    assert resource.physical_name is not None, logical
    assert re.fullmatch(re.escape(logical) + AUTONAME_SUFFIX, resource.physical_name), (
        resource.physical_name
    )
    return resource


def function_name(found: DmsWaitersMocks, logical: str) -> str:
    """The physical name of the Lambda function ``logical``."""
    name = autonamed(found, logical).physical_name
    assert name is not None
    return name


def lambda_function(found: DmsWaitersMocks, logical: str, handler: str) -> dict[str, Any]:
    """The inputs of the Lambda function ``logical``, checked to be autonamed (no ``name``
    input) and to run ``handler`` on the one runtime and architecture every function uses."""
    inputs = autonamed(found, logical).inputs
    assert "name" not in inputs
    assert inputs["handler"] == handler
    assert inputs["runtime"] == "python3.13"
    assert inputs["architectures"] == ["arm64"]
    return inputs


def function_arn(found: DmsWaitersMocks, logical: str) -> str:
    """The unqualified ARN of the Lambda function ``logical``."""
    arn = found.by_name(logical).output("arn")
    assert arn.endswith(f":function:{function_name(found, logical)}"), arn
    return str(arn)


def log_group_name(found: DmsWaitersMocks, logical_function: str) -> str:
    """The name of the log group of the Lambda function ``logical_function``."""
    group = found.by_name(f"{logical_function}-logs")
    assert group.inputs["namePrefix"] == f"/aws/lambda/{logical_function}-"
    assert group.physical_name is not None
    assert re.fullmatch(
        re.escape(f"/aws/lambda/{logical_function}-") + UNIQUE_ID, group.physical_name
    ), group.physical_name
    return group.physical_name


def log_group_arn(found: DmsWaitersMocks, logical_function: str) -> str:
    """The ARN of the log group of the Lambda function ``logical_function``."""
    arn = found.by_name(f"{logical_function}-logs").output("arn")
    assert arn.endswith(f":log-group:{log_group_name(found, logical_function)}"), arn
    return str(arn)
