"""The handler code the components deploy: where it lives, and the archive every function gets.

The handlers are the modules of ``dms_waiters.lambdas``: the repository's top-level ``lambdas/``
directory, mapped into the installed package by setuptools (``package-dir`` in
pyproject.toml), so the same module name, ``dms_waiters.lambdas.<module>``, is used by the
components, by the tests and inside every deployed archive (which holds
``dms_waiters/lambdas/**/*.py`` under a stub ``dms_waiters/__init__.py``: the Lambda runtime has
no Pulumi). The files are found with ``importlib.resources``, so a checkout (an editable
install) and site-packages work alike.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Final

import pulumi

#: The package holding the handler modules.
HANDLERS_PACKAGE: Final = "dms_waiters.lambdas"
#: Where the handler package sits inside a deployment archive (its import path).
ARCHIVE_PACKAGE_DIR: Final = HANDLERS_PACKAGE.replace(".", "/")
#: The top-level package of the archive, and the stub ``__init__`` it gets there: the real
#: ``dms_waiters/__init__.py`` imports Pulumi, which a Lambda function has not got.
ARCHIVE_TOP_PACKAGE: Final = HANDLERS_PACKAGE.partition(".")[0]
ARCHIVE_TOP_INIT: Final = (
    '"""dms-waiters handler code: this deployment package holds only dms_waiters.lambdas."""\n'
)


def handlers_dir() -> Path:
    """The directory holding the handler modules (``dms_status.py``, ...), as an absolute path.

    Found with ``importlib.resources``, so it is the copy this process actually imports:
    site-packages for an installed wheel, the repository's ``lambdas/`` for a checkout. Raises
    ``RuntimeError`` if the package is not a directory of real files (for example imported from
    a zip archive), since handler archives are built from files on disk.
    """
    resource = importlib.resources.files(HANDLERS_PACKAGE)
    directory = Path(str(resource)).resolve()
    if not isinstance(resource, Path) or not (directory / "__init__.py").is_file():
        raise RuntimeError(
            f"{HANDLERS_PACKAGE} is at {resource}, which is not a directory on disk; install "
            "dms-waiters unzipped so its handler files can be archived"
        )
    return directory


def handler_files() -> dict[str, Path]:
    """Every handler module by its path in the archive (``dms_waiters/lambdas/...``): the
    ``*.py`` files of ``handlers_dir()`` and its subpackages, never a ``__pycache__`` (which would
    change the code hash with every interpreter that ran the tests)."""
    root = handlers_dir()
    return {
        f"{ARCHIVE_PACKAGE_DIR}/{path.relative_to(root).as_posix()}": path
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.relative_to(root).parts
    }


def handler_assets() -> dict[str, pulumi.Asset]:
    """Every handler module by its path in the archive, and the stub ``dms_waiters/__init__.py``
    above them. The handler strings of ``lambdas/contract.py``
    (``dms_waiters.lambdas.handlers.starter.handler``, ...) are relative to the archive root."""
    assets: dict[str, pulumi.Asset] = {
        f"{ARCHIVE_TOP_PACKAGE}/__init__.py": pulumi.StringAsset(ARCHIVE_TOP_INIT)
    }
    for key, path in handler_files().items():
        assets[key] = pulumi.FileAsset(str(path))
    return assets


def handler_archive() -> pulumi.AssetArchive:
    """The deployment package of every function but a user's: the handler modules."""
    return pulumi.AssetArchive(dict(handler_assets()))
