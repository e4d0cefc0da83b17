"""The bank's tamper-evident audit log of operator actions (``audit.service``)."""
