"""Named errors across operations: the SDK keeps only the message of an error that crosses
``wait_for_callback``'s child context, so inside an operation an error is raised with its name as a
message prefix (``"DmsStartFailed: ..."``) and the handler re-raises the named class from it."""

from __future__ import annotations

from typing import NoReturn

from ..errors import NAMED_ERRORS, HandlerError


def tagged(cls: type[HandlerError], message: str) -> HandlerError:
    """``cls`` with its name as the message prefix, to be raised inside an operation."""
    return cls(f"{cls.error_name}: {message}")


def untag(text: str | None) -> tuple[type[HandlerError] | None, str]:
    """The named error class and the rest of a tagged message; (None, text) if untagged."""
    text = text or ""
    name, sep, rest = text.partition(": ")
    cls = NAMED_ERRORS.get(name) if sep else None
    return (cls, rest) if cls is not None else (None, text)


def raise_named(error: BaseException, message: str | None, default: type[HandlerError]) -> NoReturn:
    """Raise the named error ``message`` carries (``default`` when untagged), from ``error``."""
    cls, rest = untag(message)
    raise (cls or default)(rest) from error
