"""``python -m fakes.lottery --operator-key B64 --bank-public-key B64 [--port 0] [--tickets FILE]``

Prints ``listening on http://127.0.0.1:PORT`` once it accepts connections, so a parent
process can read the port; stops on SIGTERM or SIGINT. ``--tickets`` loads a JSON file of
tickets (the admin route's body) first: embedded mode's demo tickets.
"""

from __future__ import annotations

import argparse
import json
import sys

from fakes.doors import serve
from fakes.lottery import signing
from fakes.lottery.app import Keys, build_app
from fakes.lottery.operator import Settings, Ticket


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakes.lottery", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--operator-key", required=True, help="base64 Ed25519 seed of the operator")
    parser.add_argument("--bank-public-key", required=True, help="base64 Ed25519 public key of the bank")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
    parser.add_argument("--tickets", default=None, help='JSON {"tickets": [...]} to load at start')
    args = parser.parse_args(argv)

    keys = Keys(operator=signing.private_key(args.operator_key), bank=signing.public_key(args.bank_public_key))
    app = build_app(keys, Settings(latency_ms=args.latency_ms))
    if args.tickets:
        with open(args.tickets, encoding="utf-8") as source:
            for item in json.load(source)["tickets"]:
                app.state.operator.tickets[str(item["ticketNumber"])] = Ticket.of(item)
    serve(app, args.host, args.port, backlog=1024, lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
