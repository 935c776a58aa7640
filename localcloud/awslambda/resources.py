"""The deployer's handlers for Lambda: functions, aliases, permissions, function URLs."""

from __future__ import annotations

from typing import Any

import pulumi

from ..deploy.assets import archive_zip
from ..deploy.mocks import (
    ResourceRequest,
    as_int,
    compact,
    handles,
    iso,
)


def _function_code(req: ResourceRequest) -> dict[str, Any]:
    code = req.get("code")
    if code is not None:
        if not isinstance(code, pulumi.Archive):
            raise ValueError(f"code must be a pulumi Archive, got {type(code).__name__}")
        return {"ZipFile": archive_zip(code, req.mocks.base_dir)}
    if req.get("imageUri"):
        return {"ImageUri": req.inputs["imageUri"]}
    if req.get("s3Bucket"):
        return compact(
            {
                "S3Bucket": req.inputs["s3Bucket"],
                "S3Key": req.get("s3Key"),
                "S3ObjectVersion": req.get("s3ObjectVersion"),
            }
        )
    raise ValueError("one of code, imageUri or s3Bucket is required")


def _invoke_arn(req: ResourceRequest, function_arn: str) -> str:
    region = req.cloud.region
    return (
        f"arn:{req.mocks.partition}:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


@handles("aws:lambda/function:Function")
def create_function(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Lambda function: CreateFunction with the code (an ``AssetArchive``/``FileArchive``
    zipped here byte for byte, or S3/image), role (must exist: moto checks), handler, runtime,
    environment variables, timeout, memory, architectures, layers, dead-letter, tracing,
    logging and ephemeral storage settings, tags, ``publish`` (version ``1``, else
    ``$LATEST``) and ``durableConfig`` (``DurableConfig``: invoking a version or alias then
    starts a durable execution, see ``localcloud.awslambda.durable``); then
    PutFunctionConcurrency for ``reservedConcurrentExecutions`` >= 0. Id: the name."""
    lam = req.client("lambda")
    name = req.physical_name()
    environment = req.get("environment", {}).get("variables")
    dead_letter = req.get("deadLetterConfig", {}).get("targetArn")
    tracing = req.get("tracingConfig", {}).get("mode")
    logging = req.get("loggingConfig")
    storage = as_int(req.get("ephemeralStorage", {}).get("size"))
    durable = req.get("durableConfig")
    code = _function_code(req)
    created = lam.create_function(
        **compact(
            {
                "FunctionName": name,
                "Role": req.inputs["role"],
                "Handler": req.get("handler"),
                "Runtime": req.get("runtime"),
                "Code": code,
                "PackageType": "Image" if "ImageUri" in code else None,
                "Description": req.get("description"),
                "Timeout": as_int(req.get("timeout", 3)),
                "MemorySize": as_int(req.get("memorySize", 128)),
                "Publish": bool(req.get("publish", False)),
                "Environment": None if environment is None else {"Variables": environment},
                "Architectures": req.get("architectures"),
                "Layers": req.get("layers"),
                "DeadLetterConfig": None if dead_letter is None else {"TargetArn": dead_letter},
                "TracingConfig": None if tracing is None else {"Mode": tracing},
                "LoggingConfig": None
                if not logging
                else compact(
                    {
                        "LogFormat": logging.get("logFormat"),
                        "LogGroup": logging.get("logGroup"),
                        "ApplicationLogLevel": logging.get("applicationLogLevel"),
                        "SystemLogLevel": logging.get("systemLogLevel"),
                    }
                ),
                "EphemeralStorage": None if storage is None else {"Size": storage},
                "DurableConfig": None
                if not durable
                else compact(
                    {
                        "ExecutionTimeout": as_int(durable.get("executionTimeout")),
                        "RetentionPeriodInDays": as_int(durable.get("retentionPeriod")),
                    }
                ),
                "KMSKeyArn": req.get("kmsKeyArn"),
                "Tags": req.tags or None,
            }
        )
    )
    reserved = as_int(req.get("reservedConcurrentExecutions"))
    if reserved is not None and reserved >= 0:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    arn = created["FunctionArn"]  # unqualified, even when a version was published
    version = created.get("Version", "$LATEST")
    return name, {
        "name": name,
        "arn": arn,
        "invokeArn": _invoke_arn(req, arn),
        "qualifiedArn": f"{arn}:{version}",
        "qualifiedInvokeArn": _invoke_arn(req, f"{arn}:{version}"),
        "responseStreamingInvokeArn": (
            f"arn:{req.mocks.partition}:apigateway:{req.cloud.region}:lambda:path/2021-11-15/"
            f"functions/{arn}/response-streaming-invocations"
        ),
        "version": version,
        "lastModified": iso(created.get("LastModified", "")),
        "codeSha256": created.get("CodeSha256", ""),
        "sourceCodeHash": req.get("sourceCodeHash", created.get("CodeSha256", "")),
        "sourceCodeSize": created.get("CodeSize", 0),
        "timeout": as_int(req.get("timeout", 3)),
        "memorySize": as_int(req.get("memorySize", 128)),
        "packageType": created.get("PackageType", "Zip"),
        "architectures": created.get("Architectures", ["x86_64"]),
        "signingJobArn": "",
        "signingProfileVersionArn": "",
        "tagsAll": req.tags,
    }


@handles("aws:lambda/alias:Alias")
def create_alias(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Lambda alias: CreateAlias (function name or ARN, version, description, weighted
    routing). Id and ``arn``: the alias ARN; ``invokeArn`` for API Gateway."""
    name = req.physical_name()
    routing = req.get("routingConfig", {}).get("additionalVersionWeights")
    created = req.client("lambda").create_alias(
        **compact(
            {
                "FunctionName": req.inputs["functionName"],
                "Name": name,
                "FunctionVersion": req.inputs["functionVersion"],
                "Description": req.get("description"),
                "RoutingConfig": None if routing is None else {"AdditionalVersionWeights": routing},
            }
        )
    )
    arn = created["AliasArn"]
    return arn, {"name": name, "arn": arn, "invokeArn": _invoke_arn(req, arn)}


@handles("aws:lambda/permission:Permission")
def create_permission(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Resource-based policy statement on a function: AddPermission (action, principal, source
    ARN/account, qualifier, org, function URL auth type, invoked via function URL).
    ``statementId`` is explicit,
    ``statementIdPrefix`` + unique id, or auto-named. Id: the statement id."""
    statement_id = req.physical_name()
    req.client("lambda").add_permission(
        **compact(
            {
                "FunctionName": req.inputs["function"],
                "StatementId": statement_id,
                "Action": req.inputs["action"],
                "Principal": req.inputs["principal"],
                "SourceArn": req.get("sourceArn"),
                "SourceAccount": req.get("sourceAccount"),
                "EventSourceToken": req.get("eventSourceToken"),
                "Qualifier": req.get("qualifier"),
                "PrincipalOrgID": req.get("principalOrgId"),
                "FunctionUrlAuthType": req.get("functionUrlAuthType"),
                "InvokedViaFunctionUrl": req.get("invokedViaFunctionUrl"),
            }
        )
    )
    return statement_id, {"statementId": statement_id}


@handles("aws:lambda/functionUrl:FunctionUrl")
def create_function_url(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Function URL: CreateFunctionUrlConfig (auth type, CORS, invoke mode, qualifier).
    Id: the function name, ``<name>/<qualifier>`` with a qualifier; ``urlId`` is the URL's
    first label."""
    cors = req.get("cors")
    function = str(req.inputs["functionName"])
    qualifier = req.get("qualifier")
    created = req.client("lambda").create_function_url_config(
        **compact(
            {
                "FunctionName": function,
                "Qualifier": qualifier,
                "AuthType": req.inputs["authorizationType"],
                "InvokeMode": req.get("invokeMode"),
                "Cors": None
                if not cors
                else compact(
                    {
                        "AllowCredentials": cors.get("allowCredentials"),
                        "AllowHeaders": cors.get("allowHeaders"),
                        "AllowMethods": cors.get("allowMethods"),
                        "AllowOrigins": cors.get("allowOrigins"),
                        "ExposeHeaders": cors.get("exposeHeaders"),
                        "MaxAge": as_int(cors.get("maxAge")),
                    }
                ),
            }
        )
    )
    url = created["FunctionUrl"]
    resource_id = function if qualifier is None else f"{function}/{qualifier}"
    return resource_id, {
        "functionUrl": url,
        "functionArn": created["FunctionArn"],
        "urlId": url.split("://", 1)[-1].split(".", 1)[0],
        "invokeMode": created.get("InvokeMode", req.get("invokeMode", "BUFFERED")),
    }
