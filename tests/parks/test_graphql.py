"""Parks over GraphQL, as the mini-program's operations call it: listings, bills paid with
the PIN, tickets, photos by multipart; refusals for the wrong role and the wrong owner."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.parks.photos import GPS_IFD, sideways_photo_with_gps
from tests.parks.support import fund, leased_unit, unit

LISTINGS = """query($search: ParkUnitSearchInput, $first: Int!, $after: String) {
  parkListings(search: $search, first: $first, after: $after) {
    __typename
    ... on ParkUnitPage { units { code areaM2 use rentFenPerM2Day availableFrom } endCursor hasNextPage }
    ... on ParksRefusal { code field }
    ... on InvalidInput { field } } }"""
BILLS = """query($id: ID!) { myRentBills(enterpriseId: $id) {
  __typename ... on RentBillList { bills { id kind period amount status late } }
  ... on ParksRefusal { code } } }"""
PARK_BILLS = """query($id: ID!) { parkRentBills(parkId: $id) {
  __typename ... on RentBillList { bills { id } } ... on ParksRefusal { code message } } }"""
PAY = """mutation($bill: ID!, $pin: String!) { payRentBill(billId: $bill, pin: $pin) {
  __typename
  ... on RentReceipt { amount replayed payerName payeeName payerAccountNumber bill { status } }
  ... on ParksRefusal { code reason message }
  ... on InvalidInput { field } } }"""
SET_PIN = "mutation($pin: String!) { setPaymentPin(pin: $pin) { __typename } }"
PHOTO = """mutation($unit: ID!, $photo: Upload!) { addParkUnitPhoto(unitId: $unit, photo: $photo) {
  __typename ... on ParkPhoto { width height renditions { name mediaType width height url } }
  ... on ParksRefusal { code } } }"""
TICKET = """mutation($unit: ID!) { fileRepairTicket(unitId: $unit, category: ELECTRICAL, urgency: URGENT,
  description: "配电箱冒烟") { __typename ... on RepairTicket { id status urgency history { toStatus } }
  ... on ParksRefusal { code } } }"""
PHONES = {"manager": "13900001002", "technician": "13900001003", "rival_manager": "13900001012",
          "tenant_admin": "13900001021", "tenant_staff": "13900001022", "other_admin": "13900001031"}


async def _tokens(sign_in, *names):
    return {name: (await sign_in(PHONES[name])).access_token for name in names}


async def test_listings_page_through_graphql_and_need_a_session(gql, runtime, world, sign_in):
    for code, use in (("A-1", "office"), ("A-2", "plant"), ("A-3", "office")):
        await unit(runtime, world, code, use=use, area_m2="88.8")
    token = (await _tokens(sign_in, "other_admin"))["other_admin"]

    first = await gql(LISTINGS, {"search": {"use": "OFFICE"}, "first": 1}, token=token)
    page = first["data"]["parkListings"]
    second = await gql(LISTINGS, {"search": {"use": "OFFICE"}, "first": 1, "after": page["endCursor"]}, token=token)
    bad = await gql(LISTINGS, {"search": {"parkId": "x1"}, "first": 1}, token=token)
    anonymous = await gql(LISTINGS, {"first": 1})

    assert page["units"] == [{"code": "A-1", "areaM2": "88.80", "use": "OFFICE", "rentFenPerM2Day": 450,
                              "availableFrom": "2026-12-01"}] and page["hasNextPage"]
    assert [u["code"] for u in second["data"]["parkListings"]["units"]] == ["A-3"]
    assert not second["data"]["parkListings"]["hasNextPage"]
    assert bad["data"]["parkListings"] == {"__typename": "InvalidInput", "field": "parkId"}
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_bill_is_paid_with_the_pin_and_refused_to_the_wrong_role_and_owner(gql, runtime, world, sign_in):
    await leased_unit(runtime, world, months=1, deposit=0)
    await fund(runtime, world, world.tenant, 50_000_00, "fund")
    tokens = await _tokens(sign_in, "tenant_admin", "tenant_staff", "other_admin")
    for token in tokens.values():
        await gql(SET_PIN, {"pin": "135790"}, token=token)
    bills = (await gql(BILLS, {"id": str(world.tenant.id)}, token=tokens["tenant_staff"]))["data"]["myRentBills"]
    bill = bills["bills"][0]["id"]

    by_maker = await gql(PAY, {"bill": bill, "pin": "135790"}, token=tokens["tenant_staff"])
    by_other = await gql(PAY, {"bill": bill, "pin": "135790"}, token=tokens["other_admin"])
    wrong_pin = await gql(PAY, {"bill": bill, "pin": "975310"}, token=tokens["tenant_admin"])
    paid = await gql(PAY, {"bill": bill, "pin": "135790"}, token=tokens["tenant_admin"])
    again = await gql(PAY, {"bill": bill, "pin": "135790"}, token=tokens["tenant_admin"])
    other_bills = await gql(BILLS, {"id": str(world.tenant.id)}, token=tokens["other_admin"])
    bad_id = await gql(PAY, {"bill": "0", "pin": "135790"}, token=tokens["tenant_admin"])

    assert by_maker["data"]["payRentBill"]["code"] == "TENANT_ROLE_REQUIRED"
    assert by_other["data"]["payRentBill"]["code"] == "NOT_FOUND"
    assert (wrong_pin["data"]["payRentBill"]["code"], wrong_pin["data"]["payRentBill"]["reason"]) == (
        "PAYMENT_REFUSED", "WRONG_PIN")
    receipt = paid["data"]["payRentBill"]
    assert (receipt["__typename"], receipt["amount"], receipt["replayed"], receipt["bill"]["status"]) == (
        "RentReceipt", 1_707_750, False, "PAID")
    assert "*" in receipt["payerAccountNumber"] and receipt["payeeName"] == "深圳湾科技园运营有限公司"
    assert again["data"]["payRentBill"]["replayed"] is True
    assert other_bills["data"]["myRentBills"]["code"] == "NOT_FOUND"
    assert bad_id["data"]["payRentBill"] == {"__typename": "InvalidInput", "field": "billId"}


async def test_a_parks_bills_are_for_its_managers_only(gql, runtime, world, sign_in):
    await leased_unit(runtime, world)
    tokens = await _tokens(sign_in, "manager", "technician", "rival_manager", "tenant_admin")

    answers = {name: (await gql(PARK_BILLS, {"id": str(world.park.id)}, token=token))["data"]["parkRentBills"]
               for name, token in tokens.items()}

    assert len(answers["manager"]["bills"]) == 4
    assert answers["technician"]["code"] == "PARK_ROLE_REQUIRED"
    assert answers["rival_manager"]["code"] == answers["tenant_admin"]["code"] == "NOT_FOUND"


async def test_a_unit_photo_uploaded_by_multipart_is_served_clean(client, runtime, world, sign_in):
    listed = await unit(runtime, world)
    token = (await _tokens(sign_in, "manager"))["manager"]
    operations = json.dumps({"query": PHOTO, "variables": {"unit": str(listed.id), "photo": None}})

    response = await client.post(
        "/graphql", headers={"authorization": f"Bearer {token}"},
        data={"operations": operations, "map": json.dumps({"0": ["variables.photo"]})},
        files={"0": ("site.jpg", sideways_photo_with_gps(), "image/jpeg")})

    photo = response.json()["data"]["addParkUnitPhoto"]
    assert (photo["__typename"], photo["width"], photo["height"]) == ("ParkPhoto", 1200, 1600)
    url = next(r["url"] for r in photo["renditions"] if (r["name"], r["mediaType"]) == ("2x", "image/webp"))
    served = await client.get(url)
    image = Image.open(io.BytesIO(served.content))
    assert served.headers["content-type"] == "image/webp" and image.size == (800, 1067)
    assert not image.getexif().get_ifd(GPS_IFD) and len(image.getexif()) == 0
    assert (await client.get(url.replace("/2x.", "/9x."))).status_code == 404
    assert (await client.get("/parks/photos/nope/1x.jpg")).status_code == 404


async def test_only_the_units_tenant_files_a_ticket(gql, runtime, world, sign_in):
    listed, _ = await leased_unit(runtime, world)
    tokens = await _tokens(sign_in, "tenant_staff", "other_admin")

    filed = await gql(TICKET, {"unit": str(listed.id)}, token=tokens["tenant_staff"])
    stranger = await gql(TICKET, {"unit": str(listed.id)}, token=tokens["other_admin"])

    ticket = filed["data"]["fileRepairTicket"]
    assert (ticket["status"], ticket["urgency"], ticket["history"]) == ("NEW", "URGENT", [{"toStatus": "NEW"}])
    assert stranger["data"]["fileRepairTicket"]["code"] == "NOT_FOUND"


DEFINE = """mutation($park: ID!, $schema: JSON!, $steps: [ParkAffairStepInput!]!) {
  defineParkAffairType(parkId: $park, code: "move_in", name: "入驻登记", formSchema: $schema, steps: $steps) {
    __typename ... on ParkAffairType { id steps { name approverUserIds } } ... on InvalidInput { field }
    ... on ParksRefusal { code } } }"""
APPLY = """mutation($enterprise: ID!, $type: ID!, $form: JSON!) {
  applyParkAffair(enterpriseId: $enterprise, typeId: $type, form: $form) {
    __typename ... on ParkAffairApplication { id status stepName form } ... on InvalidInput { field }
    ... on ParksRefusal { code } } }"""
DECIDE = """mutation($id: ID!) { decideParkAffair(applicationId: $id, approve: true, reason: "材料齐全") {
  __typename ... on ParkAffairApplication { status decisions { stepName approved reason } }
  ... on ParksRefusal { code } } }"""
MINE = """query($enterprise: ID!) { myParkAffairs(enterpriseId: $enterprise) {
  __typename ... on ParkAffairApplicationList { applications { typeName status } } ... on ParksRefusal { code } } }"""


async def test_a_park_affair_defined_applied_and_decided_over_graphql(gql, runtime, world, sign_in):
    await leased_unit(runtime, world)
    tokens = await _tokens(sign_in, "manager", "tenant_staff", "other_admin", "technician")
    schema = {"type": "object", "required": ["date"], "properties": {"date": {"type": "string", "format": "date"}}}

    defined = await gql(DEFINE, {"park": str(world.park.id), "schema": schema,
                                 "steps": [{"name": "园区审批", "approverUserIds": [str(world.manager)]}]},
                        token=tokens["manager"])
    by_technician = await gql(DEFINE, {"park": str(world.park.id), "schema": schema,
                                       "steps": [{"name": "园区审批", "approverUserIds": [str(world.manager)]}]},
                              token=tokens["technician"])
    kind = defined["data"]["defineParkAffairType"]
    bad = await gql(APPLY, {"enterprise": str(world.tenant.id), "type": kind["id"], "form": {"date": "明天"}},
                    token=tokens["tenant_staff"])
    applied = await gql(APPLY, {"enterprise": str(world.tenant.id), "type": kind["id"], "form": {"date": "2026-12-20"}},
                        token=tokens["tenant_staff"])
    application = applied["data"]["applyParkAffair"]
    by_tenant = await gql(DECIDE, {"id": application["id"]}, token=tokens["tenant_staff"])
    decided = await gql(DECIDE, {"id": application["id"]}, token=tokens["manager"])
    theirs = await gql(MINE, {"enterprise": str(world.tenant.id)}, token=tokens["other_admin"])

    assert kind["steps"] == [{"name": "园区审批", "approverUserIds": [str(world.manager)]}]
    assert by_technician["data"]["defineParkAffairType"]["code"] == "PARK_ROLE_REQUIRED"
    assert bad["data"]["applyParkAffair"] == {"__typename": "InvalidInput", "field": "form"}
    assert (application["status"], application["stepName"], application["form"]) == (
        "IN_REVIEW", "园区审批", {"date": "2026-12-20"})
    assert by_tenant["data"]["decideParkAffair"]["code"] == "NOT_FOUND"
    assert decided["data"]["decideParkAffair"] == {"__typename": "ParkAffairApplication", "status": "APPROVED",
                                                   "decisions": [{"stepName": "园区审批", "approved": True,
                                                                  "reason": "材料齐全"}]}
    assert theirs["data"]["myParkAffairs"]["code"] == "NOT_FOUND"
