"""Where the handler code the components deploy lives, wherever the package is installed.

The handlers are the modules of ``dms_waiters.lambdas``: the repository's top-level ``lambdas/``
directory, mapped into the installed package by setuptools (``package-dir`` in
pyproject.toml), so the same module name, ``dms_waiters.lambdas.<module>``, is used by the
components, by the tests and inside every deployed archive (which holds
``dms_waiters/lambdas/*.py`` under a stub ``dms_waiters/__init__.py``: the Lambda runtime has
no Pulumi). The files are found with ``importlib.resources``, so a checkout (an editable
install) and site-packages work alike.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Final

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
