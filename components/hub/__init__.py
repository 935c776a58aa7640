"""The hub the event-driven patterns share: ``DmsEventHub`` and how a workflow uses one.

* ``event_hub``: the ``DmsEventHub`` component (waiter table, DMS event rule, resume and
  reconciler Lambdas, the callback URL endpoint, alarms);
* ``reference``: ``DmsEventHubReference``, a hub in a form every Pulumi language can pass;
* ``sharing``: the rules of a workflow that waits through a hub (``hub`` or ``hub_args``, the
  default heartbeat, the endpoint check).
"""

from .event_hub import DmsEventHub, DmsEventHubArgs
from .reference import DmsEventHubReference

__all__ = ["DmsEventHub", "DmsEventHubArgs", "DmsEventHubReference"]
