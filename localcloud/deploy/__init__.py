"""Deploy a Pulumi program into the local cloud: every AWS resource it declares is created in moto.

::

    with LocalCloud() as cloud:
        task_arn = cloud.create_replication_task("orders")
        deployment = deploy_stack_file(
            cloud,
            "__main__.py",
            config={"tasks": [{"name": "orders", "pattern": "polling",
                               "replication_task_arn": task_arn}]},
        )
        print(deployment.summary())
        machine = deployment.one("aws:sfn/stateMachine:StateMachine")
        cloud.run_execution(machine.id, {})

There is no Pulumi engine and no AWS provider plugin on these machines, so the program runs
in-process under Pulumi mocks (``dms_waiters.testing.run_program``) and ``LocalCloudMocks``
plays the provider: for each resource it makes the AWS API calls the provider would make,
through boto3 against moto, and answers with the id and state AWS returned. Layout:

* ``mocks``: ``LocalCloudMocks``, ``ResourceRequest`` and the handler registry (``handles``);
* ``params``: what the handlers use to turn inputs into API parameters (``compact``, tags);
* ``assets``: the zip of a Lambda function's code;
* ``runner``: ``deploy_program``/``deploy_stack_file`` and the ``Deployment`` they return;
* ``updates`` and ``replacements``: a deployment over the previous one (``previous=``): what
  is updated in place, replaced, kept or deleted, as ``pulumi up`` decides;
* the handlers, one module per AWS service: ``localcloud/<service>/resources.py``.

Each supported resource type has a creator, an updater (unless every input replaces it) and
a deleter, keyed by its type token; each docstring says which calls it makes. Component
resources and provider resources create nothing. Any other ``aws:`` type, or a custom
resource of another package, fails the deployment with ``UnsupportedResourceError`` naming
the type and the logical name. A failed deployment leaves what it did before the failure in
moto, as a failed ``pulumi up`` leaves it in AWS. See docs/local-cloud.md.
"""

from ..awslambda import resources as _awslambda  # noqa: F401 - registers the handlers
from ..cloudwatch import resources as _cloudwatch  # noqa: F401
from ..dynamodb import resources as _dynamodb  # noqa: F401
from ..events import resources as _events  # noqa: F401
from ..iam import resources as _iam  # noqa: F401
from ..logs import resources as _logs  # noqa: F401
from ..secretsmanager import resources as _secretsmanager  # noqa: F401
from ..sqs import resources as _sqs  # noqa: F401
from ..stepfunctions import resources as _stepfunctions  # noqa: F401
from .assets import archive_zip
from .mocks import (
    DELETERS,
    HANDLERS,
    UPDATERS,
    DeploymentError,
    LocalCloudMocks,
    ResourceRequest,
    UnsupportedResourceError,
    unwrap_secrets,
)
from .runner import Deployment, deploy_program, deploy_stack_file
from .updates import Step

__all__ = [
    "DELETERS",
    "HANDLERS",
    "UPDATERS",
    "Deployment",
    "DeploymentError",
    "LocalCloudMocks",
    "ResourceRequest",
    "Step",
    "UnsupportedResourceError",
    "archive_zip",
    "deploy_program",
    "deploy_stack_file",
    "unwrap_secrets",
]
