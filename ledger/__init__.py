"""Accounts and money: a double-entry ledger in integer fen.

Other packages move money only through ``ledger.service``; nothing else writes balances.
"""
