"""Canaries of the Lambda patches: each fails if a moto upgrade breaks what it relies on."""

from __future__ import annotations

import inspect
import json

from moto.awslambda import models as lambda_models
from moto.core.models import botocore_stubber
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_lambda,
)

from localcloud import LocalCloud

# -- l. lambda_in_process --------------------------------------------------------------------


def test_lambda_in_process_replaces_moto_s_docker_runner(cloud: LocalCloud) -> None:
    cls = lambda_models.LambdaFunction
    assert cls._invoke_lambda.__localcloud_patch__ == "lambda_in_process"
    # Under lambda_durable_invocations, which wraps it (functools.wraps).
    assert cls.invoke.__localcloud_patch__ == "lambda_durable_invocations"
    assert inspect.unwrap(cls.invoke).__localcloud_patch__ == "lambda_in_process"
    # Internal callers (event source mappings...) call these with moto's signatures.
    assert list(inspect.signature(cls._invoke_lambda).parameters) == ["self", "event"]
    assert list(inspect.signature(cls.invoke).parameters) == [
        "self",
        "body",
        "request_headers",
        "response_headers",
    ]
    cloud.create_function("f", {"app.py": "def handler(e, c): return {'got': e}"})
    fn = lambda_models.lambda_backends[cloud.account_id][cloud.region].get_function("f")
    # The model attributes the runtime reads.
    for attr in (
        "function_name", "version", "function_arn", "handler", "run_time", "code_bytes",
        "code_sha_256", "environment_vars", "timeout", "memory_size", "region",
        "logs_backend", "logs_group_name", "package_type", "event_invoke_config",
    ):  # fmt: skip
        assert hasattr(fn, attr), attr
    # moto's own callers (e.g. SQS event source mappings) go through _invoke_lambda.
    payload, errored, logs = fn._invoke_lambda(event={"n": 1})
    assert (json.loads(payload), errored) == ({"got": {"n": 1}}, False)
    assert "START RequestId" in logs
    # Step Functions turns a FunctionError payload into its errorType (what Catch matches on).
    source = inspect.getsource(state_task_service_lambda.StateTaskServiceLambda._from_error)
    assert 'cause_object["errorType"]' in source


# -- l2. lambda_kept_config, lambda_durable_invocations, lambda_durable_api -----------------
# Their behaviour is tested in test_durable.py; here, the moto internals they rely on.


def test_durable_patches_rely_on_these_moto_internals(cloud: LocalCloud) -> None:
    cls = lambda_models.LambdaFunction
    assert cls.__init__.__localcloud_patch__ == "lambda_kept_config"
    assert cls.get_configuration.__localcloud_patch__ == "lambda_kept_config"
    assert cls.update_configuration.__localcloud_patch__ == "lambda_kept_config"
    # The request spec (CreateFunction's parameters, DurableConfig included) reaches __init__.
    assert "spec" in inspect.signature(inspect.unwrap(cls.__init__)).parameters
    # Published versions are copies of the function object: they keep durable_config.
    assert "copy.copy(" in inspect.getsource(lambda_models.LambdaStorage.publish_version)
    # The request counter wraps the durable API patch (so durable calls are counted), which
    # wraps moto's stubber (whose signature it keeps).
    stubber = type(botocore_stubber)
    assert stubber.__call__.__localcloud_patch__ == "api_call_metrics"
    durable_api = inspect.getclosurevars(stubber.__call__).nonlocals["original"]
    assert durable_api.__localcloud_patch__ == "lambda_durable_api"
    assert list(inspect.signature(inspect.unwrap(durable_api)).parameters)[:3] == [
        "self",
        "event_name",
        "request",
    ]
    # moto answers the durable APIs with a 404 of its own without the patch.
    from moto.core.botocore_stubber import MockRawResponse

    assert MockRawResponse(b"{}").read() == b"{}"
