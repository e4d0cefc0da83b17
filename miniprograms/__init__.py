"""The bank's own mini-programs, one folder each: ``miniprograms/<app>/``.

Each holds a server side that is a domain like any other (``service.py`` is its public
module; it uses other domains only through theirs and moves money only through the
ledger's entry point), its GraphQL in the subpackage ``graphql/`` (on the transport's
floor), and its front-end package in ``package/``, which ``superapp seed-demo`` publishes
through the host's own pipeline like any partner's. ``tests/test_architecture.py`` holds
them to it.
"""
