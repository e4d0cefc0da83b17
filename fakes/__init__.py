"""Stand-ins for parties outside the bank, each run as its own process with the real interface.

Only tests and embedded mode start them; no domain imports them.
"""
