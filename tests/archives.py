"""Unpack a Pulumi ``AssetArchive`` the way Lambda unpacks a deployment package."""

from __future__ import annotations

import shutil
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
