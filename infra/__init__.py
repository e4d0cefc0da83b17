"""The bottom of the house: settings, database, Redis, PII crypto, masking, logs, the command registry.

Imports no domain package and nothing above it."""
