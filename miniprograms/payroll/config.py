"""Payroll's settings, read from the environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Settings, positive_int, read_env
from ledger.service import MAX_CAPTURES


@dataclass(frozen=True, slots=True)
class PayrollSettings:
    max_file_bytes: int = 20_000_000
    max_roster_rows: int = 50_000
    max_batch_lines: int = 100_000
    chunk: int = 1_000  # lines a worker pays with one call to the ledger (at most ledger.MAX_CAPTURES)
    concurrency: int = 8  # payee look-ups by phone in flight at once within a chunk
    lease_seconds: int = 60  # a worker that stops renewing loses its batch to another after this
    poll_seconds: int = 1
    worker_in_app: bool = False  # embedded mode: the server pays batches itself
    awaiting_seconds: int = 30 * 24 * 3600  # an invited employee's line waits this long for an account, then returns

    @classmethod
    def from_settings(cls, settings: Settings) -> PayrollSettings:
        config = settings.config()
        d = cls()
        return cls(
            max_file_bytes=positive_int(config, "PAYROLL_MAX_FILE_BYTES", d.max_file_bytes),
            max_roster_rows=positive_int(config, "PAYROLL_MAX_ROSTER_ROWS", d.max_roster_rows),
            max_batch_lines=positive_int(config, "PAYROLL_MAX_BATCH_LINES", d.max_batch_lines),
            chunk=min(positive_int(config, "PAYROLL_CHUNK", d.chunk), MAX_CAPTURES),
            concurrency=positive_int(config, "PAYROLL_CONCURRENCY", d.concurrency),
            lease_seconds=positive_int(config, "PAYROLL_LEASE_SECONDS", d.lease_seconds),
            poll_seconds=positive_int(config, "PAYROLL_POLL_SECONDS", d.poll_seconds),
            worker_in_app=read_env(config, "PAYROLL_WORKER_IN_APP", bool, settings.embedded_redis),
            awaiting_seconds=positive_int(config, "PAYROLL_AWAITING_SECONDS", d.awaiting_seconds),
        )
