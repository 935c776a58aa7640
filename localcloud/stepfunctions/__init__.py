"""Step Functions: executions on the virtual clock, task-token waits, the DMS SDK integration,
nested executions (patches), execution results, and the deployer's state machine handler."""
