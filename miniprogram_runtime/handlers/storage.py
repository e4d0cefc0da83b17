"""Per-app, per-user key-value storage with a quota, like a browser's localStorage but kept
by the bank so it follows the user across devices."""

from __future__ import annotations

import orjson
from tortoise.transactions import in_transaction

from infra.i18n import Text
from miniprogram_runtime.context import CallContext
from miniprogram_runtime.errors import InvalidArguments, QuotaExceeded
from miniprogram_runtime.models import StorageItem, StorageUsage


async def get_storage(ctx: CallContext) -> dict:
    key = ctx.text("key")
    value = await StorageItem.filter(app_id=ctx.app_id, user_id=ctx.user_id, key=key).first().values_list("value", flat=True)
    if value is None:
        return {"key": key, "found": False, "data": None}
    return {"key": key, "found": True, "data": orjson.loads(value)}


async def locked_usage(app_id: str, user_id: int) -> StorageUsage:
    """The user's usage row in this app, locked until the surrounding transaction ends."""
    await StorageUsage.get_or_create(app_id=app_id, user_id=user_id)
    return await StorageUsage.select_for_update().get(app_id=app_id, user_id=user_id)


async def set_storage(ctx: CallContext) -> dict:
    key = ctx.text("key")
    if "data" not in ctx.args:
        raise InvalidArguments(Text("miniprogram_runtime.storage_data_required"), field="data")
    try:
        value = orjson.dumps(ctx.args["data"]).decode()
    except orjson.JSONEncodeError:  # e.g. an integer past 64 bits handed in by a Python caller
        raise InvalidArguments(Text("miniprogram_runtime.storage_data_invalid"), field="data") from None
    size = len(key.encode()) + len(value.encode())
    limit = ctx.services.config.storage_value_bytes
    if size > limit:
        raise InvalidArguments(Text("miniprogram_runtime.storage_value_size", max=limit), field="data")
    quota = ctx.services.config.storage_quota_bytes
    async with in_transaction():
        usage = await locked_usage(ctx.app_id, ctx.user_id)
        item = await StorageItem.get_or_none(app_id=ctx.app_id, user_id=ctx.user_id, key=key)
        total = usage.storage_bytes - (item.size if item else 0) + size
        if total > quota:
            raise QuotaExceeded(usedBytes=usage.storage_bytes, quotaBytes=quota)
        if item is None:
            await StorageItem.create(app_id=ctx.app_id, user_id=ctx.user_id, key=key, value=value, size=size)
        else:
            item.value, item.size = value, size
            await item.save(update_fields=["value", "size", "updated_at"])
        usage.storage_bytes = total
        await usage.save(update_fields=["storage_bytes"])
    return {"key": key, "usedBytes": total, "quotaBytes": quota}


async def remove_storage(ctx: CallContext) -> dict:
    key = ctx.text("key")
    async with in_transaction():
        usage = await locked_usage(ctx.app_id, ctx.user_id)
        item = await StorageItem.get_or_none(app_id=ctx.app_id, user_id=ctx.user_id, key=key)
        if item is not None:
            await item.delete()
            usage.storage_bytes -= item.size
            await usage.save(update_fields=["storage_bytes"])
    return {"key": key, "removed": item is not None}
