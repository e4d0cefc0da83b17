"""What a bridge API handler gets: who calls, for which app, with what, and the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from clearing.service import ClearingService
from identity.service import IdentityService
from infra.i18n import Text
from ledger.service import LedgerService
from miniprogram_host.service import BlobStore
from openplatform.service import OpenPlatform
from tracking.service import TrackingService
from miniprogram_runtime.config import BridgeConfig
from miniprogram_runtime.errors import InvalidArguments


@dataclass(slots=True)
class Services:
    """The parts of the app the handlers reach; built once with the runtime."""

    config: BridgeConfig
    identity: IdentityService
    ledger: LedgerService
    images: BlobStore  # for chosen images
    openplatform: OpenPlatform | None = None
    tracking: TrackingService | None = None  # for ``track``
    clearing: ClearingService | None = None  # the card network, for ``topUpFromCard``
    # Runs a first-party app's declared GraphQL operation as the customer; the transport
    # sets it when it builds the schema (the runtime knows no GraphQL).
    bank_operations: BankOperations | None = None


@dataclass(frozen=True, slots=True)
class BankCall:
    """One run of a declared operation: who runs it, which, with what."""

    app_id: str
    user_id: int
    session_id: str
    document: str
    operation: str
    variables: Mapping[str, object]
    pin: str | None = field(default=None, repr=False)


# Returns the GraphQL result's data and its errors (formatted, as /graphql answers them).
BankOperations = Callable[[BankCall], Awaitable[tuple["dict | None", list[dict]]]]


@dataclass(slots=True)
class CallContext:
    app_id: str
    user_id: int
    session_id: str
    version: str
    args: dict
    services: Services
    # The payment PIN the user typed in the container's own sheet, handed to the ledger as
    # their proof; never logged.
    pin: str | None = field(default=None, repr=False)
    # What the version declares of first-party operations (empty for partners' apps).
    operations: Mapping[str, str] = field(default_factory=dict)
    first_party: bool = False

    def text(self, name: str, *, low: int = 1, high: int = 128, required: bool = True) -> str | None:
        value = self.args.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not low <= len(value) <= high:
            raise InvalidArguments(Text("miniprogram_runtime.string_length", name=name, low=low, high=high), field=name)
        return value

    def number(self, name: str, *, low: float, high: float, required: bool = True) -> float | None:
        value = self.args.get(name)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise InvalidArguments(Text("miniprogram_runtime.number_range", name=name, low=low, high=high), field=name)
        return float(value)
