"""``python -m fakes.cardnetwork --callback-url URL --network-key B64 --bank-public-key B64 [--port 0]``

Prints ``listening on http://127.0.0.1:PORT`` once it accepts connections, so a parent
process can read the port; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import sys

from fakes.cardnetwork import signing
from fakes.cardnetwork.app import Keys, build_app
from fakes.cardnetwork.network import Settings
from fakes.doors import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakes.cardnetwork", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--callback-url", required=True, help="where the bank receives notifications")
    parser.add_argument("--network-key", required=True, help="base64 Ed25519 seed of the network")
    parser.add_argument("--bank-public-key", required=True, help="base64 Ed25519 public key of the bank")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
    args = parser.parse_args(argv)

    keys = Keys(network=signing.private_key(args.network_key), bank=signing.public_key(args.bank_public_key))
    app = build_app(keys, args.callback_url, Settings(latency_ms=args.latency_ms))
    serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
