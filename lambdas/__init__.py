"""The handler code the components deploy: ``dms_waiters.lambdas``, the same module path in the
installed package, in the tests and inside every deployed archive. Standard library only, but
for boto3 (the Lambda runtime's, or bundled) and the durable execution SDK (bundled).

A map, by what each module is for:

* **Entry points** (``handlers/``): one module per Lambda function, named by
  ``contract.*_HANDLER``: ``starter`` (DmsCallbackWorkflow), ``url_starter`` and
  ``callback_url`` (CallbackUrlWorkflow and the hub's endpoint), ``resume`` and ``reconciler``
  (the hub), ``durable_waiter`` (DmsDurableWorkflow), ``schedule_starter`` (a waiter's
  ``schedule``).
* **Domain** (what a wait means, no AWS call): ``contract`` (every name the components and
  handlers share), ``dms_status`` (the one success/failure classification), ``dms_event`` (DMS's
  event shapes), ``errors`` (the error names a workflow sees), ``payload`` (the invocation
  payloads), ``task_settings`` (a task's configuration), ``completion`` (resuming a waiter, its
  output and cause), ``url_signing`` (signed callback URLs), ``durable_waiter/`` (the durable
  waiter, one module per job).
* **Infrastructure** (the AWS calls): ``aws_clients`` (one lazily built client per service),
  ``dms_api`` (start, describe), ``waiter_store`` (the hub's waiter table), ``signing_key`` (the
  URL signing key in Secrets Manager), ``logs`` (one JSON line per decision), ``metrics`` (the
  hub's CloudWatch Embedded Metric Format records).
* **User library**: ``durable_batch`` (``make_handler``: a user's batch job as a durable
  function, deployed by DurableBatchWorkflow; users import it under this path), ``chained``
  (``wait_for_dms``: a user's durable function waiting through the durable waiter).
"""
