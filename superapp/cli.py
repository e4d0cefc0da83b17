"""The `superapp` command: serve, migrate, seed-demo, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from superapp.settings import Settings, SettingsError

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    """Register a subcommand; domain packages add theirs in ``superapp/commands.py``."""

    def register(fn: Command) -> Command:
        _COMMANDS[name] = (fn, arguments, help)
        return fn

    return register


_WORKERS: dict[str, Command] = {}


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
    from superapp import db
    from superapp.logs import configure_logging

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


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")


@command("serve", "run the HTTP server", _serve_args)
def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from superapp import db
    from superapp.logs import configure_logging

    configure_logging(settings.log_level)
    if not args.no_migrate:
        asyncio.run(db.migrate(settings))
    embedded = None
    if args.workers > 1:
        if settings.embedded_redis:  # workers must share one Redis: start it here, once
            from superapp.kv import start_embedded_redis

            embedded = start_embedded_redis(settings)
            os.environ["REDIS_URL"] = f"unix://{embedded.socket_file}"
        metrics_dir = settings.data_dir / "prometheus"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        uvicorn.run(
            "bff.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            proxy_headers=False,
        )
    finally:
        if embedded is not None:
            embedded.shutdown()
    return 0


@command("migrate", "apply every domain's database migrations")
def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from superapp import db

    def progress(event: str, app: str, name: str) -> None:
        if event == "apply_done":
            print(f"applied {app}.{name}")

    asyncio.run(db.migrate(settings, reporter=progress))
    print("migrations up to date")
    return 0


def _makemigrations_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("domains", nargs="*", help="domain packages (default: all)")
    p.add_argument("--name", default=None)


@command("makemigrations", "write migrations for model changes", _makemigrations_args)
def makemigrations(args: argparse.Namespace, settings: Settings) -> int:
    from tortoise.cli import cli as tortoise_cli

    from superapp import db

    class Ctx:
        config = None
        config_file = None

    config = db.tortoise_config(settings)
    config["connections"] = {"default": "sqlite://:memory:"}
    tortoise_cli.utils.tortoise_orm_config = lambda: config
    tortoise_cli.utils.get_tortoise_config = lambda value: tortoise_cli.TortoiseConfig.from_dict(value)
    asyncio.run(tortoise_cli.makemigrations(Ctx(), tuple(args.domains), False, args.name))
    return 0


@command("seed-demo", "load demo users and data (idempotent)")
def seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from superapp.demo import seed

    asyncio.run(seed(settings))
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default=str(Path(__file__).resolve().parent.parent / "schema.graphql"))


@command("export-schema", "write the GraphQL SDL to schema.graphql", _export_args)
def export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from bff.schema import build_schema

    Path(args.output).write_text(build_schema(settings).as_str() + "\n")
    print(f"wrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import superapp.commands  # noqa: F401 - registers the domains' subcommands

    parser = argparse.ArgumentParser(prog="superapp")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, arguments, help_text) in _COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"superapp: configuration error: {exc}", file=sys.stderr)
        return 2
    return _COMMANDS[args.command][0](args, settings)


if __name__ == "__main__":
    # `python -m superapp.cli`: run the imported module's main, so the commands that
    # domain modules register on `superapp.cli` are the ones this run sees.
    from superapp.cli import main as registered_main

    sys.exit(registered_main())
