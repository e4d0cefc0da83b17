"""The `superapp` command (the composition root): serve, migrate, seed-demo, export-schema, and the domains' tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

from infra.commands import COMMANDS, command
from infra.i18n import locale_from_environment, speaking
from infra.settings import Settings, SettingsError


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")


@command("serve", "run the HTTP server", _serve_args)
def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from infra import db
    from infra.logs import configure_logging

    configure_logging(settings.log_level)
    if not args.no_migrate:
        asyncio.run(db.migrate(settings))
    network = _embedded_network(settings, args.host, args.port)
    from superapp.embedded_lottery import start_embedded_operator

    operator = start_embedded_operator(settings)
    embedded = contextlib.nullcontext()
    if args.workers > 1:
        if settings.embedded_redis:  # one Redis for every worker, owned here: the workers join it
            from infra.embedded_redis import kept_running, start_or_join

            embedded = kept_running(start_or_join(settings.data_dir))
        metrics_dir = settings.data_dir / "prometheus"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        with embedded:
            uvicorn.run(
                "superapp.app:create_app",
                factory=True,
                host=args.host,
                port=args.port,
                workers=args.workers,
                log_config=None,
                proxy_headers=False,
                timeout_keep_alive=settings.keep_alive_seconds,
                http="bff.connection_timeouts:RequestHeadDeadline",  # uvicorn's httptools, with a deadline for headers
            )
    finally:
        if network is not None:
            network.stop()
        if operator is not None:
            operator.stop()
    return 0


def _embedded_network(settings: Settings, host: str, port: int):
    """With no CARD_NETWORK_URL, the fake card network, started once for every worker."""
    from clearing.service import ClearingConfig
    from superapp.embedded_network import start_embedded_network

    config = ClearingConfig.from_settings(settings)
    if not config.embedded:
        return None
    if "CLEARING_CALLBACK_URL" in settings.environ:
        callback = config.callback_url
    else:
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else f"[{host}]" if ":" in host else host
        callback = f"http://{host}:{port}{config.callback_path}"
    return start_embedded_network(settings, callback_url=callback)


@command("migrate", "apply every domain's database migrations")
def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from infra import db

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

    from infra import db

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


def _demo_funds_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("phone", help="the developer's test customer (their own phone number)")


@command("demo-funds", "give a developer's test customer the demo balance (embedded mode or DEBUG only)",
         _demo_funds_args)
def demo_funds(args: argparse.Namespace, settings: Settings) -> int:
    from superapp.demo import NotForProduction, fund_test_customer

    try:
        balance = asyncio.run(fund_test_customer(settings, args.phone))
    except NotForProduction:
        print("demo-funds: only in embedded mode or with DEBUG=true", file=sys.stderr)
        return 2
    print(f"demo customer {args.phone}: Class II account holding {balance / 100:.2f} yuan")
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default=str(Path(__file__).resolve().parent.parent / "schema.graphql"))


@command("export-schema", "write the GraphQL SDL to schema.graphql", _export_args)
def export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from bff.schema import build_schema
    from superapp.schema import MUTATIONS, QUERIES  # with the bank's own mini-programs' roots

    Path(args.output).write_text(build_schema(settings, queries=QUERIES, mutations=MUTATIONS).as_str() + "\n")
    print(f"wrote {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import superapp.domain_commands  # noqa: F401 - registers the domains' subcommands

    parser = argparse.ArgumentParser(prog="superapp")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, arguments, help_text) in COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"superapp: configuration error: {exc}", file=sys.stderr)
        return 2
    with speaking(locale_from_environment(os.environ)):  # messages from the catalogue follow LANG
        return COMMANDS[args.command][0](args, settings)


if __name__ == "__main__":
    sys.exit(main())
