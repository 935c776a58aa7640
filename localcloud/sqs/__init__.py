"""SQS: the deployer's handlers (moto emulates the service unpatched)."""
