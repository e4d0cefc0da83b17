"""Park operators keep parks, buildings and units; unit photos come out clean (no EXIF, GPS
included), upright, at 1x/2x/3x in WebP and JPEG; bad uploads get typed refusals."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from miniprograms.parks.service import (
    ImageTooLarge, InvalidInput, NotAnImage, NotFound, ParkRoleRequired, ParksService, PhotoLimits, TooManyPixels,
    UnitStatus, UnitUse, rendition_bytes,
)
from tests.parks.photos import GPS_IFD, gif, huge_in_pixels, png, sideways_photo_with_gps
from tests.parks.support import unit


async def test_a_manager_lists_a_unit_with_its_area_use_rent_and_date(runtime, world):
    listed = await unit(runtime, world, area_m2="126.5", use="plant", rent_fen_per_m2_day=180)

    assert (listed.code, listed.floor, str(listed.area_m2), listed.use, listed.rent_fen_per_m2_day) == (
        "A-1201", 12, "126.50", UnitUse.PLANT, 180)
    assert listed.available_from == date(2026, 12, 1) and listed.status is UnitStatus.AVAILABLE
    assert listed.monthly_rent_estimate == 683_100  # 126.5 m² x 1.80 yuan x 30 days = 6,831 yuan


@pytest.mark.parametrize("area", ["12.345", "0", "-3", "abc", "1e400", None, True])
async def test_an_area_that_is_not_square_metres_to_the_hundredth_is_refused(runtime, world, area):
    with pytest.raises(InvalidInput) as refused:
        await unit(runtime, world, area_m2=area)
    assert refused.value.field == "areaM2"


async def test_only_the_parks_manager_adds_units(runtime, world):
    with pytest.raises(NotFound):  # another operator's manager: our park does not exist for them
        await runtime.parks.add_unit(by_user_id=world.rival_manager, building_id=world.building.id, code="X",
                                     floor=1, area_m2=10, use="office", rent_fen_per_m2_day=100,
                                     available_from=date(2026, 12, 1))
    with pytest.raises(NotFound):  # a tenant
        await runtime.parks.add_building(by_user_id=world.tenant_admin, park_id=world.park.id, name="B 栋", floors=3)
    with pytest.raises(ParkRoleRequired) as refused:  # the park's technician: wrong role
        await runtime.parks.add_building(by_user_id=world.technician, park_id=world.park.id, name="B 栋", floors=3)
    assert refused.value.role == "manager"


async def test_only_a_park_operators_administrator_opens_a_park(runtime, world):
    with pytest.raises(InvalidInput) as not_operator:  # a tenant's administrator, of a plain enterprise
        await runtime.parks.create_park(by_user_id=world.tenant_admin, operator_enterprise_id=world.tenant.id,
                                        name="假园区", city="深圳", address="某处")
    with pytest.raises(NotFound):  # someone else's operator
        await runtime.parks.create_park(by_user_id=world.rival_manager, operator_enterprise_id=world.owner.id,
                                        name="假园区", city="深圳", address="某处")
    with pytest.raises(NotFound):  # park staff cannot appoint staff: only the operator's administrators
        await runtime.parks.appoint_staff(by_user_id=world.manager, park_id=world.park.id,
                                          user_id=world.tenant_admin, role="manager")
    assert not_operator.value.field == "operatorEnterpriseId"


def _read(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_a_photo_is_stripped_of_exif_turned_upright_and_rendered_for_three_densities(runtime, world):
    listed = await unit(runtime, world)

    photo = await runtime.parks.add_unit_photo(by_user_id=world.manager, unit_id=listed.id,
                                               data=sideways_photo_with_gps())

    assert (photo.width, photo.height) == (1200, 1600)  # the 1600x1200 landscape, turned as its EXIF said
    kinds = {(r.name, r.media_type): (r.width, r.height) for r in photo.renditions}
    assert kinds == {
        ("1x", "image/webp"): (400, 533), ("1x", "image/jpeg"): (400, 533),
        ("2x", "image/webp"): (800, 1067), ("2x", "image/jpeg"): (800, 1067),
        ("3x", "image/webp"): (1200, 1600), ("3x", "image/jpeg"): (1200, 1600),
        ("thumb", "image/webp"): (160, 160), ("thumb", "image/jpeg"): (160, 160),
    }
    for rendition in photo.renditions:
        key, file = rendition.url.removeprefix("/parks/photos/").split("/")
        name, ext = file.split(".")
        media_type, data = await rendition_bytes(key=key, name=name, ext=ext)
        image = _read(data)
        assert media_type == rendition.media_type and image.format == ("WEBP" if ext == "webp" else "JPEG")
        assert image.size == (rendition.width, rendition.height)
        exif = image.getexif()
        assert len(exif) == 0 and not exif.get_ifd(GPS_IFD), rendition
        assert b"Exif" not in data and b"TestCam" not in data
    top = _read((await rendition_bytes(key=key, name="1x", ext="jpg"))[1]).getpixel((200, 20))
    assert top[2] > 150 and top[0] < 100  # the left (blue) half is now on top


async def test_a_png_with_transparency_becomes_an_opaque_photo(runtime, world):
    listed = await unit(runtime, world)
    photo = await runtime.parks.add_unit_photo(by_user_id=world.manager, unit_id=listed.id, data=png())
    assert (photo.width, photo.height) == (300, 200)
    assert {r.width for r in photo.renditions if r.name != "thumb"} == {300}  # never enlarged


async def test_uploads_that_are_not_photos_or_too_big_get_typed_refusals(runtime, world):
    listed = await unit(runtime, world)
    small = ParksService(ledger=runtime.ledger, tell=runtime.parks.tell, photo_limits=PhotoLimits(max_bytes=5_000))

    for data in (b"", b"not an image at all", gif(), sideways_photo_with_gps()[:2000]):
        with pytest.raises(NotAnImage):
            await runtime.parks.add_unit_photo(by_user_id=world.manager, unit_id=listed.id, data=data)
    with pytest.raises(ImageTooLarge) as too_large:
        await small.add_unit_photo(by_user_id=world.manager, unit_id=listed.id, data=sideways_photo_with_gps())
    with pytest.raises(TooManyPixels) as too_many:
        await runtime.parks.add_unit_photo(by_user_id=world.manager, unit_id=listed.id, data=huge_in_pixels())
    with pytest.raises(NotFound):
        await runtime.parks.add_unit_photo(by_user_id=world.rival_manager, unit_id=listed.id, data=png())

    assert too_large.value.max_bytes == 5_000 and too_many.value.max_pixels == 40_000_000
    assert (await runtime.parks.unit_photos(unit_ids=[listed.id]))[listed.id] == []
