"""Fixtures for the end-to-end tests: every test runs in its own local cloud."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud import LocalCloud


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """A fresh local cloud (moto, virtual clock, patches, DMS simulator) for one test."""
    with LocalCloud() as active:
        yield active
