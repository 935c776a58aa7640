"""EventBridge Scheduler on the virtual clock: cron and rate schedules in their time zone,
delivery to Lambda targets with the context attributes, retries and the dead-letter queue
(``delivery``), the firing times (``timing``), moto's backend kept in step (``patches``), and
the deployer's handler (``resources``)."""
