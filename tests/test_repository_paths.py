"""House rules of the repository's layout: everything a user needs lives in the repository (no file
cites a path outside it), and the local cloud stays in small modules a newcomer can read."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Paths of this machine's workspace or of sibling folders that a clone does not have.
THIS = Path(__file__).relative_to(ROOT).as_posix()  # the patterns below name those paths
OUTSIDE = re.compile(r"/work/|\.\./shared|\bshared/docs\b|/\.library\b")
#: The most lines a module of the local cloud may have: a larger one is split by what it holds.
LOCALCLOUD_MODULE_MAX_LINES = 500


def test_no_tracked_file_cites_a_path_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if name == THIS or path.suffix in {".png", ".zip"} or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        offenders += [f"{name}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_no_localcloud_module_is_over_the_line_limit() -> None:
    modules = sorted((ROOT / "localcloud").rglob("*.py"))
    assert modules, "no localcloud modules found"
    too_long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in modules
        if (lines := len(path.read_text().splitlines())) > LOCALCLOUD_MODULE_MAX_LINES
    }
    assert too_long == {}, f"split these modules (at most {LOCALCLOUD_MODULE_MAX_LINES} lines)"
