"""HTTP calls to Lambda function URLs, answered in process (moto creates the URL, never serves it).

``http_request`` plays the part of the function URL front end: it finds the function whose URL
config has the request's host, checks the resource policy an ``AuthType: NONE`` URL needs (a
``lambda:InvokeFunctionUrl`` statement for principal ``*`` with ``FunctionUrlAuthType: NONE``,
and ``lambda:InvokeFunction`` for ``*`` marked ``InvokedViaFunctionUrl``, as AWS has required
since October 2025), builds the payload format 2.0 event, runs the handler through the local
Lambda runtime and maps its result to an HTTP response the way Lambda does (a dict with
``statusCode`` as is; any other value as a 200 JSON body; a handler error as 502).

Not emulated: IAM-authenticated URLs (``AWS_IAM``), CORS preflight, response streaming, custom
headers and cookies beyond what the payload carries.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from moto.awslambda.utils import get_backend

from .runtime import LambdaRuntime


class FunctionUrlNotFound(LookupError):  # noqa: N818 - mirrors an HTTP 404, not our failure
    """No function URL of the local cloud has this host."""


@dataclass(frozen=True)
class HttpResponse:
    """What the caller of a function URL receives."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def find_url_function(account_id: str, region: str, url: str) -> Any:
    """The moto function whose function URL has ``url``'s host."""
    host = _host(url)
    for fn in get_backend(account_id, region).list_functions():
        config = getattr(fn, "url_config", None)
        if config is not None and _host(config.url) == host:
            return fn
    raise FunctionUrlNotFound(f"no function URL with host {host!r}")


def _statements(fn: Any) -> list[dict[str, Any]]:
    policy = getattr(fn, "policy", None)
    return list(getattr(policy, "statements", None) or [])


def _allows(statement: dict[str, Any], action: str) -> bool:
    principal = statement.get("Principal")
    public = principal == "*" or principal == {"AWS": "*"}
    return (
        statement.get("Effect", "Allow") == "Allow" and statement.get("Action") == action and public
    )


def public_access_allowed(fn: Any) -> bool:
    """Whether ``fn``'s resource policy lets anyone call its ``AuthType: NONE`` URL."""
    statements = _statements(fn)
    url = any(
        _allows(s, "lambda:InvokeFunctionUrl") and s.get("FunctionUrlAuthType") == "NONE"
        for s in statements
    )
    invoke = any(
        _allows(s, "lambda:InvokeFunction") and s.get("InvokedViaFunctionUrl") in (True, "true")
        for s in statements
    )
    return url and invoke


def _event(method: str, url: str, body: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "domainName": parts.hostname,
            "domainPrefix": (parts.hostname or "").split(".", 1)[0],
            "http": {
                "method": method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": headers.get("user-agent", "localcloud"),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if params:
        event["queryStringParameters"] = params
    if body is not None:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _response(result: Any) -> HttpResponse:
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body", "")
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        return HttpResponse(int(result["statusCode"]), str(body), headers)
    return HttpResponse(200, json.dumps(result), {"content-type": "application/json"})


def http_request(
    runtime: LambdaRuntime,
    account_id: str,
    region: str,
    method: str,
    url: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Call a function URL of the local cloud; see the module docstring."""
    try:
        fn = find_url_function(account_id, region, url)
    except FunctionUrlNotFound:
        return HttpResponse(404, json.dumps({"Message": "Not Found"}))
    if fn.url_config.config.get("AuthType") != "NONE" or not public_access_allowed(fn):
        return HttpResponse(403, json.dumps({"Message": "Forbidden"}))
    data = body.encode("utf-8") if isinstance(body, str) else body
    event = _event(method.upper(), url, data, headers or {})
    result = runtime.run(fn, json.dumps(event))
    if result.function_error:
        return HttpResponse(502, json.dumps({"Message": "Internal Server Error"}))
    return _response(json.loads(result.payload) if result.payload else None)
