"""A hub's HTTP callback endpoint (``callback_url``): the signing-key secret, the endpoint
Lambda and its public function URL."""

from typing import Final

import pulumi
import pulumi_aws as aws

from .._internal.lambda_function import LambdaFunction, create_lambda_function
from .._internal.outputs import built_from
from .._internal.partition_check import checked_partition, gated
from ..arguments import ArgChecker
from ..documents import iam_policies, partitions
from ..lambdas import contract
from .settings import HubSettings

#: The endpoint makes three quick calls; a caller's HTTP client waits for it.
CALLBACK_URL_TIMEOUT_SECONDS: Final = 15


def create_callback_endpoint(
    parent: pulumi.Resource,
    check: ArgChecker,
    name: str,
    settings: HubSettings,
    table: aws.dynamodb.Table,
    tags: pulumi.Input[dict[str, str]] | None,
) -> tuple[LambdaFunction, aws.secretsmanager.Secret, aws.lambda_.FunctionUrl] | None:
    """The signing-key secret, the endpoint Lambda and its public function URL (``check``: the
    hub's, refusing ``callback_url`` where function URLs are not offered)."""
    if not settings.callback_url:
        return None
    child = pulumi.ResourceOptions(parent=parent)
    # No SecretVersion: the key is generated inside AWS on first use (lambdas/signing_key).
    secret = aws.secretsmanager.Secret(
        f"{name}-signing-key",
        description="HMAC key signing dms-waiters callback URLs (generated on first use)",
        tags=tags,
        opts=child,
    )
    # Function URLs are not offered everywhere (China): refused at preview, naming the
    # argument.
    gate = checked_partition(parent, check, {"callback_url": partitions.FUNCTION_URLS})
    endpoint = create_lambda_function(
        f"{name}-callback-url",
        parent=parent,
        handler=contract.CALLBACK_URL_HANDLER,
        description="Resumes a waiting workflow from a signed callback URL",
        statements=built_from(iam_policies.callback_url_statements, table.arn, secret.arn),
        environment={
            contract.ENV_WAITER_TABLE: table.name,
            contract.ENV_SIGNING_SECRET_ARN: secret.arn,
        },
        logging=settings,
        tags=tags,
        timeout_seconds=CALLBACK_URL_TIMEOUT_SECONDS,
        gate=gate,
    )
    # Anyone may call the URL: the signature, not IAM, is the credential. Since October
    # 2025 a public function URL needs both permissions.
    public = [
        aws.lambda_.Permission(
            f"{name}-callback-url-public",
            action="lambda:InvokeFunctionUrl",
            function=endpoint.function.name,
            principal="*",
            function_url_auth_type="NONE",
            opts=child,
        ),
        aws.lambda_.Permission(
            f"{name}-callback-url-invoke",
            action="lambda:InvokeFunction",
            function=endpoint.function.name,
            principal="*",
            invoked_via_function_url=True,
            opts=child,
        ),
    ]
    url = aws.lambda_.FunctionUrl(
        f"{name}-callback-url-endpoint",
        function_name=gated(endpoint.function.name, gate),
        authorization_type="NONE",
        invoke_mode="BUFFERED",
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*public, *endpoint.invoke_after]),
    )
    return endpoint, secret, url
