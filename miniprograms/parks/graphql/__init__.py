"""The parks mini-program's GraphQL, stitched into the one schema by bff/schema.py."""
