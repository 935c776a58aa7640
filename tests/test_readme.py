"""The README and the docs stay true: the README's commands are what CI runs, its example
builds, its measured table is what the demo measures; the docs' examples are passing tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
GUIDE = (ROOT / "docs" / "guide.md").read_text()
TESTING = (ROOT / "docs" / "testing.md").read_text()
LANGUAGES = (ROOT / "docs" / "languages.md").read_text()


def test_the_readme_is_short_and_links_every_doc() -> None:
    assert len(README.splitlines()) <= 200
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{doc.name})" in README, doc.name


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^\./dev (\w+)", README, flags=re.MULTILINE)
    assert commands[:2] == ["demo", "test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\./dev test\b", ci, flags=re.MULTILINE)


def test_the_testing_doc_example_is_the_tested_file() -> None:
    marker = "This is `tests/test_readme_example.py`:"
    block = TESTING.split(marker, 1)[1].split("```python\n", 1)[1].split("\n```", 1)[0]
    assert block.strip() == (ROOT / "tests" / "test_readme_example.py").read_text().strip()


def _section(text: str, heading: str) -> str:
    """The text from ``heading`` to the next heading of any level."""
    start = text.index(f"\n{heading}\n")
    rest = text[start + len(heading) + 2 :]
    match = re.search(r"^#{1,6} ", rest, flags=re.MULTILINE)
    return rest if match is None else rest[: match.start()]


def test_readme_marks_the_callback_pattern_available() -> None:
    from dms_waiters.stack import PATTERNS

    row = next(line for line in README.splitlines() if "| Event-driven callback |" in line)
    assert row.endswith("| `callback` | available |")
    assert "callback" in PATTERNS
    assert "pattern: callback" in _section(GUIDE, "## The stack program and its config")


def test_the_local_cloud_doc_documents_every_demo_option() -> None:
    from bench.demo import parse_args

    # The options the demo accepts: every attribute of its parsed defaults, as its flag.
    options = {"--" + dest.replace("_", "-") for dest in vars(parse_args([]))}
    assert {"--hours", "--chart", "--config"} <= options
    local_cloud = (ROOT / "docs" / "local-cloud.md").read_text()
    for option in options:
        assert f"`{option}" in local_cloud, option


def test_readme_durable_patterns_are_stack_patterns() -> None:
    from dms_waiters.stack import PATTERNS

    row = next(line for line in README.splitlines() if "| Lambda durable function |" in line)
    assert "| `durable-poll`, `durable-callback` | available" in row
    assert {"durable-poll", "durable-callback"} <= set(PATTERNS)


def test_the_guide_batch_example_runs(tmp_path: Path) -> None:
    import json

    from aws_durable_execution_sdk_python.lambda_service import InvocationStatus
    from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

    marker = "here `etl-code/etl.py`:\n\n```python\n"
    source = GUIDE.split(marker, 1)[1].split("\n```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(source, str(tmp_path / "etl.py"), "exec"), namespace)
    with DurableFunctionTestRunner(namespace["handler"], skip_time=True) as runner:
        result = runner.run(input=json.dumps({"days": ["d1", "d2", "d3"]}), execution_timeout=60)
    assert result.status is InvocationStatus.SUCCEEDED, result.error
    assert json.loads(result.result or "")["items"] == 3


def _block(language: str, after: str, text: str = LANGUAGES) -> str:
    return text.split(after, 1)[1].split(f"```{language}\n", 1)[1].split("\n```", 1)[0]


MULTI_LANGUAGE = "# From TypeScript, YAML and every other Pulumi language"


def test_the_multi_language_programs_use_the_schemas_names() -> None:
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


def test_the_readme_example_builds_what_it_says() -> None:
    from dms_waiters.testing import run_program

    source = _block("python", "## Example", README)

    def program() -> None:
        exec(compile(source, "README example", "exec"), {})

    mocks = run_program(program)
    machines = mocks.created("aws:sfn/stateMachine:StateMachine")
    assert sorted(m.physical_name.rsplit("-", 1)[0] for m in machines) == [
        "audit-load-state-machine",
        "customers-cdc-state-machine",
        "orders-load-state-machine",
    ]
    # One shared hub: one waiter table, one DMS event rule.
    assert len(mocks.created("aws:dynamodb/table:Table")) == 1
    assert len(mocks.created("aws:cloudwatch/eventRule:EventRule")) == 2  # events + reconciler


def _readme_cost_rows() -> dict[str, list[str]]:
    table = README.split("| pattern | state transitions |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_the_readme_cost_table_is_what_the_demo_measures() -> None:
    from tests.test_demo import rows, run_demo

    measured = {cells[1]: cells[3:] for cells in rows(run_demo()).values()}
    table = _readme_cost_rows()
    assert set(table) == {"polling", "callback", "durable-poll", "durable-callback"}
    for pattern, figures in table.items():
        assert figures == measured[pattern], pattern
