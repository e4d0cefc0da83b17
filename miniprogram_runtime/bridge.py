"""The JSAPI bridge: every call a running mini-program makes is checked, run and audited.

Checks, in order: the version this user runs declares the API; it declares the scope the
API needs; the user consented to that scope for this app; the per-user and per-app rate
limits (Redis, so they hold across workers; every attempt counts); the user's confirmation,
given in the container's own sheet, for APIs that need it; the app's circuit and
concurrency cap (this process). The handler then runs under a timeout. The Redis reads the
checks need go in one pipelined round trip. A payment PIN typed in the container's sheet is
handed on with the call: the ledger checks it, as it does for every payment.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

import redis.asyncio as aioredis

from infra.kv import REDIS_UNAVAILABLE
from infra.i18n import Text
from miniprogram_host.service import HostError, ReleaseCache, Resolved, UpgradeRequired, app_profile, preview
from miniprogram_runtime import errors
from miniprogram_runtime.apis import BRIDGE_APIS, BridgeApi
from miniprogram_runtime.arguments import check_arguments
from miniprogram_runtime.audit import BridgeAudit
from miniprogram_runtime.breaker import CircuitBreakers
from miniprogram_runtime.consent import ConsentBook, cache_keys
from miniprogram_runtime.context import CallContext, Services
from miniprogram_runtime.manifests import DeclaredApis

log = logging.getLogger("miniprogram_runtime.bridge")

# Both fixed windows in one script; each answers -1 when under its limit, else ms to wait.
_HIT_BOTH = """
local u = redis.call('INCR', KEYS[1])
if u == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local a = redis.call('INCR', KEYS[2])
if a == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
local uw, aw = -1, -1
if u > tonumber(ARGV[3]) then uw = math.max(redis.call('PTTL', KEYS[1]), 1) end
if a > tonumber(ARGV[4]) then aw = math.max(redis.call('PTTL', KEYS[2]), 1) end
return {uw, aw}
"""


class Bridge:
    def __init__(self, *, redis: aioredis.Redis, releases: ReleaseCache, consents: ConsentBook,
                 audit: BridgeAudit, services: Services) -> None:
        config = services.config
        self._redis = redis
        self._releases = releases
        self.consents = consents
        self.audit = audit
        self.services = services
        self.declared = DeclaredApis()
        self.breakers = CircuitBreakers(
            failures=config.breaker_failures, cooldown_seconds=config.breaker_cooldown_seconds,
            concurrency=config.app_concurrency,
        )
        self._app_window_ms = config.app_window_seconds * 1000
        self._limits = {
            name: config.limits.get(name, (api.per_user_per_minute, api.per_app_per_second))
            for name, api in BRIDGE_APIS.items()
        }

    async def call(self, *, app_id: str, api: str, user_id: int, session_id: str, args: dict,
                   platform: str, client_version: str, pin: str | None = None, confirmed: bool = False,
                   preview_version: str | None = None) -> dict:
        """Run one call with every check; raises a BridgeRefusal subclass when refused.
        ``preview_version``: the caller, a developer of the app, runs that version in preview."""
        started = time.perf_counter()
        outcome, version = "OK", None
        try:
            found = BRIDGE_APIS.get(api)
            if found is None:
                raise errors.UnknownApi(Text("miniprogram_runtime.no_such_api", api=api))
            version, ctx = await self._checked(found, app_id, user_id, session_id, args, platform, client_version,
                                               pin, preview_version)
            if found.needs_confirmation and not confirmed:
                raise errors.ConfirmationRequired()
            return await self._run(found, ctx)
        except errors.BridgeRefusal as refusal:
            outcome = refusal.code
            raise
        except BaseException:
            outcome = "INTERNAL"
            raise
        finally:
            self.audit.record(app_id=app_id, user_id=user_id, api=api, version=version, outcome=outcome,
                              duration_us=int((time.perf_counter() - started) * 1e6))

    async def call_unchecked(self, *, app_id: str, api: str, user_id: int, session_id: str, args: dict) -> dict:
        """The handler alone, no checks, no audit: the benchmark's baseline, never routed in the app."""
        ctx = CallContext(app_id, user_id, session_id, "", args, self.services)
        return await BRIDGE_APIS[api].handler(ctx)

    async def _checked(self, api: BridgeApi, app_id: str, user_id: int, session_id: str, args: dict,
                       platform: str, client_version: str, pin: str | None,
                       preview_version: str | None = None) -> tuple[str, CallContext]:
        per_user, per_app = self._limits[api.name]
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(ReleaseCache.key(app_id))
            pipe.eval(_HIT_BOTH, 2, f"mprt:rl:u:{app_id}:{api.name}:{user_id}", f"mprt:rl:a:{app_id}:{api.name}",
                      60_000, self._app_window_ms, per_user, per_app)
            if api.needs_consent:
                pipe.mget(*cache_keys(app_id, user_id))
            replies = await pipe.execute()
        raw_snapshot, (user_wait, app_wait) = replies[0], replies[1]
        if preview_version is not None:
            try:
                resolved = await preview(app_id=app_id, version=preview_version, user_id=user_id,
                                         client_version=client_version)
            except HostError as exc:
                raise errors.PreviewRefused(exc.args[0]) from None
        else:
            resolved = await self._releases.resolve(app_id=app_id, subject=f"u:{user_id}", user_id=user_id,
                                                    platform=platform, client_version=client_version,
                                                    cached=raw_snapshot)
        if not isinstance(resolved, Resolved):
            reason = "UPGRADE_REQUIRED" if isinstance(resolved, UpgradeRequired) else resolved.reason
            raise errors.AppUnavailable(reason=reason)
        declared = await self.declared.of(app_id=app_id, digest=resolved.digest)
        if api.name not in declared.jsapis:
            raise errors.ApiNotDeclared(
                Text("miniprogram_runtime.version_lacks_api", version=declared.version, api=api.name), api=api.name
            )
        if api.scope is not None and api.scope not in declared.scopes:
            raise errors.ScopeNotDeclared(
                Text("miniprogram_runtime.version_lacks_scope", api=api.name, scope=api.scope, version=declared.version),
                scope=api.scope,
            )
        if api.needs_consent:
            granted = await self.consents.granted_scopes(app_id=app_id, user_id=user_id, cached=tuple(replies[2]))
            if api.scope not in granted:
                raise errors.AuthorizationRequired(
                    authorization={"scope": api.scope, "reason": declared.scopes[api.scope],
                                   "app": await _app_card(app_id)},
                )
        if user_wait >= 0 or app_wait >= 0:
            wait = max(user_wait, app_wait)
            raise errors.RateLimited(limit="user" if user_wait >= 0 else "app",
                                     retryAfterSeconds=max(1, math.ceil(wait / 1000)))
        # After the rate limits, so the walk over a large body is paid for by the caller's budget.
        check_arguments(args, max_depth=self.services.config.max_args_depth)
        return declared.version, CallContext(app_id, user_id, session_id, declared.version, args, self.services, pin,
                                             declared.operations, declared.first_party)

    async def _run(self, api: BridgeApi, ctx: CallContext) -> dict:
        breakers = self.breakers
        admission = breakers.admit(ctx.app_id)
        if not admission.allowed:
            if admission.busy:
                raise errors.AppBusy()
            raise errors.CircuitOpen(retryAfterSeconds=max(1, math.ceil(admission.retry_after)))
        # Only the platform's own trouble (timeouts, database and Redis errors, bugs) counts
        # against the circuit; a typed refusal of this call tells nothing of the app's health.
        failed, telling = True, True
        try:
            # asyncio.timeout, not wait_for: no extra task per call.
            async with asyncio.timeout(self.services.config.call_timeout_seconds):
                result = await api.handler(ctx)
            failed = False
            return result
        except TimeoutError:
            raise errors.CallTimedOut() from None
        except errors.BridgeRefusal as refusal:
            failed = telling = refusal.counts_as_failure
            raise
        except asyncio.CancelledError:  # the client went away: not the app's fault
            failed = telling = False
            raise
        except REDIS_UNAVAILABLE:  # the platform's outage: answered 503 with Retry-After by the HTTP layer
            raise
        except Exception:
            log.exception("bridge call %s of %s failed", api.name, ctx.app_id)
            raise errors.CallFailed() from None
        finally:
            breakers.done(ctx.app_id, admission, failed=failed, telling=telling)


async def _app_card(app_id: str) -> dict:
    """What the consent prompt shows of the app."""
    profile = await app_profile(app_id)
    if profile is None:
        raise errors.AppUnavailable(reason="UNKNOWN_APP")
    return {"appId": profile.app_id, "name": profile.name, "iconUrl": profile.icon_url}
