"""The Lambda entry points, one module per function (``contract.*_HANDLER`` names each
``handler``): each reads its configuration and payload, calls the library (``dms_waiters.lambdas``)
and logs one JSON line per invocation."""
