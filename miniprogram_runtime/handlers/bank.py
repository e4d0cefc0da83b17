"""``bankGraphql``: a first-party mini-program reaches its server side.

The page names an operation its version declared (``bankOperations`` in the manifest,
checked against the schema at upload) and passes its variables; the operation runs as the
customer whose session the container attached, with no operator role. The page never
holds the customer's token, and cannot run a document of its own.

A PIN, when the operation takes one (a ``$pin`` variable), comes from the container's own
sheet, never from the page.
"""

from __future__ import annotations

from infra.i18n import Text
from miniprogram_runtime import errors
from miniprogram_runtime.context import BankCall, CallContext

PIN_VARIABLE = "pin"


async def bank_graphql(ctx: CallContext) -> dict:
    if not ctx.first_party:
        raise errors.NotFirstParty()
    name = ctx.text("operation", high=64)
    variables = ctx.args.get("variables", {})
    if not isinstance(variables, dict):
        raise errors.InvalidArguments(Text("miniprogram_runtime.variables_not_object"), field="variables")
    if PIN_VARIABLE in variables:
        raise errors.InvalidArguments(Text("miniprogram_runtime.pin_from_page"), field=f"variables.{PIN_VARIABLE}")
    document = ctx.operations.get(name or "")
    if document is None:
        raise errors.UnknownOperation(Text("miniprogram_runtime.no_such_operation", operation=name,
                                           version=ctx.version), operation=name)
    run = ctx.services.bank_operations
    if run is None:  # a runtime built without the transport (a worker): nothing can run it
        raise errors.CallFailed()
    data, problems = await run(BankCall(ctx.app_id, ctx.user_id, ctx.session_id, document, name or "", variables,
                                        ctx.pin))
    return {"data": data, **({"errors": problems} if problems else {})}
