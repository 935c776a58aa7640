"""Fixtures for the end-to-end tests: every test runs in its own local cloud.

Every test here runs a whole migration through real definitions and real handler code, so all
of them are marked ``slow``: ``./dev test`` leaves them to ``./dev test --all`` and CI runs them
(``./dev test -m slow``). ``tests/localcloud/test_deploy.py`` keeps one end-to-end run of the
stack program in the fast set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud import LocalCloud


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this folder's tests slow (the hook sees every item: only this folder's)."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """A fresh local cloud (moto, virtual clock, patches, DMS simulator) for one test."""
    with LocalCloud() as active:
        yield active
