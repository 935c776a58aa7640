"""The stack program: one DMS waiter per task listed in the stack config.

Reads ``dms-waiters:tasks`` (see Pulumi.example.yaml and components/stack.py for the format),
creates one component per task with the pattern it names and exports each task's outputs (and
the shared event hub's, under ``dms-events``, when a task uses the callback or durable-callback
pattern). The optional ``dms-waiters:hub`` configures that hub.
"""

import pulumi

from dms_waiters.stack import build_stack, stack_outputs

config = pulumi.Config()
tasks = config.require_object("tasks")
components = build_stack(tasks, config.get_object("hub"))
for export_name, outputs in stack_outputs(tasks, components).items():
    pulumi.export(export_name, outputs)
