"""Which version a client runs: live or gray, by sticky bucket, whitelist and filters.

Every cold start of every client asks, so the answer is computed from a per-app release
snapshot kept in Redis. Each release change bumps the app's revision and writes the new
snapshot after its commit; a compare-and-set on the revision means a reader that loaded an
older snapshot from the database can never overwrite a newer one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import redis.asyncio as aioredis

from infra.i18n import Text
from miniprogram_host.errors import NotFound, NotPermitted
from miniprogram_host.models import AppVersion, MiniApp, OrgMember
from miniprogram_host.packages import dev_domains_of
from miniprogram_host.segments import NoSegments, SegmentDirectory
from miniprogram_host.semver import version_key

BUCKETS = 10_000
_NEGATIVE_SECONDS = 60
_PUT_IF_NEWER = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local r = tonumber(string.match(cur, '^(-?%d+)|'))
  if r and r >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[3])
return 1
"""


def bucket_of(*, app_id: str, subject: str) -> int:
    """A stable bucket in [0, 10000) per user and app: raising the percentage keeps users in."""
    digest = hashlib.blake2b(f"{app_id}\x00{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


@dataclass(frozen=True, slots=True)
class Resolved:
    app_id: str
    version: str
    digest: str
    size: int
    signature: str
    key_id: str
    min_client_version: str
    channel: str  # "live", "gray" or "preview" (a developer's own run of any version)

    def as_json(self) -> dict:
        return {
            "status": "OK", "appId": self.app_id, "version": self.version, "channel": self.channel,
            "digest": self.digest, "size": self.size, "url": f"/mp/packages/{self.digest}.zip",
            "signature": self.signature, "keyId": self.key_id, "minClientVersion": self.min_client_version,
        }


@dataclass(frozen=True, slots=True)
class UpgradeRequired:
    app_id: str
    min_client_version: str

    def as_json(self) -> dict:
        return {"status": "UPGRADE_REQUIRED", "appId": self.app_id, "minClientVersion": self.min_client_version}


@dataclass(frozen=True, slots=True)
class Unavailable:
    app_id: str
    reason: str  # UNKNOWN_APP, OFFLINE or NOT_RELEASED

    def as_json(self) -> dict:
        return {"status": self.reason, "appId": self.app_id}


Resolution = Resolved | UpgradeRequired | Unavailable


def describe_version(version: AppVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "version": version.version, "digest": version.digest, "size": version.size,
        "signature": version.signature, "keyId": version.key_id,
        "minClientVersion": version.min_client_version,
    }


async def load_snapshot(app_id: str) -> dict:
    app = await MiniApp.get_or_none(app_id=app_id)
    if app is None:
        return {"rev": -1, "known": False}
    if app.removed_at is not None:  # unknown for good, at its last revision so the cache takes it
        return {"rev": app.release_revision, "known": False}
    ids = [i for i in (app.live_version_id, app.gray_version_id) if i is not None]
    versions = {v.id: v for v in await AppVersion.filter(id__in=ids)} if ids else {}
    return snapshot_of(app, versions)


async def preview(*, app_id: str, version: str, user_id: int, client_version: str | None = None) -> Resolution:
    """A developer's own run of one version, in whatever state (a development version that
    names localhost included), never cached and never shown to anyone outside the app's
    organisation. Raises NotFound or NotPermitted."""
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)
    if app is None:
        return Unavailable(app_id, "UNKNOWN_APP")
    if not await OrgMember.exists(org_id=app.org_id, user_id=user_id):
        raise NotPermitted(Text("miniprogram_host.preview_developers_only"))
    if app.offline:  # the operators' switch holds for previews too
        return Unavailable(app_id, "OFFLINE")
    found = await AppVersion.get_or_none(app_id=app.id, version=version)
    if found is None:
        raise NotFound(Text("miniprogram_host.no_such_version", app_id=app_id, version=version))
    if found.state == "withdrawn":
        raise NotPermitted(Text("miniprogram_host.preview_version_withdrawn", version=version))
    removed = sorted(set(dev_domains_of(found.manifest)) - set(app.dev_domains))
    if removed:
        raise NotPermitted(Text("miniprogram_host.preview_domain_removed", version=version, origins=", ".join(removed)))
    if client_version is not None and not _at_least(version_key(client_version), found.min_client_version):
        return UpgradeRequired(app_id, found.min_client_version)
    described = describe_version(found)
    assert described is not None
    return _resolved(app_id, described, "preview")


def snapshot_of(app: MiniApp, versions: dict[int, AppVersion]) -> dict:
    """The release snapshot of a loaded app, given (at least) its live and gray versions by id."""
    return {
        "rev": app.release_revision,
        "known": True,
        "offline": app.offline,
        "live": describe_version(versions.get(app.live_version_id)),
        "gray": describe_version(versions.get(app.gray_version_id)),
        "rules": app.gray_rules,
    }


class ReleaseCache:
    def __init__(self, redis: aioredis.Redis, *, ttl_seconds: int, segments: SegmentDirectory | None = None) -> None:
        self._redis = redis
        self.segments: SegmentDirectory = segments or NoSegments()
        self._ttl = ttl_seconds
        self._put = redis.register_script(_PUT_IF_NEWER)

    @staticmethod
    def key(app_id: str) -> str:
        return f"mp:release:{app_id}"

    @staticmethod
    def decode(raw: bytes) -> dict:
        """The snapshot from the value stored under ``key(app_id)`` ("revision|json")."""
        return json.loads(raw.split(b"|", 1)[1])

    async def snapshot(self, app_id: str) -> dict:
        raw = await self._redis.get(self.key(app_id))
        if raw is not None:
            return self.decode(raw)
        snapshot = await load_snapshot(app_id)
        await self._store(app_id, snapshot)
        return snapshot

    async def refresh(self, app_id: str) -> None:
        """Called after every committed release change."""
        await self._store(app_id, await load_snapshot(app_id))

    async def _store(self, app_id: str, snapshot: dict) -> None:
        ttl = self._ttl if snapshot["known"] else _NEGATIVE_SECONDS
        await self._put(keys=[self.key(app_id)], args=[snapshot["rev"], json.dumps(snapshot, separators=(",", ":")), ttl])

    async def resolve(self, *, app_id: str, subject: str, user_id: int | None, platform: str,
                      client_version: str, cached: bytes | None = None) -> Resolution:
        """The version for this caller. ``cached``: the value under ``key(app_id)`` if the
        caller already read it (the bridge does, in its pipelined round trip)."""
        snapshot = self.decode(cached) if cached is not None else await self.snapshot(app_id)
        wanted = (snapshot.get("rules") or {}).get("segments") if snapshot.get("gray") else None
        in_segment = bool(wanted and user_id is not None
                          and await self.segments.member_of(user_id=user_id, segment_ids=list(wanted)))
        return choose(snapshot, app_id=app_id, subject=subject, user_id=user_id,
                      platform=platform, client_version=client_version, in_segment=in_segment)


def _at_least(client: tuple, minimum: str | None) -> bool:
    return minimum is None or client >= version_key(minimum)


def choose(snapshot: dict, *, app_id: str, subject: str, user_id: int | None, platform: str,
           client_version: str, in_segment: bool = False) -> Resolution:
    """The pure decision, given a release snapshot. `client_version` must be a semver;
    ``in_segment``: the user is in one of the gray release's segments (asked beforehand)."""
    if not snapshot["known"]:
        return Unavailable(app_id, "UNKNOWN_APP")
    if snapshot["offline"]:
        return Unavailable(app_id, "OFFLINE")
    client = version_key(client_version)
    gray, rules = snapshot["gray"], snapshot["rules"]
    targeted = gray is not None and (in_segment or _in_gray(rules, app_id=app_id, subject=subject, user_id=user_id,
                                                            platform=platform, client=client))
    if targeted and _at_least(client, gray["minClientVersion"]):
        return _resolved(app_id, gray, "gray")
    live = snapshot["live"]
    if live is None:
        # A tester of an app's first version on a client too old for it: upgrading helps.
        if targeted:
            return UpgradeRequired(app_id, gray["minClientVersion"])
        return Unavailable(app_id, "NOT_RELEASED")
    if not _at_least(client, live["minClientVersion"]):
        return UpgradeRequired(app_id, live["minClientVersion"])
    return _resolved(app_id, live, "live")


def _in_gray(rules: dict, *, app_id: str, subject: str, user_id: int | None, platform: str, client: tuple) -> bool:
    """Whether the gray release is meant for this caller: whitelisted, or in its filters and bucket
    (a member of one of its segments is let in before this, by ``choose``)."""
    if user_id is not None and user_id in rules.get("whitelist", ()):
        return True
    if not subject:  # a signed-out client that sent no device id: the live version
        return False
    in_filters = (
        (not rules.get("platforms") or platform in rules["platforms"])
        and _at_least(client, rules.get("minClientVersion"))
        and (rules.get("maxClientVersion") is None or client <= version_key(rules["maxClientVersion"]))
    )
    return in_filters and bucket_of(app_id=app_id, subject=subject) < rules.get("percent", 0) * (BUCKETS // 100)


def _resolved(app_id: str, d: dict, channel: str) -> Resolved:
    return Resolved(app_id, d["version"], d["digest"], d["size"], d["signature"], d["keyId"],
                    d["minClientVersion"], channel)
