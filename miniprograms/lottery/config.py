"""Where the lottery operator is, the keys of both sides, and the claim rules (500 yuan online,
60 days from the draw, wrong security codes a day), from the environment, once.

No ``LOTTERY_OPERATOR_URL``: embedded mode. ``superapp serve`` runs the fake operator as a
child process, with random keys for both sides kept under the data dir.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Secret, Settings, embedded_secret, positive_int, signed_peer

from miniprograms.lottery import signing


@dataclass(frozen=True, slots=True)
class LotteryConfig:
    operator_url: str | None  # None: embedded mode, the server starts the fake operator
    operator_public_key: str  # base64 raw Ed25519: verifies what the operator signs
    bank_signing_key: Secret  # base64 Ed25519 seed the bank signs its requests with
    request_timeout_seconds: float  # a request to the operator that takes longer is in doubt
    online_limit: int  # fen: prizes up to this are paid online (500 yuan)
    claim_days: int  # a prize must be claimed within this many days of the draw
    wrong_codes_per_ticket: int  # wrong security codes a ticket takes a day, from anyone
    wrong_codes_per_user: int  # wrong security codes (or unknown tickets) a customer may enter a day
    namespace: str  # prefix of Redis keys
    sweep_seconds: float  # claims in doubt this long are resolved by asking the operator

    @property
    def embedded(self) -> bool:
        return self.operator_url is None

    @property
    def bank_public_key(self) -> str:
        return signing.public_key_of(str(self.bank_signing_key))

    @classmethod
    def from_settings(cls, settings: Settings) -> LotteryConfig:
        config = settings.config()
        peer = signed_peer(
            config, url="LOTTERY_OPERATOR_URL", public_key="LOTTERY_OPERATOR_PUBLIC_KEY",
            signing_key="LOTTERY_BANK_SIGNING_KEY",
            embedded=lambda: (signing.public_key_of(embedded_operator_seed(settings)),
                              embedded_secret(settings.data_dir, "lottery_bank_key")),
        )
        return cls(
            operator_url=peer.url,
            operator_public_key=peer.public_key,
            bank_signing_key=peer.signing_key,
            request_timeout_seconds=positive_int(config, "LOTTERY_REQUEST_TIMEOUT_MS", 5_000) / 1000,
            online_limit=positive_int(config, "LOTTERY_ONLINE_LIMIT_FEN", 50_000),
            claim_days=positive_int(config, "LOTTERY_CLAIM_DAYS", 60),
            wrong_codes_per_ticket=positive_int(config, "LOTTERY_WRONG_CODES_PER_TICKET", 5),
            wrong_codes_per_user=positive_int(config, "LOTTERY_WRONG_CODES_PER_USER", 10),
            namespace=f"{settings.channel_prefix}:lottery",
            sweep_seconds=positive_int(config, "LOTTERY_SWEEP_SECONDS", 30),
        )


def embedded_operator_seed(settings: Settings) -> str:
    """The embedded fake operator's own signing seed, kept under the data dir."""
    return embedded_secret(settings.data_dir, "lottery_operator_key")
