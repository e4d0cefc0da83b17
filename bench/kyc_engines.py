"""Account opening engines and the whole journey: OCR per image, faces per second, decision time.

1. OCR: synthetic ID card fronts and backs (clean, rotated, JPEG-40, noisy), read and
   checked one at a time on one engine set: p50/p99 per image. Then hand-held photos
   (tests/kyc/handheld.py) of held-out cardholders, seeds from 6000 (never run while the
   card finder was tuned): fields read exactly, time per photo, outline search, reads.
2. Faces: selfie against ID portrait (decode, two detections, two features, match), one at
   a time: per verification and verifications per second.
3. Journey: two applicants at once through GraphQL in-process (multipart uploads, real
   PostgreSQL + Redis): the server time of each request, and of the last upload (the
   liveness frames) to the decision, which that same request returns.

    .venv/bin/python bench/kyc_engines.py [--ocr 24] [--handheld 40] [--faces 30] [--journeys 3]

Needs scripts/test-photos (real photos) and the fonts scripts/test installs. Uses a throw-away PostgreSQL
database (dropped at the end) and Redis database 11 unless BENCH_REDIS_URL is set. Other
work on the machine's two cores shows up in these figures: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kyc.config import KycConfig  # noqa: E402
from kyc.engines import Engines  # noqa: E402
from kyc.errors import BadImage  # noqa: E402
from kyc.framing import find_outlines  # noqa: E402
from kyc.images import decode_image  # noqa: E402
from kyc.reading import match_faces, read_side  # noqa: E402
from tests.kyc.cards import Card, back, encode, front, id_number, photographed  # noqa: E402
from tests.kyc.cardholders import HELD_OUT  # noqa: E402
from tests.kyc.faces import photo  # noqa: E402
from tests.kyc.handheld import shot  # noqa: E402
from tests.kyc.journey import Applicant  # noqa: E402
from tests.support import GraphQLClient, SignIn  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def card_images(count: int) -> list[tuple[bytes, str]]:
    variants = [
        lambda im: encode(im),
        lambda im: encode(photographed(im, angle=5), "JPEG", quality=90),
        lambda im: encode(photographed(im, angle=-4), "JPEG", quality=40),
        lambda im: encode(photographed(im, noise=14), "WEBP", quality=80),
    ]
    portraits = [photo(n) for n in ("person_a_1", "person_b_1", "impostor_1", "impostor_2")]
    images = []
    for i in range(count):
        born = date(1960 + i, 1 + i % 12, 1 + i % 28)
        card = Card(name="张伟", born=born, number=id_number("110105", born, 101 + 2 * i))
        side = "front" if i % 3 else "back"
        drawn = front(card, portraits[i % 4]) if side == "front" else back(card)
        images.append((variants[i % 4](drawn), side))
    return images


def bench_ocr(engines: Engines, count: int) -> None:
    images = card_images(count)
    read_side(engines, images[0][0], images[0][1], date.today())  # warm-up: sessions, allocator
    times, failed = [], 0
    for data, side in images:
        started = time.perf_counter()
        reading = read_side(engines, data, side, date.today())
        times.append((time.perf_counter() - started) * 1000)
        failed += not reading.ok
    print(f"OCR (read + parse + checks), {len(times)} images: p50 {statistics.median(times):.0f} ms, "
          f"p99 {percentile(times, 0.99):.0f} ms, mean {statistics.fmean(times):.0f} ms; "
          f"{failed} with a failed check")


class CountedOcr:
    """The engine set's OCR, counting the reads one photo costs."""

    def __init__(self, ocr) -> None:
        self.ocr, self.reads = ocr, 0

    def read(self, image):
        self.reads += 1
        return self.ocr.read(image)


def bench_handheld(engines: Engines, count: int, first_seed: int = 6000) -> None:
    counted = CountedOcr(engines.ocr)
    engines._ocr = counted
    times, searches, reads, right, fields, exact, missed = [], [], [], 0, 0, 0, []
    for seed in range(first_seed, first_seed + count):
        photo_shot = shot(seed, HELD_OUT)
        data = photo_shot.photo
        started = time.perf_counter()
        find_outlines(decode_image(data, engines.config.images))
        searches.append((time.perf_counter() - started) * 1000)
        counted.reads = 0
        started = time.perf_counter()
        try:
            got = read_side(engines, data, photo_shot.side, date(2026, 11, 30)).fields
        except BadImage as exc:
            got = {"error": exc.code}
        times.append((time.perf_counter() - started) * 1000)
        reads.append(counted.reads)
        wrong = [k for k, v in photo_shot.truth.items() if got.get(k) != v]
        fields += len(photo_shot.truth)
        right += len(photo_shot.truth) - len(wrong)
        exact += not wrong
        if wrong:
            missed.append(f"{seed} {photo_shot.side}/{photo_shot.font}: {', '.join(wrong)}")
    engines._ocr = counted.ocr
    print(f"Hand-held photos, held-out seeds {first_seed}-{first_seed + count - 1}: fields {right}/{fields} "
          f"({100 * right / fields:.1f}%), photos read exactly {exact}/{count}; per photo p50 "
          f"{statistics.median(times):.0f} ms, p99 {percentile(times, 0.99):.0f} ms (outline search p50 "
          f"{statistics.median(searches):.0f} ms); OCR reads per photo mean {statistics.fmean(reads):.2f}, "
          f"max {max(reads)}")
    for line in missed:
        print(f"  missed {line}")


def bench_faces(engines: Engines, count: int) -> None:
    pairs = [(encode(front(Card(), photo(f"person_{p}_1")), "JPEG", quality=85), encode(photo(f"person_{p}_2"), "JPEG"))
             for p in ("a", "b")]
    match_faces(engines, *pairs[0])
    times = []
    for i in range(count):
        started = time.perf_counter()
        assert match_faces(engines, *pairs[i % 2]).matched
        times.append((time.perf_counter() - started) * 1000)
    print(f"Face verification, {count} pairs: p50 {statistics.median(times):.0f} ms, "
          f"p99 {percentile(times, 0.99):.0f} ms, {1000 / statistics.fmean(times):.1f} verifications/s")


class Timed:
    """Wraps the GraphQL client to record each request's time."""

    def __init__(self, gql: GraphQLClient, log: list) -> None:
        self._gql, self.http, self._log = gql, _TimedHttp(gql.http, log), log

    async def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        result = await self._gql(*args, **kwargs)
        self._log.append(("json", time.perf_counter() - started))
        return result


class _TimedHttp:
    def __init__(self, http, log) -> None:
        self._http, self._log = http, log

    async def post(self, *args, **kwargs):
        started = time.perf_counter()
        response = await self._http.post(*args, **kwargs)
        self._log.append(("upload", time.perf_counter() - started))
        return response


async def one_journey(gql, signer, engines, phone: str, person: str, born_year: int) -> tuple[float, float]:
    session = await signer(phone)
    born = date(born_year, 5, 6)
    card = Card(name="刘洋", born=born, number=id_number("110105", born, int(phone[-3:]) * 2 % 998 + 1))
    log: list = []
    applicant = Applicant(Timed(gql, log), session, engines, card=card, person=person)
    await applicant.start()
    front_image = encode(front(card, photo(f"{person}_1")), "JPEG", quality=85)
    back_image = encode(back(card), "JPEG", quality=85)
    await applicant.upload("FRONT", front_image)
    await applicant.upload("BACK", back_image)
    challenge = await applicant.challenge()
    selfie, frames = applicant.frames(challenge["actions"])  # the client's work: not server time
    started = time.perf_counter()
    result = await applicant.submit(challenge, selfie, frames)
    decision = time.perf_counter() - started
    assert result["state"] == "OPENED", result
    return decision, sum(seconds for _, seconds in log)


async def bench_journeys(rounds: int, engines: Engines) -> None:
    from superapp.app import create_app
    from infra import db
    from infra.settings import Settings

    name = f"superapp_bench_kyc_{os.getpid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    environ = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}", "REDIS_URL": REDIS_URL,
        "REDIS_DURABILITY": "warn",  # the shared Redis of scripts/test keeps no file; engines are measured here
        "SECRET_KEY": "bench", "PII_KEYS": "b1:" + base64.b64encode(os.urandom(32)).decode(), "LOG_LEVEL": "WARNING",
        "LOGIN_CODES_PER_IP_PER_HOUR": "1000", "CHANNEL_PREFIX": f"bench{os.getpid()}",
    }
    try:
        settings = Settings.from_env(environ)
        await db.migrate(settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:
                gql = GraphQLClient(http)
                signer = SignIn(gql, app.state.runtime)
                decisions, totals = [], []
                for r in range(rounds):
                    pair = await asyncio.gather(
                        one_journey(gql, signer, engines, f"1390000{r:02d}01", "person_a", 1970 + r),
                        one_journey(gql, signer, engines, f"1390000{r:02d}02", "person_b", 1980 + r),
                    )
                    for decision, total in pair:
                        decisions.append(decision * 1000)
                        totals.append(total * 1000)
        print(f"Journey, {rounds} rounds of 2 concurrent applicants (start, 2 ID uploads, challenge, "
              f"selfie + 3 frames): last upload to decision {', '.join(f'{d:.0f}' for d in decisions)} ms "
              f"(max {max(decisions):.0f}); whole journey server time p50 {statistics.median(totals):.0f} ms, "
              f"max {max(totals):.0f} ms")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ocr", type=int, default=24)
    parser.add_argument("--handheld", type=int, default=40)
    parser.add_argument("--faces", type=int, default=30)
    parser.add_argument("--journeys", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    engines = Engines(KycConfig())
    bench_ocr(engines, args.ocr)
    bench_handheld(engines, args.handheld)
    bench_faces(engines, args.faces)
    asyncio.run(bench_journeys(args.journeys, engines))
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
