"""DMS tasks the simulator does not own: created through moto's API alone."""

from __future__ import annotations

from localcloud import LocalCloud
from localcloud.dms.tasks import create_task


def create_plain_task(cloud: LocalCloud, identifier: str = "plain") -> str:
    """A replication task created with CreateReplicationTask (moto's behaviour); its ARN."""
    return create_task(cloud.client("dms"), cloud.region, cloud.account_id, identifier)
