"""DMS tasks the simulator does not own: created through moto's API alone."""

from __future__ import annotations

from localcloud import LocalCloud


def create_plain_task(cloud: LocalCloud, identifier: str = "plain") -> str:
    """A replication task created with CreateReplicationTask (moto's behaviour); its ARN."""
    prefix = f"arn:aws:dms:{cloud.region}:{cloud.account_id}"
    arn: str = cloud.client("dms").create_replication_task(
        ReplicationTaskIdentifier=identifier,
        SourceEndpointArn=f"{prefix}:endpoint:S",
        TargetEndpointArn=f"{prefix}:endpoint:T",
        ReplicationInstanceArn=f"{prefix}:rep:R",
        MigrationType="full-load",
        TableMappings="{}",
    )["ReplicationTask"]["ReplicationTaskArn"]
    return arn
