"""Signed callback URLs: signing, verifying, and registering the waiter a URL resumes.

The URL starter registers a waiter under ``url#<id>`` (``register_url_waiter``, an unguessable
id) and hands out three signed URLs::

    <base_url>?id=<id>&action=<success|failure|heartbeat>&expires=<epoch>&sig=<hex>

``sig`` is HMAC-SHA256 (key from Secrets Manager, ``signing_key``) over
``v1\\n<id>\\n<action>\\n<expires>``, so neither the id, the action nor the expiry can be changed
without the key. The endpoint (``handlers.callback_url``) verifies a request with ``verify``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from . import contract as c
from .waiter_store import Waiter, WaiterStore

_CANONICAL_VERSION: Final = "v1"
_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{16,128}")
_EXPIRES_PATTERN: Final = re.compile(r"[0-9]{1,12}")
_SIG_PATTERN: Final = re.compile(r"[0-9a-f]{64}")
#: Bytes of entropy in a waiter id (``secrets.token_urlsafe``: 32 bytes -> 43 characters).
ID_BYTES: Final = 32


class CallbackRejected(Exception):  # noqa: N818 - a verdict on a request, not our failure
    """A callback request that must not resume anything."""


class Forged(CallbackRejected):
    """Missing, malformed or wrongly signed parameters, or an unknown action."""


class Expired(CallbackRejected):
    """A correctly signed URL whose ``expires`` has passed."""


@dataclass(frozen=True)
class VerifiedRequest:
    """The parameters of a correctly signed, unexpired callback URL."""

    waiter_id: str
    action: str
    expires_at: int

    @property
    def key(self) -> str:
        """The waiter table key, ``url#<id>``."""
        return c.URL_KEY_PREFIX + self.waiter_id


def _signature(waiter_id: str, action: str, expires_at: int, key: bytes) -> str:
    canonical = "\n".join((_CANONICAL_VERSION, waiter_id, action, str(expires_at)))
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_url(base_url: str, waiter_id: str, action: str, expires_at: int, key: bytes) -> str:
    """The signed URL that performs ``action`` on waiter ``waiter_id`` until ``expires_at``."""
    if action not in c.CALLBACK_ACTIONS:
        raise ValueError(f"action must be one of {c.CALLBACK_ACTIONS}, not {action!r}")
    if not _ID_PATTERN.fullmatch(waiter_id):
        raise ValueError("the waiter id must be 16-128 URL-safe characters")
    if expires_at < 0:
        raise ValueError("expires_at must not be negative")
    if not key:
        raise ValueError("the signing key is empty")
    query = urlencode(
        {
            c.CALLBACK_PARAM_ID: waiter_id,
            c.CALLBACK_PARAM_ACTION: action,
            c.CALLBACK_PARAM_EXPIRES: str(int(expires_at)),
            c.CALLBACK_PARAM_SIG: _signature(waiter_id, action, int(expires_at), key),
        }
    )
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{query}"


def signed_urls(base_url: str, waiter_id: str, expires_at: int, key: bytes) -> dict[str, str]:
    """``{action: signed URL}`` for every action."""
    return {a: sign_url(base_url, waiter_id, a, expires_at, key) for a in c.CALLBACK_ACTIONS}


def verify(params: Mapping[str, Any] | None, key: bytes, now: float) -> VerifiedRequest:
    """Check a request's query parameters; ``Forged`` or ``Expired`` unless valid.

    The signature is checked before the expiry, so only a genuine URL is ever "expired".
    """
    if not key:
        raise ValueError("the signing key is empty")
    params = params or {}
    values = []
    for name in (
        c.CALLBACK_PARAM_ID,
        c.CALLBACK_PARAM_ACTION,
        c.CALLBACK_PARAM_EXPIRES,
        c.CALLBACK_PARAM_SIG,
    ):
        value = params.get(name)
        if not isinstance(value, str) or not value:
            raise Forged(f"missing parameter {name!r}")
        values.append(value)
    waiter_id, action, expires, sig = values
    if not _ID_PATTERN.fullmatch(waiter_id):
        raise Forged("malformed id")
    if not _EXPIRES_PATTERN.fullmatch(expires):
        raise Forged("malformed expires")
    if not _SIG_PATTERN.fullmatch(sig):
        raise Forged("malformed signature")
    expires_at = int(expires)
    expected = _signature(waiter_id, action, expires_at, key)
    if not hmac.compare_digest(expected, sig):
        raise Forged("bad signature")
    if action not in c.CALLBACK_ACTIONS:
        raise Forged("unknown action")
    if expires_at < now:
        raise Expired("the callback URL has expired")
    return VerifiedRequest(waiter_id=waiter_id, action=action, expires_at=expires_at)


def waiter_id_for(execution: str | None, key: bytes) -> str:
    """The waiter id of ``execution``: stable, so a retried starter hands out the same URLs,
    and unguessable (an HMAC under the signing key); random when there is no execution."""
    if not execution:
        return secrets.token_urlsafe(ID_BYTES)
    digest = hmac.new(key, f"waiter-id\n{execution}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def register_url_waiter(
    store: WaiterStore,
    token: str,
    *,
    url_ttl_seconds: int,
    waiter_ttl_seconds: int,
    workflow: str,
    execution: str | None,
    key: bytes,
    base_url: str,
    now: float | None = None,
) -> tuple[Waiter, dict[str, str]]:
    """Register a Step Functions waiter under ``url#<id>``; return it and its signed URLs.

    The URLs expire ``url_ttl_seconds`` after the waiter was first registered (a retry gets the
    same URLs); the item itself lives ``waiter_ttl_seconds``. Registering again for the same
    execution with a new token (a retried invocation) hands the waiter to the new token.
    """
    if not 0 < url_ttl_seconds <= waiter_ttl_seconds:
        raise ValueError("url_ttl_seconds must be positive and at most waiter_ttl_seconds")
    waiter_id = waiter_id_for(execution, key)
    waiter = store.register(
        c.URL_KEY_PREFIX + waiter_id,
        c.KIND_SFN,
        token,
        [],
        waiter_ttl_seconds,
        workflow,
        execution=execution,
        now=now,
    )
    expires_at = waiter.created_at + url_ttl_seconds
    return waiter, signed_urls(base_url, waiter_id, expires_at, key)
