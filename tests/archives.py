"""Unpack a Pulumi ``AssetArchive`` the way Lambda unpacks a deployment package, and run Python
there as Lambda would (the archive root on ``sys.path``, nothing of this environment's path)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pulumi


def extract(archive: pulumi.AssetArchive, target: Path) -> list[str]:
    """Write the archive's members (file or string assets) under ``target``; their keys."""
    for key, asset in archive.assets.items():
        destination = target / key
        destination.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(asset, pulumi.StringAsset):
            destination.write_text(asset.text)
        else:
            assert isinstance(asset, pulumi.FileAsset), key
            shutil.copyfile(asset.path, destination)
    return sorted(archive.assets)


def run_in(directory: Path, probe: str) -> str:
    """Run ``probe`` in a fresh interpreter in ``directory`` (no ``PYTHON*`` variables, so only
    the directory and the standard library are importable first); its standard output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
