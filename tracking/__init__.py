"""Event tracking: collect every user action once, and report on it."""
