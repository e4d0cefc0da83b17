"""A fake clearing network (the part of UnionPay or NetsUnion the bank talks to).

Run it with ``python -m fakes.cardnetwork``; its interface is in ``PROTOCOL.md``.
"""
