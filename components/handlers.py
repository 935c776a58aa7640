"""Where the handler code the components deploy lives, wherever the package is installed.

The handlers are the modules of the ``components.lambdas`` package. In the repository that
package is the top-level ``lambdas/`` directory (``components/lambdas`` is a symlink to it); in
an installed wheel it is a real directory inside ``components``. Components build their handler
archives from ``handlers_dir()`` so they work from a checkout and from site-packages alike.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Final

#: The package holding the handler modules.
HANDLERS_PACKAGE: Final = "components.lambdas"


def handlers_dir() -> Path:
    """The directory holding the handler modules (``dms_status.py``, ...), as an absolute path.

    Found from the imported ``components.lambdas`` package, so it is the copy this process
    actually runs: site-packages for an installed wheel, the repository's ``lambdas/`` for a
    checkout (symlinks are resolved). Raises ``RuntimeError`` if the package is not a directory
    of real files (for example imported from a zip archive), since handler archives are built
    from files on disk.
    """
    package = importlib.import_module(HANDLERS_PACKAGE)
    init_file = getattr(package, "__file__", None)
    if not init_file:
        raise RuntimeError(f"{HANDLERS_PACKAGE} has no __file__; is it installed correctly?")
    directory = Path(init_file).resolve().parent
    if not directory.is_dir():
        raise RuntimeError(
            f"{HANDLERS_PACKAGE} was imported from {init_file}, which is not a directory on "
            "disk; install the package unzipped so its handler files can be archived"
        )
    return directory
