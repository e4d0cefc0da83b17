"""Embedded mode's card network: the fake (fakes/cardnetwork) as a child process of the server.

``superapp serve`` with no ``CARD_NETWORK_URL`` starts it once, before its workers, with
the keys kept under the data dir and the server's own callback URL, and hands its URL to
the workers through the environment; it stops with the server. Its books live in its
memory: a restart starts an empty network. Production points CARD_NETWORK_URL at the real one.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from clearing.service import ClearingConfig, embedded_network_seed
from infra.settings import Settings

log = logging.getLogger("superapp.card_network")
ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30


def url_file(settings: Settings) -> Path:
    """Where a running server notes its embedded network's URL, for `superapp ledger reconcile`."""
    return settings.data_dir / "card-network.url"


def joined(settings: Settings) -> Settings:
    """Settings that reach the network of the embedded server running on this data dir, if any."""
    if not ClearingConfig.from_settings(settings).embedded or not url_file(settings).exists():
        return settings
    config = ClearingConfig.from_settings(settings)
    return Settings.from_env({**settings.environ, **_environment(url_file(settings).read_text().strip(), config)})


def _environment(url: str, config: ClearingConfig) -> dict[str, str]:
    return {"CARD_NETWORK_URL": url, "CARD_NETWORK_PUBLIC_KEY": config.network_public_key,
            "CLEARING_BANK_SIGNING_KEY": str(config.bank_signing_key)}


@dataclass
class EmbeddedNetwork:
    url: str
    process: subprocess.Popen
    noted: Path

    def stop(self) -> None:
        self.noted.unlink(missing_ok=True)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        log.info("embedded card network stopped")


def start_embedded_network(settings: Settings, *, callback_url: str) -> EmbeddedNetwork:
    """Start the fake network; the environment then names it for this process and its workers."""
    config = ClearingConfig.from_settings(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    output = settings.data_dir / "card-network.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "fakes.cardnetwork", "--callback-url", callback_url,
             "--network-key", embedded_network_seed(settings), "--bank-public-key", config.bank_public_key],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
    url = _wait_for_url(output, process)
    os.environ.update(_environment(url, config))
    url_file(settings).write_text(url)
    log.info("embedded card network started at %s (admin routes: fakes/cardnetwork/PROTOCOL.md)", url)
    return EmbeddedNetwork(url, process, url_file(settings))


def _die_with_parent() -> None:
    """In the child: SIGTERM when the server dies. uvicorn re-raises the SIGTERM it handled once
    its workers are down, so the server's own ``finally`` never runs; this stops the network anyway."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_for_url(output: Path, process: subprocess.Popen, what: str = "card network") -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        first = output.read_text(errors="replace").partition("\n")
        if first[1] and first[0].startswith("listening on "):
            return first[0].removeprefix("listening on ").strip()
        if process.poll() is not None:
            raise RuntimeError(f"the embedded {what} exited: {output.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the embedded {what} did not start")
