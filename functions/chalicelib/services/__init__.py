"""Use cases: plain functions taking what they need and raising `errors.DomainError`."""
