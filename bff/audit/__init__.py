"""The audit log's GraphQL: operations staff read the chain, newest first."""
