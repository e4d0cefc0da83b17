"""What each bridge API gives a mini-program, masked, bounded and within its quota."""

from __future__ import annotations

import base64
import io

from PIL import Image

from kyc.models import KycApplication, State
from ledger.kinds import AccountKind
from ledger.service import open_account
from miniprogram_runtime.models import AppImage, StorageUsage
from tests.miniprogram_runtime.support import GRANT, call, error_code, released_app

SCOPES = {
    "phoneNumber": "Send you delivery updates",
    "accountSummary": "Show which account pays your parking",
    "location": "Find the nearest car park",
    "album": "Attach a photo of the ticket",
}
APIS = ["getPhoneNumber", "getAccountSummary", "getLocation", "chooseImage", "getStorage", "setStorage", "removeStorage"]


async def consented(gql, client, sign_in, *scopes):
    app = await released_app(gql, client, sign_in, jsapis=APIS, scopes=SCOPES)
    user = await sign_in("13900000001")
    for scope in scopes:
        result = await gql(GRANT, {"app": app.app_id, "scope": scope}, token=user.access_token)
        assert result["data"]["grantMiniAppConsent"]["__typename"] == "MiniAppConsent", result
    return app, user


async def test_phone_number_and_accounts_are_masked(gql, client, sign_in):
    app, user = await consented(gql, client, sign_in, "phoneNumber", "accountSummary")
    await open_account(owner_user_id=user.user_id, kind=AccountKind.CLASS_TWO, name="Everyday")

    phone = await call(client, user.access_token, app.app_id, "getPhoneNumber")
    assert phone.json()["result"] == {"maskedPhoneNumber": "139****0001", "countryCode": "86"}
    summary = (await call(client, user.access_token, app.app_id, "getAccountSummary")).json()["result"]
    [account] = summary["accounts"]
    assert account["kind"] == "class_two" and account["name"] == "Everyday" and account["balanceFen"] == 0
    assert account["number"].startswith("****") and str(user.user_id) not in str(summary)


async def test_user_info_shows_the_verified_name_masked_once_an_account_was_opened(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["getUserInfo"], scopes={"userInfo": "Greet you by name"})
    user = await sign_in("13900000001")
    await gql(GRANT, {"app": app.app_id, "scope": "userInfo"}, token=user.access_token)
    before = (await call(client, user.access_token, app.app_id, "getUserInfo")).json()["result"]
    # Given an application the KYC journey opened (its reading of the card, masked)
    await KycApplication.create(user_id=user.user_id, state=State.REJECTED, name_masked="李*")
    await KycApplication.create(user_id=user.user_id, state=State.OPENED, name_masked="张*")

    after = (await call(client, user.access_token, app.app_id, "getUserInfo")).json()["result"]

    assert before == {"nickName": "用户0001", "avatarUrl": None}
    assert after == {"nickName": "张*", "avatarUrl": None}


async def test_location_is_checked_and_rounded(gql, client, sign_in):
    app, user = await consented(gql, client, sign_in, "location")
    here = await call(client, user.access_token, app.app_id, "getLocation",
                      {"latitude": 31.2304123456, "longitude": 121.4737987654, "accuracy": 12.34})
    assert here.json()["result"] == {"latitude": 31.23041, "longitude": 121.4738, "accuracy": 12.3}
    nowhere = await call(client, user.access_token, app.app_id, "getLocation", {"latitude": 91, "longitude": 0})
    assert nowhere.status_code == 400 and nowhere.json()["error"]["field"] == "latitude"


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker with a serial number"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_a_chosen_image_is_stored_without_its_metadata(gql, client, sign_in, runtime):
    app, user = await consented(gql, client, sign_in)
    raw = _jpeg_with_exif()
    assert b"serial number" in raw
    chosen = await call(client, user.access_token, app.app_id, "chooseImage", {"data": base64.b64encode(raw).decode()})
    assert chosen.status_code == 200, chosen.text
    result = chosen.json()["result"]
    assert (result["type"], result["width"], result["height"]) == ("jpeg", 64, 48)
    stored = runtime.miniprogram_runtime.bridge.services.images.path_of(result["digest"], ".jpeg").read_bytes()
    assert b"serial number" not in stored and Image.open(io.BytesIO(stored)).size == (64, 48)
    assert await AppImage.filter(app_id=app.app_id, user_id=user.user_id).count() == 1
    usage = await StorageUsage.get(app_id=app.app_id, user_id=user.user_id)
    assert usage.image_bytes == len(stored)


async def test_files_that_are_not_allowed_images_are_refused(gql, client, sign_in, environ):
    app, user = await consented(gql, client, sign_in)
    text = base64.b64encode(b"<svg onload='alert(1)'></svg>").decode()
    assert error_code(await call(client, user.access_token, app.app_id, "chooseImage", {"data": text})) == "INVALID_IMAGE"
    bmp = io.BytesIO()
    Image.new("RGB", (8, 8)).save(bmp, "BMP")
    refused = await call(client, user.access_token, app.app_id, "chooseImage", {"data": base64.b64encode(bmp.getvalue()).decode()})
    assert refused.status_code == 422 and "BMP" in refused.json()["error"]["message"]
    assert error_code(await call(client, user.access_token, app.app_id, "chooseImage", {"data": "not base64!"})) == "INVALID_INPUT"
    assert await AppImage.filter(app_id=app.app_id).count() == 0


async def test_storage_keeps_to_its_quota(environ, sign_in_with):
    environ["MP_STORAGE_QUOTA_BYTES"] = "100"
    environ["MP_STORAGE_VALUE_BYTES"] = "80"
    gql, runtime = await sign_in_with()
    client = gql.http
    app = await released_app(gql, client, sign_in_with.sign_in, jsapis=APIS, scopes=SCOPES)
    user = await sign_in_with.sign_in("13900000001")
    token = user.access_token

    assert (await call(client, token, app.app_id, "setStorage", {"key": "a", "data": "x" * 50})).status_code == 200
    too_big = await call(client, token, app.app_id, "setStorage", {"key": "b", "data": "y" * 90})
    assert too_big.status_code == 400 and too_big.json()["error"]["field"] == "data"
    full = await call(client, token, app.app_id, "setStorage", {"key": "b", "data": "y" * 50})
    assert full.status_code == 413 and full.json()["error"]["quotaBytes"] == 100
    # Overwriting a key counts its new size only; removing frees space.
    assert (await call(client, token, app.app_id, "setStorage", {"key": "a", "data": "z" * 60})).status_code == 200
    await call(client, token, app.app_id, "removeStorage", {"key": "a"})
    assert (await call(client, token, app.app_id, "setStorage", {"key": "b", "data": "y" * 50})).status_code == 200
    assert (await StorageUsage.get(app_id=app.app_id, user_id=user.user_id)).storage_bytes == 1 + 52
