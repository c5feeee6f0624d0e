"""The embedded local runtime: PostgreSQL, Kafka, Kafka Connect, nginx and the services."""
