"""`superapp audit verify`: walk the tamper-evident audit log and name every break.

Exit 0: the chain holds from the first record to the head; 1: a record was edited,
deleted or moved (each break printed); the head printed is the one to keep elsewhere and
compare with next time, since the loss of the newest records shows only against it.
"""

from __future__ import annotations

import argparse
import asyncio

from audit import service
from infra import db
from infra.commands import command
from infra.settings import Settings


def _args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["verify"], help="verify: check the whole chain")
    parser.add_argument("--expect-head", default=None, metavar="SEQ:DIGEST",
                        help="the head noted last time: fail if the chain no longer reaches it")


@command("audit", "the tamper-evident audit log: verify [--expect-head SEQ:DIGEST]", _args)
def audit(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_verify(settings, args.expect_head))


async def _verify(settings: Settings, expect_head: str | None) -> int:
    service.configure(str(settings.secret_key))
    database = await db.open_database(settings)
    try:
        report = await service.verify()
        kept = None
        if expect_head is not None:
            seq, _, digest = expect_head.partition(":")
            kept = await service.digest_at(int(seq)) if seq.isdigit() else None
            if kept != digest:
                print(f"the noted head {expect_head} is not in the chain any more")
    finally:
        await db.close_database(database)
    for found in report.breaks:
        print(f"record {found.seq}: {found.reason}")
    print(f"{report.records} records; head {report.head_seq}:{report.head_digest}")
    intact = report.intact and (expect_head is None or kept == expect_head.partition(":")[2])
    print("the chain holds" if intact else "the chain is BROKEN")
    return 0 if intact else 1
