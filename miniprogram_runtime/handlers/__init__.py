"""The bridge APIs' implementations, one module per concern."""
