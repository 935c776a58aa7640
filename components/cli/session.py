"""The boto3 clients of one command run, from the standard credential chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CliError(Exception):
    """A problem reported as one line (``error: ...``) and the exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Aws:
    """Clients built on first use from one boto3 session (``profile``, ``region``) and, for
    every service, ``endpoint_url`` when given (a local emulator)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    _session: Any = None
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> Any:
        """The boto3 session (profile and region resolved by boto3's chain)."""
        if self._session is None:
            import boto3  # type: ignore[import-untyped]
            from botocore.exceptions import ProfileNotFound  # type: ignore[import-untyped]

            try:
                self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
            except ProfileNotFound as exc:
                raise CliError(str(exc)) from exc
        return self._session

    def client(self, service: str) -> Any:
        """The client for ``service`` (one per run)."""
        if service not in self._clients:
            from botocore.exceptions import NoRegionError

            try:
                self._clients[service] = self.session.client(
                    service, endpoint_url=self.endpoint_url
                )
            except NoRegionError as exc:
                raise CliError("no AWS region: pass --region or set AWS_REGION") from exc
        return self._clients[service]

    @property
    def region_name(self) -> str:
        """The region the clients talk to."""
        return str(self.session.region_name or self.region or "")
