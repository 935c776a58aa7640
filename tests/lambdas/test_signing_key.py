"""``lambdas.signing_key``: the callback URL key, generated into Secrets Manager on first use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from dms_waiters.lambdas import aws_clients, signing_key
from tests.lambdas.fakes import REGION


@pytest.fixture
def secrets_client(boto_clients: dict[str, Any]) -> Iterator[Any]:
    with mock_aws():
        client = boto_clients["secretsmanager"]
        aws_clients.set_client("secretsmanager", client)
        signing_key.reset_cache()
        yield client
        signing_key.reset_cache()


def empty_secret(client: Any) -> str:
    """A secret as the hub creates it: no value."""
    return str(client.create_secret(Name="callback-signing-key")["ARN"])


def test_verifying_side_never_creates_a_key(secrets_client: Any) -> None:
    arn = empty_secret(secrets_client)
    assert signing_key.signing_key(arn) is None
    assert "VersionIdsToStages" not in secrets_client.describe_secret(SecretId=arn)


def test_first_signer_generates_and_stores_a_random_key(secrets_client: Any) -> None:
    arn = empty_secret(secrets_client)
    key = signing_key.signing_key(arn, create=True)
    assert key is not None and len(key) >= signing_key.MIN_KEY_BYTES
    stored = secrets_client.get_secret_value(SecretId=arn)
    assert stored["SecretString"].encode() == key
    assert stored["VersionId"] == signing_key.GENERATED_VERSION_TOKEN
    # Cached, and the verifying side now reads the same key.
    signing_key.reset_cache()
    assert signing_key.signing_key(arn) == key
    # A second secret gets a different key.
    other = str(secrets_client.create_secret(Name="other")["ARN"])
    assert signing_key.signing_key(other, create=True) != key


def test_a_lost_race_uses_the_winners_key(secrets_client: Any) -> None:
    arn = empty_secret(secrets_client)

    class RacingClient:
        """Another container stores its key between our read and our write."""

        def get_secret_value(self, **kwargs: Any) -> Any:
            return secrets_client.get_secret_value(**kwargs)

        def put_secret_value(self, **kwargs: Any) -> Any:
            secrets_client.put_secret_value(**{**kwargs, "SecretString": "w" * 64})
            return secrets_client.put_secret_value(**kwargs)  # ResourceExistsException

    aws_clients.set_client("secretsmanager", RacingClient())
    assert signing_key.signing_key(arn, create=True) == b"w" * 64


def test_existing_key_is_used_and_short_keys_are_refused(secrets_client: Any) -> None:
    arn = str(secrets_client.create_secret(Name="given", SecretString="g" * 40)["ARN"])
    assert signing_key.signing_key(arn, create=True) == b"g" * 40
    short = str(secrets_client.create_secret(Name="short", SecretString="s" * 31)["ARN"])
    with pytest.raises(RuntimeError, match="shorter than 32"):
        signing_key.signing_key(short, create=True)


def test_a_missing_secret_fails_loudly(secrets_client: Any) -> None:
    gone = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:gone-AbCdEf"
    assert signing_key.signing_key(gone) is None
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        signing_key.signing_key(gone, create=True)
    with pytest.raises(RuntimeError, match="SIGNING_SECRET_ARN"):
        signing_key.signing_key("")
