"""The durable execution APIs, answered by the testing SDK's own HTTP handlers.

``CheckpointDurableExecution``, ``GetDurableExecutionState``, ``GetDurableExecution``,
``GetDurableExecutionHistory``, ``StopDurableExecution``, ``ListDurableExecutionsByFunction``
and ``SendDurableExecutionCallback{Success,Failure,Heartbeat}`` reach ``DurableApi.handle``
through the ``lambda_durable_api`` patch, with the wire shapes of the Lambda API.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs, urlsplit

from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from aws_durable_execution_sdk_python_testing.exceptions import (
    AwsApiException,
    CallbackTimeoutException,
    ResourceNotFoundException,
    ServiceException,
    UnknownRouteError,
)
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from aws_durable_execution_sdk_python_testing.token import CallbackToken
from aws_durable_execution_sdk_python_testing.web.handlers import (
    CheckpointDurableExecutionHandler,
    EndpointHandler,
    GetDurableExecutionHandler,
    GetDurableExecutionHistoryHandler,
    GetDurableExecutionStateHandler,
    ListDurableExecutionsByFunctionHandler,
    SendDurableExecutionCallbackFailureHandler,
    SendDurableExecutionCallbackHeartbeatHandler,
    SendDurableExecutionCallbackSuccessHandler,
    StopDurableExecutionHandler,
)
from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse
from aws_durable_execution_sdk_python_testing.web.routes import (
    BytesPayloadRoute,
    CallbackFailureRoute,
    CallbackHeartbeatRoute,
    CallbackSuccessRoute,
    CheckpointDurableExecutionRoute,
    GetDurableExecutionHistoryRoute,
    GetDurableExecutionRoute,
    GetDurableExecutionStateRoute,
    ListDurableExecutionsByFunctionRoute,
    Route,
    Router,
    StopDurableExecutionRoute,
)

from .common import as_bytes

#: Lambda API operations the ``lambda_durable_api`` patch answers here.
DURABLE_API_OPERATIONS: Final = frozenset(
    {
        "CheckpointDurableExecution",
        "GetDurableExecutionState",
        "GetDurableExecution",
        "GetDurableExecutionHistory",
        "StopDurableExecution",
        "ListDurableExecutionsByFunction",
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
    }
)
_CALLBACK_ROUTES: Final = (CallbackSuccessRoute, CallbackFailureRoute, CallbackHeartbeatRoute)


class DurableApi:
    """Routes durable execution API requests to the testing SDK's handlers of one executor."""

    def __init__(self, executor: Executor, store: InMemoryExecutionStore) -> None:
        self._store = store
        self._router = Router()
        self._handlers: dict[type[Route], EndpointHandler] = {
            CheckpointDurableExecutionRoute: CheckpointDurableExecutionHandler(executor),
            GetDurableExecutionStateRoute: GetDurableExecutionStateHandler(executor),
            GetDurableExecutionRoute: GetDurableExecutionHandler(executor),
            GetDurableExecutionHistoryRoute: GetDurableExecutionHistoryHandler(executor),
            StopDurableExecutionRoute: StopDurableExecutionHandler(executor),
            ListDurableExecutionsByFunctionRoute: ListDurableExecutionsByFunctionHandler(executor),
            CallbackSuccessRoute: SendDurableExecutionCallbackSuccessHandler(executor),
            CallbackFailureRoute: SendDurableExecutionCallbackFailureHandler(executor),
            CallbackHeartbeatRoute: SendDurableExecutionCallbackHeartbeatHandler(executor),
        }

    def handle(
        self, method: str, url: str, body: bytes | str | None
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one durable execution API request (status, headers, body), as AWS would."""
        parts = urlsplit(url)
        try:
            route = self._router.find_route(parts.path, method)
        except UnknownRouteError as exc:
            return error_response(ResourceNotFoundException(str(exc)))
        handler = self._handlers.get(type(route))
        if handler is None:
            return error_response(ServiceException(f"not emulated: {method} {parts.path}"))
        if isinstance(route, _CALLBACK_ROUTES):
            refusal = self._closed_callback(route.callback_id)
            if refusal is not None:
                return error_response(refusal)
        data = as_bytes(body) if body else b""
        query = parse_qs(parts.query)
        if isinstance(route, BytesPayloadRoute):
            request = HTTPRequest.from_raw_bytes(
                body_bytes=data, method=method, path=route, query_params=query
            )
        else:
            request = HTTPRequest.from_bytes(
                body_bytes=data, method=method, path=route, query_params=query
            )
        response: HTTPResponse = handler.handle(route, request)
        return http_response(response)

    def _closed_callback(self, callback_id: str) -> AwsApiException | None:
        """AWS's answer to completing a callback that is not open (None while it is open).

        A known callback that is no longer waiting (completed, timed out, its execution over)
        is ``CallbackTimeoutException``; an id that names no callback of any execution is
        ``ResourceNotFoundException`` (what the testing SDK answers for both).
        """
        try:
            token = CallbackToken.from_str(callback_id)
            execution = self._store.load(token.execution_arn)
            _, operation = execution.find_callback_operation(callback_id)
        except Exception:
            return ResourceNotFoundException(f"Callback {callback_id} not found")
        if execution.is_complete or operation.status is not OperationStatus.STARTED:
            return CallbackTimeoutException(f"Callback {callback_id} is closed")
        return None


def error_response(exc: AwsApiException) -> tuple[int, dict[str, str], bytes]:
    """The HTTP answer AWS gives for ``exc``."""
    return http_response(HTTPResponse.create_error_from_exception(exc))


def http_response(response: HTTPResponse) -> tuple[int, dict[str, str], bytes]:
    """``response`` as (status, headers, body), with the error type header botocore reads."""
    headers = dict(response.headers)
    body = response.body_to_bytes() if response.body else b"{}"
    if response.status_code >= 400:
        # botocore reads a rest-json error's code from this header.
        code = response.body.get("Type") if isinstance(response.body, dict) else None
        if isinstance(code, str):
            headers["x-amzn-errortype"] = code
    headers.setdefault("Content-Type", "application/json")
    return response.status_code, headers, body
