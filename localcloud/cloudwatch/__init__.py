"""CloudWatch: the deployer's handlers (alarms, dashboards; moto emulates the service unpatched) and
the Embedded Metric Format extraction CloudWatch Logs does (``emf``)."""
