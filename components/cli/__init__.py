"""``dms-waiters``: the operator's command for a deployed hub (``dms_waiters.cli``).

``waits`` lists the in-flight waits, ``status`` sets one wait beside its workflow and DMS,
``reconcile`` runs the hub's reconciler now, ``release`` fails one waiting workflow on purpose
(``DmsWaitReleased``) and ``doctor`` checks the hub's wiring. Every command takes the waiter
table's name (``--hub``) and finds the rest of the hub from it (``hub.find_hub``); AWS is
reached through boto3's standard credential chain (``--profile``, ``--region``,
``--endpoint-url``). docs/operations.md is the manual.

Modules: ``app`` (arguments, exit codes, one-line errors), ``session`` (the boto3 clients),
``hub`` (finding a hub's resources), ``waits`` (the waits, one wait's status, release),
``doctor`` (the checks), ``render`` (tables and JSON).
"""

from .app import main

__all__ = ["main"]
