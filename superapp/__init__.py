"""Runtime plumbing of the super-app backend: settings, database, Redis, CLI, logging."""
