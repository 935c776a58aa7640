"""A replication task created through the DMS API alone (CreateReplicationTask), as a user
creates one: made-up endpoint and instance ARNs (moto does not look them up) and every table
selected. ``LocalCloud.create_replication_task`` hands such a task to the simulator."""

from __future__ import annotations

import json
from typing import Any

from .scenario import ALL_TABLES


def create_task(
    dms_client: Any, region: str, account: str, identifier: str, migration_type: str = "full-load"
) -> str:
    """Create task ``identifier`` with ``dms_client`` (boto3); return its ARN."""
    prefix = f"arn:aws:dms:{region}:{account}"
    response = dms_client.create_replication_task(
        ReplicationTaskIdentifier=identifier,
        SourceEndpointArn=f"{prefix}:endpoint:SOURCE{identifier.upper()}",
        TargetEndpointArn=f"{prefix}:endpoint:TARGET{identifier.upper()}",
        ReplicationInstanceArn=f"{prefix}:rep:INSTANCE{identifier.upper()}",
        MigrationType=migration_type,
        TableMappings=json.dumps(ALL_TABLES),
    )
    arn: str = response["ReplicationTask"]["ReplicationTaskArn"]
    return arn
