"""Pure builders of the other documents the components deploy, no Pulumi.

``iam_policies`` (every policy and trust document), ``event_patterns`` (the hub's EventBridge
rules) and ``partitions`` (ARNs by partition, and what a partition lacks).
"""
