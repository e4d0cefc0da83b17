"""Lottery prize payout: a verified customer claims a welfare-lottery prize by ticket number
and security code; up to the online limit it is paid to their Class II account exactly
once, larger prizes are sent to a redemption centre (SPEC §6, issue 14)."""
