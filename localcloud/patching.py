"""The one registry every adaptation of moto goes through: install, record, undo.

moto is pinned (requirements-dev.txt) because the patches reach into its internals. A patch is
a function of one ``Patcher`` decorated with ``@patch(service)``; its docstring says what AWS
does, what moto does and what the patch changes (``AWS:`` / ``moto:`` / ``Patch:``), and a
canary under ``tests/localcloud/canaries/`` fails when a moto upgrade moves what it relies on.
The patch only *makes* changes through the ``Patcher`` (``replace``, ``swap_global``,
``set_items``), which records how to undo each one, so no patch writes its own undo code:
``PatchRegistry.revert_all`` undoes every change in reverse order.

Patches are installed once per process; they read the active cloud's services
(``localcloud.active``) at call time, so one installation serves successive clouds.
"""

from __future__ import annotations

import inspect
import threading
import types
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

_MISSING = object()


class Patcher:
    """Makes one patch's changes and remembers how to undo each of them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._undos: list[Callable[[], None]] = []

    def fail(self, what: str) -> AttributeError:
        """The error a patch raises when moto no longer has what it relies on."""
        return AttributeError(f"patch {self.name!r}: {what} (did moto change?)")

    def require(self, condition: object, what: str) -> None:
        """Raise ``fail(what)`` unless ``condition`` holds (a check before changing anything)."""
        if not condition:
            raise self.fail(what)

    def replace(self, owner: Any, attr: str, new: Any) -> None:
        """``owner.attr = new``; the function is tagged ``__localcloud_patch__`` = the name."""
        self.require(hasattr(owner, attr), f"{owner!r} has no attribute {attr!r}")
        own = vars(owner)
        old = own.get(attr, _MISSING)
        target: Any = new.__func__ if isinstance(new, staticmethod) else new
        if callable(target):
            target.__localcloud_patch__ = self.name
        setattr(owner, attr, new)
        if old is _MISSING:
            self._undos.append(lambda: delattr(owner, attr))
        else:
            self._undos.append(lambda: setattr(owner, attr, old))

    def swap_global(
        self, module: types.ModuleType, name: str, expected: Any, replacement: Any
    ) -> None:
        """Replace a module-level name moto imported (``time``, ``random``...)."""
        self.require(
            getattr(module, name, None) is expected,
            f"{module.__name__}.{name} is no longer {expected!r}",
        )
        if callable(replacement) and not isinstance(replacement, types.ModuleType):
            replacement.__localcloud_patch__ = self.name
        setattr(module, name, replacement)
        self._undos.append(lambda: setattr(module, name, expected))

    def set_items(self, mapping: MutableMapping[str, Any], items: dict[str, Any]) -> None:
        """Add or change entries of a mapping moto keeps (a lookup table)."""
        saved = {key: mapping.get(key, _MISSING) for key in items}
        mapping.update(items)

        def undo() -> None:
            for key, old in saved.items():
                if old is _MISSING:
                    mapping.pop(key, None)
                else:
                    mapping[key] = old

        self._undos.append(undo)

    def undo(self) -> None:
        """Undo every change, the last first."""
        while self._undos:
            self._undos.pop()()


@dataclass(frozen=True)
class Patch:
    """One adaptation of moto: its name, the AWS service it adapts and its installer."""

    name: str
    service: str
    install: Callable[[Patcher], None]

    @property
    def doc(self) -> str:
        """The installer's docstring: AWS does / moto does / the patch changes."""
        return inspect.getdoc(self.install) or ""


def patch(service: str) -> Callable[[Callable[[Patcher], None]], Patch]:
    """Declare the decorated installer a patch of ``service`` (named after the function)."""

    def declare(install: Callable[[Patcher], None]) -> Patch:
        return Patch(install.__name__, service, install)

    return declare


class PatchRegistry:
    """The patches in installation order, installed once each and undone together.

    Order matters where a patch wraps another one's replacement (it must come after it).
    """

    def __init__(self, patches: Sequence[Patch]) -> None:
        names = [p.name for p in patches]
        if len(set(names)) != len(names):
            raise ValueError(f"two patches share a name: {names}")
        self.patches: tuple[Patch, ...] = tuple(patches)
        self.lock = threading.RLock()
        self._installed: dict[str, Patcher] = {}

    def apply_all(self) -> None:
        """Install every patch not installed yet; a failure undoes the failed patch's part."""
        with self.lock:
            for p in self.patches:
                if p.name in self._installed:
                    continue
                patcher = Patcher(p.name)
                try:
                    p.install(patcher)
                except BaseException:
                    patcher.undo()
                    raise
                self._installed[p.name] = patcher

    def revert_all(self) -> None:
        """Undo every installed patch, the last installed first."""
        with self.lock:
            for name in reversed(list(self._installed)):
                self._installed.pop(name).undo()

    def applied(self) -> list[str]:
        """Names of the patches installed, in installation order."""
        with self.lock:
            return list(self._installed)

    def __iter__(self) -> Iterator[Patch]:
        return iter(self.patches)
