"""The JSAPIs and permission scopes a mini-program may declare, and how calls are found.

A package's JavaScript reaches the host only through the bridge object ``sa``. Two call
forms are recognised by the static scan, and every API they name must be declared in the
manifest's ``jsapis``:

    sa.getLocation({...})            direct call: ``sa.<api>(``
    sa.invoke("getLocation", {...})  bridge call: ``sa.invoke("<api>"`` (or single quotes)
    miniapp.call("getLocation")      the SDK's alias of the bridge call

``sa.invoke`` and ``sa.on``/``sa.off`` (event listeners) are bridge plumbing, not APIs.
"""

from __future__ import annotations

import re

JSAPIS = frozenset(
    {
        "request", "uploadFile", "downloadFile", "connectSocket",
        "getStorage", "setStorage", "removeStorage",
        "navigateTo", "navigateBack", "redirectTo", "showToast", "showModal", "setNavigationBarTitle",
        "getSystemInfo", "getNetworkType", "setClipboardData", "makePhoneCall", "scanCode",
        "chooseImage", "previewImage", "getLocation", "getUserProfile", "getPhoneNumber",
        "requestPayment", "share", "close",
        "login", "getUserInfo", "getAccountSummary", "requestSubscribeMessage", "track",
        "bankGraphql",  # first-party apps only (miniprogram_host.service.BANK_JSAPI)
        "navigateToMiniProgram", "topUpFromCard",
    }
)
BRIDGE_PLUMBING = frozenset({"invoke", "on", "off"})

SCOPES = frozenset({"userInfo", "phoneNumber", "location", "camera", "album", "payment", "accountSummary"})

_DIRECT_CALL = re.compile(r"(?<![\w$])sa\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")
_BRIDGE_CALL = re.compile(r"(?<![\w$])(?:sa\s*\.\s*invoke|miniapp\s*\.\s*call)\s*\(\s*[\"']([A-Za-z_$][\w$]*)[\"']")


def jsapis_called(source: str) -> set[str]:
    """The API names a piece of JavaScript calls through the bridge."""
    direct = {name for name in _DIRECT_CALL.findall(source) if name not in BRIDGE_PLUMBING}
    return direct | set(_BRIDGE_CALL.findall(source))
