"""The registry of bridge APIs: what each needs before it runs, and its rate limits.

Names are the JSAPIs a manifest declares (``miniprogram_host.jsapi.JSAPIS``); scopes are
the host's scopes, declared in the manifest with the reason shown to users. APIs of the
catalogue that are not here (navigation, toasts) are handled by the container itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from miniprogram_runtime.context import CallContext
from miniprogram_runtime.handlers import bank, cards, images, navigation, partner, profile, storage, tracking

Handler = Callable[[CallContext], Awaitable[dict]]


@dataclass(frozen=True, slots=True)
class BridgeApi:
    name: str
    handler: Handler
    scope: str | None = None  # the manifest must declare it
    needs_consent: bool = False  # the user must have granted the scope to this app
    needs_confirmation: bool = False  # the container asked the user in its own sheet (body "confirmed")
    per_user_per_minute: int = 60
    per_app_per_second: int = 200


def _registry(*apis: BridgeApi) -> dict[str, BridgeApi]:
    return {api.name: api for api in apis}


BRIDGE_APIS: dict[str, BridgeApi] = _registry(
    BridgeApi("getUserInfo", profile.get_user_info, scope="userInfo", needs_consent=True, per_user_per_minute=30),
    BridgeApi("getPhoneNumber", profile.get_phone_number, scope="phoneNumber", needs_consent=True, per_user_per_minute=10),
    BridgeApi("getAccountSummary", profile.get_account_summary, scope="accountSummary", needs_consent=True,
              per_user_per_minute=20),
    BridgeApi("getLocation", profile.get_location, scope="location", needs_consent=True, per_user_per_minute=60),
    # The user picks the file in the container's own dialog: that choice is the consent.
    BridgeApi("chooseImage", images.choose_image, scope="album", per_user_per_minute=20, per_app_per_second=50),
    BridgeApi("login", partner.login, per_user_per_minute=30),
    # The container asks for the payment PIN; the ledger checks it (paying an app needs it every time).
    # Two calls a payment: one for the order the sheet shows, one with the PIN.
    BridgeApi("requestPayment", partner.request_payment, scope="payment", per_user_per_minute=20,
              per_app_per_second=100),
    # A top-up from a bound card the app names by its token: the PIN every time, as for a payment.
    BridgeApi("topUpFromCard", cards.top_up_from_card, scope="payment", per_user_per_minute=10,
              per_app_per_second=50),
    BridgeApi("requestSubscribeMessage", partner.request_subscribe_message, needs_confirmation=True,
              per_user_per_minute=20),
    BridgeApi("getStorage", storage.get_storage, per_user_per_minute=600, per_app_per_second=2000),
    BridgeApi("setStorage", storage.set_storage, per_user_per_minute=300, per_app_per_second=1000),
    BridgeApi("removeStorage", storage.remove_storage, per_user_per_minute=300, per_app_per_second=1000),
    # First-party apps' screens are made of these calls: limits like /graphql's, not a sheet's.
    BridgeApi("bankGraphql", bank.bank_graphql, per_user_per_minute=600, per_app_per_second=2000),
    # Analytics through the container, so the frame's CSP can stay closed to everything else.
    BridgeApi("track", tracking.track, per_user_per_minute=300, per_app_per_second=1000),
    # The container opens the app the bridge named, in its own place.
    BridgeApi("navigateToMiniProgram", navigation.navigate_to_mini_program, per_user_per_minute=30),
)
