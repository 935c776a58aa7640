"""DMS: the replication task simulator, its scenarios, the events it publishes, and the
patches that route moto's DMS backend to it."""
