"""The registry of `superapp` subcommands and workers.

Domain packages register theirs here with ``@command`` and ``@worker``; the composition
root (``superapp.cli``) imports the domains' command modules and builds the parser.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Callable

from infra.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}
_WORKERS: dict[str, Command] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    """Register a subcommand; the domains' command modules are listed in ``superapp/domain_commands.py``."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = (fn, arguments, help)
        return fn

    return register


def worker(name: str):
    """Register a background worker, run as ``superapp worker NAME``."""

    def register(fn: Command) -> Command:
        _WORKERS[name] = fn
        return fn

    return register


@contextlib.asynccontextmanager
async def worker_process(settings: Settings) -> AsyncIterator[asyncio.Event]:
    """What every worker command runs inside: logging, the database, and an event that
    SIGTERM or SIGINT sets so the worker finishes its batch and stops."""
    from infra import db
    from infra.logs import configure_logging

    configure_logging(settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    database = await db.open_database(settings)
    try:
        yield stop
    finally:
        await db.close_database(database)


def _worker_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="which worker (each domain registers its own)")
    p.add_argument("--consumer", default=None, help="consumer name, where the worker has one (default: host-pid)")
    p.add_argument("--until-idle", action="store_true", help="exit once there is nothing left to do")


@command("worker", "run a background worker until SIGTERM or SIGINT", _worker_args)
def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    found = _WORKERS.get(args.name)
    if found is None:
        print(f"superapp: no worker {args.name!r}; workers: {', '.join(sorted(_WORKERS))}", file=sys.stderr)
        return 2
    return found(args, settings)
