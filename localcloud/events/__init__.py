"""EventBridge: Lambda targets with retries and dead letters, rate() schedules on the clock
(patches and delivery), and the deployer's rule and target handlers."""
