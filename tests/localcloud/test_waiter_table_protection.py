"""The hub's waiter table is deletion-protected in the local cloud as on AWS: DynamoDB refuses
to delete it (a destroy or replacement would drop every in-flight wait) until the hub's
``deletion_protection`` is turned off."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from dms_waiters import DmsEventHub
from localcloud import LocalCloud, deploy_program


@pytest.mark.parametrize("protected", [True, False])
def test_deleting_the_waiter_table_is_refused_while_protected(
    cloud: LocalCloud, protected: bool
) -> None:
    deployment = deploy_program(
        cloud, lambda: DmsEventHub("events", {"deletion_protection": protected})
    )
    (table,) = [r for r in deployment.resources if r.type == "aws:dynamodb/table:Table"]
    ddb = cloud.client("dynamodb")
    description = ddb.describe_table(TableName=table.id)["Table"]
    assert description["DeletionProtectionEnabled"] is protected
    if protected:
        with pytest.raises(ClientError) as refused:
            ddb.delete_table(TableName=table.id)
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert "DeletionProtectionEnabled" in refused.value.response["Error"]["Message"]
        ddb.update_table(TableName=table.id, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=table.id)
