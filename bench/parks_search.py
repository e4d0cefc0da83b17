"""Parks listings search: 10,000 units in 20 parks, mixed filters, 16 concurrent clients.

Each client draws a random filter set (park, area range, price range, use, availability
date; each present or not) and asks the parks service for a page of 20, then sometimes the
next page by its cursor. The same query in plain asyncpg SQL runs beside it, alternating
rounds, so the ratio shows what the service and the ORM cost.

    .venv/bin/python bench/parks_search.py [--clients 16] [--seconds 5] [--rounds 2] [--units 10000]

Uses a throw-away database on 127.0.0.1:5432 (dropped at the end). Target: p99 < 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra import db  # noqa: E402
from infra.settings import Settings  # noqa: E402
from miniprograms.parks.listings import decode_cursor  # noqa: E402
from miniprograms.parks.models import Building, Park, Unit  # noqa: E402
from miniprograms.parks.service import UnitSearch  # noqa: E402
from miniprograms.parks import listings  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
USES = ("office", "plant", "warehouse", "shop")
PARKS = 20
START = date(2026, 12, 1)


async def plant(units: int) -> list[int]:
    """20 parks of 5 buildings; units spread over them with mixed areas, uses, rents, dates."""
    rng = random.Random(7)
    park_ids, buildings = [], []
    for p in range(PARKS):
        park = await Park.create(operator_enterprise_id=p + 1, name=f"园区 {p}", city="深圳", address="某路",
                                 created_by_user_id=1)
        park_ids.append(park.id)
        for b in range(5):
            buildings.append((park.id, (await Building.create(park_id=park.id, name=f"{b}", floors=30)).id))
    rows = []
    for n in range(units):
        park_id, building_id = buildings[n % len(buildings)]
        rows.append(Unit(park_id=park_id, building_id=building_id, code=f"U{n}", floor=rng.randint(1, 30),
                         area_hundredths=rng.randint(30_00, 3000_00), use=rng.choice(USES),
                         rent_fen_per_m2_day=rng.randint(50, 1000),
                         available_from=START + timedelta(days=rng.randint(0, 365)),
                         status="leased" if rng.random() < 0.2 else "available"))
    for i in range(0, len(rows), 1000):
        await Unit.bulk_create(rows[i:i + 1000])
    return park_ids


def random_filter(rng: random.Random, park_ids: list[int]) -> UnitSearch:
    low = rng.randint(30, 1500)
    rent = rng.randint(50, 900)
    return UnitSearch(
        park_id=rng.choice(park_ids) if rng.random() < 0.6 else None,
        area_min_m2=low if rng.random() < 0.5 else None,
        area_max_m2=low + rng.randint(50, 1500) if rng.random() < 0.5 else None,
        rent_min=rent if rng.random() < 0.3 else None,
        rent_max=rent + rng.randint(50, 500) if rng.random() < 0.5 else None,
        use=rng.choice(USES) if rng.random() < 0.6 else None,
        available_by=START + timedelta(days=rng.randint(0, 365)) if rng.random() < 0.4 else None,
    )


async def raw_search(pool: asyncpg.Pool, search: UnitSearch, first: int, after: str | None):
    """The service's query, hand-written: same filters, same order, same limit."""
    where, args = ["status = 'available'"], []

    def add(clause: str, value) -> None:
        args.append(value)
        where.append(clause.format(f"${len(args)}"))

    if search.park_id is not None:
        add("park_id = {}", search.park_id)
    if search.area_min_m2 is not None:
        add("area_hundredths >= {}", int(search.area_min_m2) * 100)
    if search.area_max_m2 is not None:
        add("area_hundredths <= {}", int(search.area_max_m2) * 100)
    if search.rent_min is not None:
        add("rent_fen_per_m2_day >= {}", search.rent_min)
    if search.rent_max is not None:
        add("rent_fen_per_m2_day <= {}", search.rent_max)
    if search.use is not None:
        add("use = {}", search.use)
    if search.available_by is not None:
        add("available_from <= {}", search.available_by)
    if after is not None:
        add("id > {}", decode_cursor(after))
    args.append(first + 1)
    rows = await pool.fetch(f"SELECT id, park_id, building_id, code, floor, area_hundredths, use, rent_fen_per_m2_day,"
                            f" available_from, status FROM parks_unit WHERE {' AND '.join(where)}"
                            f" ORDER BY id LIMIT ${len(args)}", *args)
    units = rows[:first]
    return units, (listings.encode_cursor(units[-1]["id"]) if units else None), len(rows) > first


async def drive(name: str, clients: int, seconds: float, park_ids: list[int], search_once) -> dict:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rng = random.Random(number)
        while time.perf_counter() < deadline:
            search = random_filter(rng, park_ids)
            started = time.perf_counter()
            cursor = await search_once(search, None)
            latencies.append(time.perf_counter() - started)
            if cursor is not None and rng.random() < 0.3:  # the next page
                started = time.perf_counter()
                await search_once(search, cursor)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"name": name, "requests": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


async def main(args: argparse.Namespace) -> int:
    database_name = f"superapp_bench_parks_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{database_name}"')
    url = f"postgres://postgres@127.0.0.1:5432/{database_name}"
    settings = Settings.from_env({
        "DATABASE_URL": f"{url}?maxsize={args.clients}",
        "SUPERAPP_DATA_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / database_name),
        "SECRET_KEY": "bench", "PII_KEYS": "b1:" + "a" * 43 + "=",
    })
    try:
        await db.migrate(settings)
        connections = await db.open_database(settings)
        pool = await asyncpg.create_pool(url, min_size=args.clients, max_size=args.clients)
        try:
            park_ids = await plant(args.units)
            await pool.execute("ANALYZE parks_unit")
            print(f"{args.units} units in {PARKS} parks, {args.clients} concurrent clients,"
                  f" {args.rounds} rounds of {args.seconds:.0f} s per side, pages of 20")

            async def service(search, after):
                return (await listings.search_units(search=search, first=20, after=after)).end_cursor

            async def raw(search, after):
                return (await raw_search(pool, search, 20, after))[1]

            results: dict[str, list[dict]] = {"parks service": [], "plain SQL": []}
            for round_number in range(1, args.rounds + 1):
                for result in (await drive("parks service", args.clients, args.seconds, park_ids, service),
                               await drive("plain SQL", args.clients, args.seconds, park_ids, raw)):
                    results[result["name"]].append(result)
                    print(f"round {round_number} {result['name']:>13}: {result['per_second']:8.1f} searches/s"
                          f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms"
                          f"  ({result['requests']} searches)")
            rates = {side: statistics.mean(r["per_second"] for r in runs) for side, runs in results.items()}
            p99 = max(r["p99_ms"] for r in results["parks service"])
            print(f"service {rates['parks service']:.1f} searches/s vs plain SQL {rates['plain SQL']:.1f}"
                  f" (ratio {rates['parks service'] / rates['plain SQL']:.2f}); worst service p99 {p99:.1f} ms"
                  f" (target < 30 ms)")
            return 0
        finally:
            await pool.close()
            await db.close_database(connections)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--units", type=int, default=10_000)
    sys.exit(asyncio.run(main(parser.parse_args())))
