"""Private resource helpers of the components (not public API: may change in any release).

* ``component``: ``DmsWaitersComponent``, the base of every component (its type token and the
  ``ArgChecker`` naming the instance).
* ``lambda_function``: one handler deployed as a Lambda function with its own role and log group.
* ``durable_function``: a Lambda durable function (version, alias ``live``, bundled SDKs);
  ``durable_bundle``: what the bundle holds.
* ``state_machine``: a Standard state machine with its role and log group.
* ``handler_archive``: where the handler code lives and the archive every function gets.
* ``partition_check``: the provider's partition, checked against what it lacks.
* ``outputs``: a pure builder applied to resource outputs (``built_from``).
"""
