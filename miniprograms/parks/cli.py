"""`superapp parks remind-late [--date YYYY-MM-DD]`: flag the bills past due and remind the
tenants' paying members through the inbox, once per bill (run it daily, e.g. from cron)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, timedelta, timezone

from infra import db
from infra.commands import command
from infra.settings import Settings
from miniprograms.parks import leasing
from openplatform.service import tell_customer

CHINA = timezone(timedelta(hours=8))  # bills fall due by the calendar of China Standard Time


def _args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["remind-late"], help="remind-late: flag and remind bills past due")
    parser.add_argument("--date", type=date.fromisoformat, default=None,
                        help="the day to count from (default: today in China Standard Time)")


@command("parks", "the parks mini-program: remind-late [--date YYYY-MM-DD]", _args)
def parks(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_remind(settings, args.date))


async def _remind(settings: Settings, day: date | None) -> int:
    database = await db.open_database(settings)
    try:
        now = datetime.now(timezone.utc)
        reminded = await leasing.flag_late_bills(today=day or now.astimezone(CHINA).date(), now=now,
                                                 tell=tell_customer)
    finally:
        await db.close_database(database)
    print(f"{reminded} late bills flagged and reminded")
    return 0
