"""Embedded mode's lottery operator: the fake (fakes/lottery) as a child process of the server.

``superapp serve`` with no ``LOTTERY_OPERATOR_URL`` starts it once, before its workers, with
the keys kept under the data dir and a few demo tickets (``DEMO_TICKETS``), and hands its URL
to the workers through the environment; it stops with the server. Its books live in its
memory: a restart starts a fresh operator. Production points LOTTERY_OPERATOR_URL at the real one.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from infra.settings import Settings
from miniprograms.lottery.service import LotteryConfig, embedded_operator_seed
from superapp.embedded_network import ROOT, _die_with_parent, _wait_for_url

log = logging.getLogger("superapp.lottery_operator")
DEMO_CODE = "480613"
# (ticket number, prize in fen, days since the draw): paid online, the limit itself, sent to a
# centre, past the 60 days, no prize.
DEMO_TICKETS = (
    ("20261201000000000001", 2_000, 2), ("20261201000000000002", 50_000, 5),
    ("20261201000000000003", 1_000_000, 1), ("20261201000000000004", 1_000, 70),
    ("20261201000000000005", 0, 2),
)


def _environment(url: str, config: LotteryConfig) -> dict[str, str]:
    return {"LOTTERY_OPERATOR_URL": url, "LOTTERY_OPERATOR_PUBLIC_KEY": config.operator_public_key,
            "LOTTERY_BANK_SIGNING_KEY": str(config.bank_signing_key)}


@dataclass
class EmbeddedOperator:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        log.info("embedded lottery operator stopped")


def _demo_tickets(path: Path) -> None:
    today = datetime.now(timezone(timedelta(hours=8))).date()
    path.write_text(json.dumps({"tickets": [
        {"ticketNumber": number, "securityCode": DEMO_CODE, "prize": prize, "game": "双色球", "draw": "2026138",
         "drawDate": (today - timedelta(days=days)).isoformat()}
        for number, prize, days in DEMO_TICKETS
    ]}, ensure_ascii=False))


def start_embedded_operator(settings: Settings) -> EmbeddedOperator | None:
    """With no LOTTERY_OPERATOR_URL, start the fake operator; the environment then names it."""
    config = LotteryConfig.from_settings(settings)
    if not config.embedded:
        return None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tickets, output = settings.data_dir / "lottery-tickets.json", settings.data_dir / "lottery-operator.log"
    _demo_tickets(tickets)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "fakes.lottery", "--operator-key", embedded_operator_seed(settings),
             "--bank-public-key", config.bank_public_key, "--tickets", str(tickets)],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
    url = _wait_for_url(output, process, "lottery operator")
    os.environ.update(_environment(url, config))
    log.info("embedded lottery operator started at %s with demo tickets %s (security code %s)", url,
             ", ".join(number for number, _, _ in DEMO_TICKETS), DEMO_CODE)
    return EmbeddedOperator(url, process)
