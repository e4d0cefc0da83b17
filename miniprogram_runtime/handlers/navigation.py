"""``navigateToMiniProgram``: a mini-program opens another, by its appId, or, for the bank's
own apps, by the name the bank gave it (``bankApp``, such as "payroll"). The bridge answers
which app that is; the container then opens it in its place, where it resolves its own version
for the same customer."""

from __future__ import annotations

from infra.i18n import Text
from miniprogram_host.service import app_profile, bank_app_id
from miniprogram_runtime import errors
from miniprogram_runtime.context import CallContext


async def navigate_to_mini_program(ctx: CallContext) -> dict:
    target = ctx.text("appId", low=3, high=32, required=False)
    code = ctx.text("bankApp", low=2, high=32, required=False)
    if (target is None) == (code is None):
        raise errors.InvalidArguments(Text("miniprogram_runtime.navigate_target"), field="appId")
    if code is not None:
        if not ctx.first_party:
            raise errors.NotFirstParty()
        target = await bank_app_id(code)
    profile = await app_profile(target) if target is not None and target != ctx.app_id else None
    if profile is None:
        raise errors.AppUnavailable(Text("miniprogram_runtime.navigate_unknown"), reason="UNKNOWN_APP")
    return {"appId": profile.app_id, "name": profile.name}
