"""The stack program: one DMS waiter per task listed in the stack config.

Reads ``dms-waiters:tasks`` (see Pulumi.example.yaml and components/stack.py for the format),
creates one component per task with the pattern it names and exports each task's outputs.
"""

import pulumi

from components.stack import build_stack, stack_outputs

tasks = pulumi.Config().require_object("tasks")
for task_name, outputs in stack_outputs(tasks, build_stack(tasks)).items():
    pulumi.export(task_name, outputs)
