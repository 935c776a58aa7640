"""The hub's dashboard in the local cloud: PutDashboard on deploy, DeleteDashboards when turned
off (the deployer's ``aws:cloudwatch/dashboard:Dashboard`` handlers)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from dms_waiters import DmsEventHub
from localcloud import LocalCloud, deploy_program


@pytest.mark.slow  # two hub deployments
def test_the_hub_dashboard_is_put_and_removed(cloud: LocalCloud) -> None:
    first = deploy_program(cloud, lambda: DmsEventHub("events", {"deletion_protection": False}))
    (table,) = [r for r in first.resources if r.type == "aws:dynamodb/table:Table"]
    cw = cloud.client("cloudwatch")
    body = json.loads(cw.get_dashboard(DashboardName=table.id)["DashboardBody"])
    assert len(body["widgets"]) == 6
    assert [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]] == [table.id]

    deploy_program(
        cloud,
        lambda: DmsEventHub("events", {"deletion_protection": False, "dashboard": False}),
        previous=first,
    )
    assert cw.list_dashboards()["DashboardEntries"] == []
    with pytest.raises(ClientError):
        cw.get_dashboard(DashboardName=table.id)
