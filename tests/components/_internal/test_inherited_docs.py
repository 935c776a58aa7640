"""``inherited_docs``: Pulumi's analyzer describes the fields a component inherits.

Without it the shared arguments and outputs (``shared_args``, ``shared_outputs``) would reach
the plugin's schema undescribed (``test_provider_schema`` checks every property is described).
"""

import inspect
from typing import Any, Required, TypedDict

import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from dms_waiters import (
    DmsCallbackWorkflowArgs,
    DmsDurableWorkflow,
    DmsPollingWorkflow,
    DmsPollingWorkflowArgs,
    DurableBatchWorkflowArgs,
)
from dms_waiters._internal import inherited_docs
from dms_waiters._internal.shared_args import (
    DurableFunctionArgs,
    ExecutionDeadlineArgs,
    ExecutionLogArgs,
    ScheduledArgs,
    TagsArgs,
    WaitedTaskArgs,
)
from dms_waiters._internal.shared_outputs import StateMachineOutputs, WaiterOutputs
from tests.provider_host import plugin_call

TASK_ARN_DOC = "ARN of the DMS replication task to start and wait for (required)."
ROLE_ARN_DOC = (
    "ARN of the execution role of the workflow's state machine, or of its durable function."
)


class _Base(TypedDict, total=False):
    shared: int
    """Described once, in the base."""
    overridden: int
    """The base's words."""


class _Child(_Base, total=False):
    own: Required[str]
    """The child's own field."""
    overridden: int
    """The child's words."""


def _pulumis_own() -> Any:
    """Pulumi's ``get_docstring`` as it is without ``install()`` (which may have run already)."""
    return inspect.unwrap(Analyzer.get_docstring)


def test_a_typed_dicts_bases_are_read_from_its_class_statement() -> None:
    assert inherited_docs.typed_dict_bases(_Child) == (_Base,)
    assert inherited_docs.typed_dict_bases(DmsPollingWorkflowArgs) == (
        WaitedTaskArgs,
        ExecutionDeadlineArgs,
        ExecutionLogArgs,
        TagsArgs,
        ScheduledArgs,
    )
    assert DurableFunctionArgs in list(inherited_docs.inherited_from(DurableBatchWorkflowArgs))


def test_a_components_bases_are_its_mro_without_pulumis_and_pythons() -> None:
    bases = list(inherited_docs.inherited_from(DmsPollingWorkflow))
    assert StateMachineOutputs in bases and WaiterOutputs in bases
    assert all(not b.__module__.startswith(("pulumi", "builtins")) for b in bases)


@pytest.mark.parametrize(
    ("typ", "name", "expected"),
    [
        (DmsCallbackWorkflowArgs, "replication_task_arn", TASK_ARN_DOC),
        (DmsDurableWorkflow, "role_arn", ROLE_ARN_DOC),
        (_Child, "shared", "Described once, in the base."),
    ],
)
def test_pulumis_lookup_misses_an_inherited_field_and_the_fallback_finds_it(
    typ: type, name: str, expected: str
) -> None:
    original = _pulumis_own()
    assert original(Analyzer("p"), typ, name) is None
    assert inherited_docs.with_inherited(original)(Analyzer("p"), typ, name) == expected


def test_a_field_the_class_declares_itself_keeps_its_own_description() -> None:
    lookup = inherited_docs.with_inherited(_pulumis_own())
    assert lookup(Analyzer("p"), _Child, "overridden") == "The child's words."
    assert lookup(Analyzer("p"), _Child, "own") == "The child's own field."
    assert lookup(Analyzer("p"), _Child, "missing") is None


def test_the_plugin_entry_installs_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Analyzer, "get_docstring", _pulumis_own())
    plugin_call()
    installed = Analyzer.get_docstring
    assert getattr(installed, "_dms_waiters_inherited_docs", False)
    assert inherited_docs.install() is True
    assert Analyzer.get_docstring is installed


def test_pulumis_behaviour_stays_when_its_internals_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    def other(self: Any, cls: type, field: str, extra: int = 0) -> str | None:
        return None

    monkeypatch.setattr(Analyzer, "get_docstring", other)
    assert inherited_docs.install() is False
    assert Analyzer.get_docstring is other
    monkeypatch.delattr(Analyzer, "get_docstring")
    assert inherited_docs.install() is False
