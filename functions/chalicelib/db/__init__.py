"""Storage: PynamoDB models (the single definition of every table's keys) and repositories."""
