"""Plain-text tables and JSON for the command's answers (standard library only)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .waits import jsonable


def as_json(value: Any) -> str:
    """Indented JSON, datetimes as ISO 8601."""
    return json.dumps(jsonable(value), indent=2, sort_keys=True)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """``rows`` as aligned columns; ``columns`` are (key, heading) pairs."""
    cells = [[heading for _, heading in columns]]
    cells += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def age(seconds: int) -> str:
    """``1d 02h``, ``3h 05m``, ``4m 10s``."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


WAIT_COLUMNS = (
    ("replication_task_arn", "TASK"),
    ("workflow", "WORKFLOW"),
    ("execution", "EXECUTION"),
    ("kind", "KIND"),
    ("age", "AGE"),
    ("last_heartbeat_at", "LAST HEARTBEAT"),
    ("expires_at", "EXPIRES"),
)


def waits(rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``waits`` table."""
    if not rows:
        return "no wait in flight"
    shown = [{**row, "age": age(int(row["age_seconds"]))} for row in rows]
    return table(shown, WAIT_COLUMNS)


def sides(answer: Mapping[str, Any]) -> str:
    """The ``status`` answer: the waiter, the workflow and DMS, one block each."""
    lines = [f"task: {answer['replication_task_arn']}"]
    for title in ("waiter", "workflow", "dms"):
        part = answer.get(title)
        lines.append(f"{title}:")
        if part is None:
            lines.append("  none")
            continue
        width = max(len(k) for k in part)
        lines += [f"  {k.ljust(width)}  {_cell(jsonable(v))}" for k, v in part.items()]
    return "\n".join(lines)
