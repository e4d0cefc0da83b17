"""A fake of the welfare-lottery operator: tickets, prize reservations and the daily
settlement file, behind the operator's signed interface (PROTOCOL.md), in its own process."""
