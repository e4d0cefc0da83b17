"""Who vouches for the user an event names: feeds and segments trust ``user_id`` only so far.

An event may claim a user (``userId``, or a mini-program's ``openid``); the claim is kept
only when the sender proved it may speak for that user: the user's own access token, or a
batch signed by a mini-program's server naming an openid of that app. Any other claim is
dropped and the event is stored as anonymous (see tracking/PROTOCOL.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class VouchedBy(StrEnum):
    """How a stored event's user was vouched for (column ``tracking_event.vouched_by``)."""

    TOKEN = "token"  # the batch came with that user's access token
    PARTNER = "partner-signed"  # a mini-program's server signed it, naming its own user's openid
    BRIDGE = "bridge"  # a mini-program sent it through the container's bridge, in the user's session
    ANONYMOUS = "anonymous"  # no user: none was named, or the claim was dropped
    UNVERIFIED = "unverified"  # stored before claims were checked: treat the user as a claim only


@dataclass(frozen=True, slots=True)
class Voucher:
    """What the sender of one batch proved about whose events it may send."""

    signed_in_user: str | None = None  # the user of the batch's access token
    partner_app: str | None = None  # the mini-program whose server signed the batch
    users_by_openid: Mapping[str, str] = field(default_factory=dict)  # that app's openids -> user ids
    bridge_app: str | None = None  # the mini-program whose bridge call, in the user's session, sent it

    @classmethod
    def signed_in(cls, user_id: int | None) -> Voucher:
        """A batch from the app: ``user_id`` of its valid access token, None without one."""
        return cls(signed_in_user=None if user_id is None else str(user_id))

    @classmethod
    def partner(cls, app_id: str, users_by_openid: Mapping[str, int]) -> Voucher:
        """A batch signed by ``app_id``'s server; ``users_by_openid``: its openids that are known."""
        return cls(partner_app=app_id, users_by_openid={o: str(u) for o, u in users_by_openid.items()})

    @classmethod
    def through_bridge(cls, app_id: str, user_id: int) -> Voucher:
        """Events a mini-program sent by the bridge: the caller's session vouches for its user."""
        return cls(signed_in_user=str(user_id), bridge_app=app_id)

    @property
    def own_app(self) -> str | None:
        """The app every event of the batch belongs to, when the sender proved which it is."""
        return self.partner_app or self.bridge_app

    def vouch(self, *, user_id: str | None, openid: str | None) -> tuple[str | None, VouchedBy]:
        """The user to store for an event's claim, and how it was vouched for."""
        if self.partner_app is not None:  # a partner knows its users by openid only
            found = self.users_by_openid.get(openid) if openid else None
            return (found, VouchedBy.PARTNER) if found else (None, VouchedBy.ANONYMOUS)
        if user_id is not None and user_id == self.signed_in_user:
            return user_id, VouchedBy.BRIDGE if self.bridge_app is not None else VouchedBy.TOKEN
        return None, VouchedBy.ANONYMOUS


OpenIdLookup = Callable[[list[str]], Awaitable[Mapping[str, int]]]


@dataclass(frozen=True, slots=True)
class PartnerSigned:
    """A batch whose signature the open platform checked: ``app_id``'s server sent it.

    ``users_of_openids`` maps the openids *of that app* to users; openids it does not know
    (another app's included) are left out, so events naming them keep no user.
    """

    app_id: str
    users_of_openids: OpenIdLookup

    async def voucher(self, events: list) -> Voucher:
        openids = sorted({
            e["openid"] for e in events
            if isinstance(e, dict) and type(e.get("openid")) is str and 0 < len(e["openid"]) <= 64
        })
        return Voucher.partner(self.app_id, await self.users_of_openids(openids) if openids else {})
