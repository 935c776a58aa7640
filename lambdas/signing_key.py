"""The HMAC key that signs callback URLs, kept in Secrets Manager and never anywhere else.

The hub creates the secret *without a value*, so the key never passes through the Pulumi
program, its state, the code or any output. The first function that needs to sign a URL (the
URL starter, ``create=True``) generates 48 random bytes and stores them with ``PutSecretValue``
under a fixed ``ClientRequestToken``: Secrets Manager keeps exactly one version for that token,
so when two cold containers race, the loser gets ``ResourceExistsException`` and reads the
winner's key. Functions that only verify (the URL endpoint) never create one: without a key no
URL was ever issued, so no request can be genuine.

The key is cached per container (one ``GetSecretValue`` per cold start).
"""

from __future__ import annotations

import secrets
import threading
from typing import Final

from . import contract as c
from .aws_clients import client as aws_client
from .errors import error_code

#: Bytes of entropy of a generated key (stored as URL-safe base64 text, 64 characters).
KEY_BYTES: Final = 48
MIN_KEY_BYTES: Final = 32
#: The ClientRequestToken of the generated version (32-64 characters): one key per secret.
GENERATED_VERSION_TOKEN: Final = "dms-waiters-callback-signing-key-v1-00000000"  # noqa: S105

_lock = threading.Lock()
_cache: dict[str, bytes] = {}


def reset_cache() -> None:
    """Forget the cached keys (the next call reads the secret again)."""
    with _lock:
        _cache.clear()


def _read(secret_arn: str) -> bytes | None:
    try:
        response = aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)
    except Exception as exc:
        # A secret without a value: no key generated yet. (A missing secret is the same code;
        # then creating fails below, loudly.)
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    text = response.get("SecretString")
    key: bytes = text.encode("utf-8") if isinstance(text, str) else response["SecretBinary"]
    if len(key) < MIN_KEY_BYTES:
        raise RuntimeError(f"the signing key is shorter than {MIN_KEY_BYTES} bytes")
    return key


def _generate(secret_arn: str) -> None:
    try:
        aws_client("secretsmanager").put_secret_value(
            SecretId=secret_arn,
            ClientRequestToken=GENERATED_VERSION_TOKEN,
            SecretString=secrets.token_urlsafe(KEY_BYTES),
        )
    except Exception as exc:
        # Another container stored its key under the same token first: use that one.
        if error_code(exc) != "ResourceExistsException":
            raise


def signing_key(secret_arn: str, *, create: bool = False) -> bytes | None:
    """The key stored in ``secret_arn``; None if it has none and ``create`` is false."""
    if not secret_arn:
        raise RuntimeError(f"{c.ENV_SIGNING_SECRET_ARN} is not set")
    with _lock:
        cached = _cache.get(secret_arn)
        if cached is not None:
            return cached
        key = _read(secret_arn)
        if key is None and create:
            _generate(secret_arn)
            key = _read(secret_arn)
            if key is None:
                raise RuntimeError("the signing key was stored but cannot be read back")
        if key is not None:
            _cache[secret_arn] = key
        return key
