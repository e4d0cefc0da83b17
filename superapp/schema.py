"""The whole schema: the transport's roots (``bff.schema``) joined with the GraphQL of the
bank's own mini-programs (``miniprograms/<app>/graphql``), which import ``bff`` and so are
stitched here, above both, rather than in ``bff`` (that would be a circle).

A mini-program joins by adding its roots to the tuples below.
"""

from __future__ import annotations

from bff import schema as bff_schema
from infra.settings import Settings
from miniprograms.parks.graphql.schema import (
    LeaseFinancingMutation, LeaseFinancingQuery, ParksAffairsMutation, ParksAffairsQuery, ParksMutation, ParksQuery,
)
from miniprograms.etc.graphql.schema import EtcMutation, EtcQuery
from miniprograms.payroll.graphql.schema import PayrollMutation, PayrollQuery
from miniprograms.lottery.graphql.schema import LotteryMutation, LotteryQuery

QUERIES: tuple[type, ...] = (*bff_schema.QUERIES, ParksQuery, ParksAffairsQuery, LeaseFinancingQuery, EtcQuery,
                              PayrollQuery, LotteryQuery)
MUTATIONS: tuple[type, ...] = (*bff_schema.MUTATIONS, ParksMutation, ParksAffairsMutation,
                                  LeaseFinancingMutation, EtcMutation, PayrollMutation, LotteryMutation)
SUBSCRIPTIONS = bff_schema.SUBSCRIPTIONS


_SHARED: dict[tuple, object] = {}


def shared_schema(settings: Settings):
    """The whole schema for these settings, built once in a process (a build takes ~0.1 s).

    ``create_app`` takes it: an app made again with the same schema settings (the tests make
    one for every test) gets the same schema. It holds no app's state: each app has its own
    endpoint, runtime and lean path, and what the schema keeps (parsed, validated and compiled
    operations) depends on the documents alone.
    """
    key = tuple(getattr(settings, name) for name in bff_schema.SCHEMA_SETTINGS)
    schema = _SHARED.get(key)
    if schema is None:
        schema = _SHARED[key] = build_schema(settings)
    return schema


def build_schema(settings: Settings, **options):
    """``bff.schema.build_schema`` over every root; ``options`` as it takes them."""
    options.setdefault("queries", QUERIES)
    options.setdefault("mutations", MUTATIONS)
    return bff_schema.build_schema(settings, **options)
