"""The README stays true: its commands are what CI runs, its example is a passing test."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^\./dev (\w+)", README, flags=re.MULTILINE)
    assert commands[:2] == ["demo", "test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\./dev test\b", ci, flags=re.MULTILINE)


def test_readme_unit_test_example_is_the_tested_file() -> None:
    marker = "This is `tests/test_readme_example.py`:"
    block = README.split(marker, 1)[1].split("```python\n", 1)[1].split("\n```", 1)[0]
    assert block.strip() == (ROOT / "tests" / "test_readme_example.py").read_text().strip()


def _section(heading: str) -> str:
    """The README text from ``heading`` to the next heading of any level."""
    start = README.index(f"\n{heading}\n")
    rest = README[start + len(heading) + 2 :]
    match = re.search(r"^#{1,6} ", rest, flags=re.MULTILINE)
    return rest if match is None else rest[: match.start()]


def _table_arguments(heading: str) -> list[str]:
    return re.findall(r"^\| `(\w+)` \|", _section(heading), flags=re.MULTILINE)


def test_readme_lists_every_polling_argument() -> None:
    from dms_waiters import DmsPollingWorkflowArgs

    for argument in DmsPollingWorkflowArgs.__annotations__:
        assert f"| `{argument}` |" in README, argument
    assert _table_arguments("### `DmsPollingWorkflow` arguments") == list(
        DmsPollingWorkflowArgs.__annotations__
    )


def test_readme_lists_every_callback_argument() -> None:
    from dms_waiters import DmsCallbackWorkflowArgs

    assert _table_arguments("### `DmsCallbackWorkflow` arguments") == list(
        DmsCallbackWorkflowArgs.__annotations__
    )


def test_readme_lists_every_event_hub_argument() -> None:
    from dms_waiters import DmsEventHubArgs

    assert _table_arguments("### `DmsEventHub` arguments") == list(DmsEventHubArgs.__annotations__)


def test_readme_marks_the_callback_pattern_available() -> None:
    from dms_waiters.stack import PATTERNS

    row = next(line for line in README.splitlines() if "| Event-driven callback |" in line)
    assert row.endswith("| `callback` | available |")
    assert "callback" in PATTERNS
    assert "pattern: callback" in _section("## The stack program and its config")


def test_the_local_cloud_doc_documents_every_demo_option() -> None:
    from bench.demo import parse_args

    # The options the demo accepts: every attribute of its parsed defaults, as its flag.
    options = {"--" + dest.replace("_", "-") for dest in vars(parse_args([]))}
    assert {"--hours", "--chart", "--config"} <= options
    local_cloud = (ROOT / "docs" / "local-cloud.md").read_text()
    for option in options:
        assert f"`{option}" in local_cloud, option


def test_readme_lists_every_callback_url_argument() -> None:
    from dms_waiters import CallbackUrlWorkflowArgs

    heading = "### `CallbackUrlWorkflow`: any third-party job that only accepts a callback URL"
    assert _table_arguments(heading) == list(CallbackUrlWorkflowArgs.__annotations__)


def test_readme_lists_every_durable_argument() -> None:
    from dms_waiters import DmsDurableWorkflowArgs

    assert _table_arguments("### `DmsDurableWorkflow` arguments") == list(
        DmsDurableWorkflowArgs.__annotations__
    )


def test_readme_lists_every_durable_batch_argument() -> None:
    from dms_waiters import DurableBatchWorkflowArgs

    assert _table_arguments("### `DurableBatchWorkflow` arguments") == list(
        DurableBatchWorkflowArgs.__annotations__
    )


def test_readme_durable_patterns_are_stack_patterns() -> None:
    from dms_waiters.stack import PATTERNS

    row = next(line for line in README.splitlines() if "| Lambda durable function |" in line)
    assert "| `durable-poll`, `durable-callback` | available" in row
    assert {"durable-poll", "durable-callback"} <= set(PATTERNS)


def test_readme_batch_example_runs(tmp_path: Path) -> None:
    import json

    from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
    from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

    marker = "here `etl-code/etl.py`:\n\n```python\n"
    source = README.split(marker, 1)[1].split("\n```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(source, str(tmp_path / "etl.py"), "exec"), namespace)
    with DurableFunctionTestRunner(namespace["handler"], skip_time=True) as runner:
        result = runner.run(input=json.dumps({"days": ["d1", "d2", "d3"]}), execution_timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result or "")["items"] == 3


def _block(language: str, after: str) -> str:
    return README.split(after, 1)[1].split(f"```{language}\n", 1)[1].split("\n```", 1)[0]


MULTI_LANGUAGE = "## From TypeScript, YAML and every other Pulumi language"


def test_readme_multi_language_programs_use_the_schemas_names() -> None:
    import yaml

    schema = json.loads((ROOT / "provider" / "schema.json").read_text())
    resources = schema["resources"]
    assert "pulumi package add /path/to/dms-waiters/provider" in _block("bash", MULTI_LANGUAGE)

    program = yaml.safe_load(_block("yaml", MULTI_LANGUAGE))
    for resource in program["resources"].values():
        inputs = resources[resource["type"]]["inputProperties"]
        assert set(resource["properties"]) <= set(inputs), resource["type"]
    assert program["resources"]["ordersLoad"]["properties"]["hub"] == "${hub.reference}"
    assert program["resources"]["ordersLoad"]["properties"]["startType"] in {
        e["value"] for e in schema["types"]["dms-waiters:index:StartType"]["enum"]
    }

    typescript = _block("typescript", MULTI_LANGUAGE)
    constructed = re.findall(r"new dms\.(\w+)\(\"[\w-]+\", \{(.*?)\}\);", typescript, re.DOTALL)
    assert [c for c, _ in constructed] == [
        "DmsEventHub",
        "DmsCallbackWorkflow",
        "DmsDurableWorkflow",
    ]
    for component, body in constructed:
        keys = re.findall(r"^\s*(\w+):|\{ (\w+):", body, re.MULTILINE)
        names = {k for pair in keys for k in pair if k}
        assert names <= set(resources[f"dms-waiters:index:{component}"]["inputProperties"])
    assert typescript.count("hub: hub.reference") == 2
