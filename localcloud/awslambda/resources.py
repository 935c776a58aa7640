"""The deployer's handlers for Lambda: functions, aliases, permissions, function URLs."""

from __future__ import annotations

from typing import Any, Final

import pulumi

from ..deploy.assets import archive_zip
from ..deploy.mocks import ResourceRequest, deletes, handles, updates
from ..deploy.params import api_block, as_int, compact, iso, retag


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
    code = _function_code(req)
    created = lam.create_function(
        **compact(
            {
                "FunctionName": name,
                "Code": code,
                "PackageType": "Image" if "ImageUri" in code else None,
                "Publish": bool(req.get("publish", False)),
                "Architectures": req.get("architectures"),
                "Tags": req.tags or None,
                **_configuration(req),
            }
        )
    )
    _set_concurrency(req, name)
    return name, _function_outputs(req, created, created.get("Version", "$LATEST"))


#: Function inputs UpdateFunctionCode changes; the configuration is in ``_configuration``.
_CODE_INPUTS: Final = frozenset(
    {"code", "imageUri", "s3Bucket", "s3Key", "s3ObjectVersion", "architectures", "sourceCodeHash"}
)
#: Function inputs UpdateFunctionConfiguration changes.
_CONFIGURATION_INPUTS: Final = frozenset(
    {
        "role",
        "handler",
        "runtime",
        "description",
        "timeout",
        "memorySize",
        "environment",
        "layers",
        "deadLetterConfig",
        "tracingConfig",
        "loggingConfig",
        "ephemeralStorage",
        "durableConfig",
        "kmsKeyArn",
    }
)


def _configuration(req: ResourceRequest) -> dict[str, Any]:
    """What CreateFunction and UpdateFunctionConfiguration both take (unset ones left out)."""
    environment = req.get("environment", {}).get("variables")
    dead_letter = req.get("deadLetterConfig", {}).get("targetArn")
    tracing = req.get("tracingConfig", {}).get("mode")
    logging = req.get("loggingConfig")
    storage = as_int(req.get("ephemeralStorage", {}).get("size"))
    durable = req.get("durableConfig")
    return compact(
        {
            "Role": req.inputs["role"],
            "Handler": req.get("handler"),
            "Runtime": req.get("runtime"),
            "Description": req.get("description"),
            "Timeout": as_int(req.get("timeout", 3)),
            "MemorySize": as_int(req.get("memorySize", 128)),
            "Environment": None if environment is None else {"Variables": environment},
            "Layers": req.get("layers"),
            "DeadLetterConfig": None if dead_letter is None else {"TargetArn": dead_letter},
            "TracingConfig": None if tracing is None else {"Mode": tracing},
            "LoggingConfig": api_block(
                logging, "logFormat", "logGroup", "applicationLogLevel", "systemLogLevel"
            ),
            "EphemeralStorage": None if storage is None else {"Size": storage},
            "DurableConfig": api_block(
                durable,
                "executionTimeout",
                "retentionPeriod",
                ints=("executionTimeout", "retentionPeriod"),
                api_names={"retentionPeriod": "RetentionPeriodInDays"},
            ),
            "KMSKeyArn": req.get("kmsKeyArn"),
        }
    )


def _set_concurrency(req: ResourceRequest, name: str) -> None:
    reserved = as_int(req.get("reservedConcurrentExecutions"))
    if reserved is not None and reserved >= 0:
        req.client("lambda").put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=reserved
        )
    elif req.previous is not None:
        req.client("lambda").delete_function_concurrency(FunctionName=name)


def _function_outputs(
    req: ResourceRequest, configuration: dict[str, Any], version: str
) -> dict[str, Any]:
    arn = ":".join(configuration["FunctionArn"].split(":")[:7])  # the unqualified ARN
    return {
        "name": configuration["FunctionName"],
        "arn": arn,
        "invokeArn": _invoke_arn(req, arn),
        "qualifiedArn": f"{arn}:{version}",
        "qualifiedInvokeArn": _invoke_arn(req, f"{arn}:{version}"),
        "responseStreamingInvokeArn": (
            f"arn:{req.mocks.partition}:apigateway:{req.cloud.region}:lambda:path/2021-11-15/"
            f"functions/{arn}/response-streaming-invocations"
        ),
        "version": version,
        "lastModified": iso(configuration.get("LastModified", "")),
        "codeSha256": configuration.get("CodeSha256", ""),
        "sourceCodeHash": req.get("sourceCodeHash", configuration.get("CodeSha256", "")),
        "sourceCodeSize": configuration.get("CodeSize", 0),
        "timeout": as_int(req.get("timeout", 3)),
        "memorySize": as_int(req.get("memorySize", 128)),
        "packageType": configuration.get("PackageType", "Zip"),
        "architectures": configuration.get("Architectures", ["x86_64"]),
        "signingJobArn": "",
        "signingProfileVersionArn": "",
        "tagsAll": req.tags,
    }


@updates("aws:lambda/function:Function")
def update_function(req: ResourceRequest) -> dict[str, Any]:
    """Function in place: UpdateFunctionConfiguration when its configuration changed (the
    environment, timeout, ``durableConfig``'s fields...), UpdateFunctionCode when its code
    changed (a new archive: a new CodeSha256), then, with ``publish``, one PublishVersion
    (``version``/``qualifiedArn`` name it; versions already published keep their code and
    configuration, so an execution started on one goes on running it);
    PutFunctionConcurrency/DeleteFunctionConcurrency; TagResource/UntagResource."""
    lam, name = req.client("lambda"), req.resource_id
    configuration = lam.get_function_configuration(FunctionName=name)
    if req.changed & _CONFIGURATION_INPUTS:
        configuration = lam.update_function_configuration(FunctionName=name, **_configuration(req))
    if req.changed & _CODE_INPUTS:
        configuration = lam.update_function_code(
            FunctionName=name,
            **_function_code(req),
            **compact({"Architectures": req.get("architectures")}),
        )
    version = str(req.output("version") or "$LATEST")
    if req.get("publish") and req.changed & (_CODE_INPUTS | _CONFIGURATION_INPUTS):
        version = lam.publish_version(FunctionName=name)["Version"]
    if "reservedConcurrentExecutions" in req.changed:
        _set_concurrency(req, name)
    arn = str(req.output("arn"))
    retag(
        req,
        lambda tags: lam.tag_resource(Resource=arn, Tags=tags),
        lambda keys: lam.untag_resource(Resource=arn, TagKeys=keys),
    )
    return _function_outputs(req, configuration, version)


@deletes("aws:lambda/function:Function")
def delete_function(req: ResourceRequest) -> None:
    """Function: DeleteFunction (every version and alias goes with it)."""
    req.client("lambda").delete_function(FunctionName=req.resource_id)


@handles("aws:lambda/alias:Alias")
def create_alias(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Lambda alias: CreateAlias (function name or ARN, version, description, weighted
    routing). Id and ``arn``: the alias ARN; ``invokeArn`` for API Gateway."""
    created = req.client("lambda").create_alias(**_alias(req))
    arn = created["AliasArn"]
    return arn, {"name": created["Name"], "arn": arn, "invokeArn": _invoke_arn(req, arn)}


def _alias(req: ResourceRequest) -> dict[str, Any]:
    routing = req.get("routingConfig", {}).get("additionalVersionWeights")
    return compact(
        {
            "FunctionName": req.inputs["functionName"],
            "Name": req.physical_name(),
            "FunctionVersion": req.inputs["functionVersion"],
            "Description": req.get("description"),
            "RoutingConfig": None if routing is None else {"AdditionalVersionWeights": routing},
        }
    )


@updates("aws:lambda/alias:Alias")
def update_alias(req: ResourceRequest) -> dict[str, Any]:
    """Alias in place: UpdateAlias (the version it points to, description, routing). Invokes
    through the alias start the new version from then on; what already runs keeps its own."""
    updated = req.client("lambda").update_alias(**_alias(req))
    arn = updated["AliasArn"]
    return {"name": updated["Name"], "arn": arn, "invokeArn": _invoke_arn(req, arn)}


@deletes("aws:lambda/alias:Alias")
def delete_alias(req: ResourceRequest) -> None:
    """Alias: DeleteAlias."""
    req.client("lambda").delete_alias(
        FunctionName=req.inputs["functionName"], Name=req.physical_name()
    )


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


@deletes("aws:lambda/permission:Permission")
def delete_permission(req: ResourceRequest) -> None:
    """Permission (every input replaces it, so no update): RemovePermission."""
    req.client("lambda").remove_permission(
        **compact(
            {
                "FunctionName": req.inputs["function"],
                "StatementId": req.resource_id,
                "Qualifier": req.get("qualifier"),
            }
        )
    )


@handles("aws:lambda/functionUrl:FunctionUrl")
def create_function_url(req: ResourceRequest) -> tuple[str, dict[str, Any]]:
    """Function URL: CreateFunctionUrlConfig (auth type, CORS, invoke mode, qualifier).
    Id: the function name, ``<name>/<qualifier>`` with a qualifier; ``urlId`` is the URL's
    first label."""
    function = str(req.inputs["functionName"])
    qualifier = req.get("qualifier")
    created = req.client("lambda").create_function_url_config(**_url_config(req))
    resource_id = function if qualifier is None else f"{function}/{qualifier}"
    return resource_id, _url_outputs(req, created)


def _url_outputs(req: ResourceRequest, config: dict[str, Any]) -> dict[str, Any]:
    url = config["FunctionUrl"]
    return {
        "functionUrl": url,
        "functionArn": config["FunctionArn"],
        "urlId": url.split("://", 1)[-1].split(".", 1)[0],
        "invokeMode": config.get("InvokeMode", req.get("invokeMode", "BUFFERED")),
    }


def _url_config(req: ResourceRequest) -> dict[str, Any]:
    cors = req.get("cors")
    return compact(
        {
            "FunctionName": str(req.inputs["functionName"]),
            "Qualifier": req.get("qualifier"),
            "AuthType": req.inputs["authorizationType"],
            "InvokeMode": req.get("invokeMode"),
            "Cors": api_block(
                cors,
                "allowCredentials",
                "allowHeaders",
                "allowMethods",
                "allowOrigins",
                "exposeHeaders",
                "maxAge",
                ints=("maxAge",),
            ),
        }
    )


@updates("aws:lambda/functionUrl:FunctionUrl")
def update_function_url(req: ResourceRequest) -> dict[str, Any]:
    """Function URL in place: UpdateFunctionUrlConfig (auth type, CORS, invoke mode)."""
    updated = req.client("lambda").update_function_url_config(**_url_config(req))
    return _url_outputs(req, {**updated, "FunctionArn": req.output("functionArn")})


@deletes("aws:lambda/functionUrl:FunctionUrl")
def delete_function_url(req: ResourceRequest) -> None:
    """Function URL: DeleteFunctionUrlConfig."""
    req.client("lambda").delete_function_url_config(
        **compact(
            {"FunctionName": str(req.inputs["functionName"]), "Qualifier": req.get("qualifier")}
        )
    )
