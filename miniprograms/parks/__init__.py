"""Parks: industrial-park operators lease units to enterprises, bill rent through the ledger,
and take repair tickets from their tenants' staff (issue 15)."""
