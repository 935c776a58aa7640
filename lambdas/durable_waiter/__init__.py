"""The durable waiter: one Lambda durable function that waits for one DMS replication task.

The entry point is ``handlers.durable_waiter`` (``contract.DURABLE_WAITER_HANDLER``); this
package is what it runs, one module per job:

* ``config``: the configuration the component sets in the environment;
* ``operations``: the operation names (the replay contract) and the step retry policy;
* ``named_errors``: how a named error crosses an operation (its name as a message prefix);
* ``task_state``: the task facts kept in checkpoints, and the output and cause built from them;
* ``start``: resolving ``auto`` and starting the task, errors raised by name;
* ``poll``: poll mode (``wait_for_condition`` with backoff and a deadline);
* ``callback``: callback mode (``wait_for_callback`` completed by the hub).

The handler is replayed from the top on every invocation, so the code outside operations is
deterministic (environment, event, checkpointed results); every side effect runs in a named
operation whose result is checkpointed. Success returns ``{replication_task_arn, status,
stop_reason, stats}`` like every pattern; failures raise the shared error names (``errors``).

``clock`` is the deadline clock seam: the poll check reads it inside an operation (so replays
stay deterministic), and tests and the local cloud point it at virtual time.
"""

import time
from collections.abc import Callable

#: The clock of the poll check's deadline (unix seconds); tests and the local cloud replace it.
clock: Callable[[], float] = time.time

__all__ = ["clock"]
