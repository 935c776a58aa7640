"""``DmsWaitersComponent``: what every component registers the same way, whatever it creates."""

from typing import Final

import pulumi

from ..arguments import ArgChecker

#: The package every component's type token belongs to, as the plugin (``provider/``) serves it.
PACKAGE: Final = "dms-waiters"


def type_token(component: str) -> str:
    """The type token of ``component`` (its class name): ``dms-waiters:index:<component>``, the
    token Pulumi's analyzer gives the class in the plugin's schema."""
    return f"{PACKAGE}:index:{component}"


class DmsWaitersComponent(pulumi.ComponentResource):
    """Base of every component: registers it under ``type_token(component)`` and keeps the
    ``ArgChecker`` naming this instance in its argument errors.

    No annotations here: Pulumi's analyzer would take them for outputs of every component.
    """

    def __init__(
        self, component: str, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token(component), name, {}, opts)
        self._check = ArgChecker(component, name)
