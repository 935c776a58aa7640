"""Lambda durable function that waits for one DMS replication task (``WAIT_MODE`` poll|callback).

The entry point only: it reads the configuration (``durable_waiter.config``) and the event's
start type override (``{"start_type": ...}``, validated as the starter does), then waits in the
configured mode (``durable_waiter.poll``, ``durable_waiter.callback``). See the
``durable_waiter`` package for the replay rules, the output and the errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from .. import contract as c
from ..durable_waiter.callback import wait_callback
from ..durable_waiter.config import DurableWaiterConfig
from ..durable_waiter.poll import wait_polling
from ..payload import requested_start_type
from ..task_settings import effective_start_type


def wait_for_task(event: Any, context: DurableContext, env: Mapping[str, str]) -> Any:
    """The handler's body, with the environment passed in (tests call it with their own)."""
    config = DurableWaiterConfig.from_env(env)
    start_type = effective_start_type(config.start_type, requested_start_type(event))
    if config.mode == c.WAIT_MODE_CALLBACK:
        return wait_callback(context, config, start_type)
    return wait_polling(context, config, start_type)


@durable_execution
def handler(event: Any, context: DurableContext) -> Any:
    """Lambda entry point (``contract.DURABLE_WAITER_HANDLER``)."""
    return wait_for_task(event, context, os.environ)
