"""Parks, their staff, buildings, units and unit photos, kept by the operator's people."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger import service as ledger
from miniprograms.parks import access, errors, photos
from miniprograms.parks.models import Building, Park, ParkStaff, Photo, PhotoRendition, Unit
from miniprograms.parks.views import BuildingView, ParkView, PhotoView, RenditionView, StaffView, UnitView
from miniprograms.parks.vocabulary import ParkRole, PhotoOwner, UnitUse

MAX_UNIT_PHOTOS = 20
MAX_AREA_M2 = Decimal(1_000_000)
MAX_RENT = 100_000  # fen per m² per day: 1,000 yuan, far above any real rate
PHOTO_PATH = "/parks/photos"


def text(value: object, field: str, *, most: int, least: int = 1) -> str:
    cleaned = " ".join(str(value or "").split()) if isinstance(value, str) else ""
    if not least <= len(cleaned) <= most:
        raise errors.InvalidInput(Text("parks.text_length", least=least, most=most), field=field)
    return cleaned


def whole(value: object, field: str, *, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise errors.InvalidInput(Text("parks.number_range", least=least, most=most), field=field)
    return value


def area_hundredths(value: object, field: str = "areaM2") -> int:
    """m² with at most two decimals, as hundredths; floats are read by their shortest repr."""
    try:
        area = Decimal(str(value)) if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool) \
            else None
    except InvalidOperation:
        area = None
    if area is None or not area.is_finite() or area <= 0 or area > MAX_AREA_M2 or area != area.quantize(Decimal("0.01")):
        raise errors.InvalidInput(Text("parks.area"), field=field)
    return int(area * 100)


def unit_use(value: object) -> UnitUse:
    try:
        return UnitUse(value)
    except ValueError:
        raise errors.InvalidInput(Text("parks.unit_use"), field="use") from None


async def create_park(*, by_user_id: int, operator_enterprise_id: int, name: str, city: str, address: str) -> ParkView:
    await access.require_operator_admin(enterprise_id=operator_enterprise_id, user_id=by_user_id)
    row = await Park.create(operator_enterprise_id=operator_enterprise_id, name=text(name, "name", most=100, least=2),
                            city=text(city, "city", most=40), address=text(address, "address", most=200),
                            created_by_user_id=by_user_id)
    return ParkView.of(row)


async def appoint_staff(*, by_user_id: int, park_id: int, user_id: int, role: ParkRole | str) -> StaffView:
    """The operator's administrator makes a user a manager or a technician of one park."""
    park = await Park.get_or_none(id=park_id)
    if park is None:
        raise errors.NotFound("park")
    try:
        role = ParkRole(role)
    except ValueError:
        raise errors.InvalidInput(Text("parks.park_role"), field="role") from None
    await access.require_operator_admin(enterprise_id=park.operator_enterprise_id, user_id=by_user_id)
    try:
        await ParkStaff.get_or_create(park_id=park_id, user_id=user_id, role=role,
                                      defaults={"added_by_user_id": by_user_id})
    except IntegrityError:  # appointed at the same moment by another request
        pass
    return StaffView(park_id, user_id, role)


async def parks_of(*, user_id: int) -> list[ParkView]:
    """The parks the user works in (staff) or runs (operator administrators)."""
    staff_of = set(await ParkStaff.filter(user_id=user_id).values_list("park_id", flat=True))
    admin_of = [m.enterprise_id for m in await ledger.memberships_of(user_id=user_id)
                if m.role is ledger.EnterpriseRole.ADMINISTRATOR]
    rows = await Park.filter(id__in=list(staff_of)) if staff_of else []
    rows += await Park.filter(operator_enterprise_id__in=admin_of) if admin_of else []
    return [ParkView.of(r) for r in sorted({r.id: r for r in rows}.values(), key=lambda r: r.id)]


async def all_parks() -> list[ParkView]:
    return [ParkView.of(r) for r in await Park.all().order_by("id").limit(200)]


async def add_building(*, by_user_id: int, park_id: int, name: str, floors: int) -> BuildingView:
    await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    try:
        row = await Building.create(park_id=park_id, name=text(name, "name", most=60),
                                    floors=whole(floors, "floors", least=1, most=200))
    except IntegrityError:
        raise errors.InvalidInput(Text("parks.building_exists"), field="name") from None
    return BuildingView.of(row)


async def add_unit(
    *, by_user_id: int, building_id: int, code: str, floor: int, area_m2: object, use: UnitUse | str,
    rent_fen_per_m2_day: int, available_from: date,
) -> UnitView:
    building = await Building.get_or_none(id=building_id)
    if building is None:
        raise errors.NotFound("building")
    await access.require_park_role(park_id=building.park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    if not isinstance(available_from, date):
        raise errors.InvalidInput(Text("parks.date"), field="availableFrom")
    values = dict(
        code=text(code, "code", most=20), floor=whole(floor, "floor", least=-5, most=building.floors),
        area_hundredths=area_hundredths(area_m2), use=unit_use(use),
        rent_fen_per_m2_day=whole(rent_fen_per_m2_day, "rentFenPerM2Day", least=1, most=MAX_RENT),
        available_from=available_from,
    )
    try:
        row = await Unit.create(park_id=building.park_id, building_id=building.id, **values)
    except IntegrityError:
        raise errors.InvalidInput(Text("parks.unit_exists"), field="code") from None
    return UnitView.of(row)


async def get_unit(*, unit_id: int) -> UnitView:
    row = await Unit.get_or_none(id=unit_id)
    if row is None:
        raise errors.NotFound("unit")
    return UnitView.of(row)


async def clean_photo(data: bytes, *, limits: photos.PhotoLimits) -> photos.CleanPhoto:
    """Check and clean one upload into its renditions, off the event loop (Pillow takes a while)."""
    return await asyncio.to_thread(photos.process, data, limits=limits)


async def keep_photo(*, owner_kind: PhotoOwner, owner_id: int, clean: photos.CleanPhoto, by_user_id: int) -> int:
    """Write a cleaned photo and its renditions; the caller's transaction, if any, holds them."""
    row = await Photo.create(owner_kind=owner_kind, owner_id=owner_id, width=clean.width, height=clean.height,
                             uploaded_by_user_id=by_user_id, key=secrets.token_urlsafe(18))
    await PhotoRendition.bulk_create([
        PhotoRendition(photo_id=row.id, name=r.name, media_type=r.media_type, width=r.width, height=r.height,
                       data=r.data) for r in clean.renditions
    ])
    return row.id


async def add_unit_photo(*, by_user_id: int, unit_id: int, data: bytes, limits: photos.PhotoLimits) -> PhotoView:
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None:
        raise errors.NotFound("unit")
    await access.require_park_role(park_id=unit.park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    if await Photo.filter(owner_kind=PhotoOwner.UNIT, owner_id=unit_id).count() >= MAX_UNIT_PHOTOS:
        raise errors.TooManyPhotos(most=MAX_UNIT_PHOTOS)
    clean = await clean_photo(data, limits=limits)
    async with in_transaction():
        photo_id = await keep_photo(owner_kind=PhotoOwner.UNIT, owner_id=unit_id, clean=clean, by_user_id=by_user_id)
    return (await photos_of(owner_kind=PhotoOwner.UNIT, owner_ids=[unit_id], only=photo_id))[unit_id][0]


_EXT = {"image/webp": "webp", "image/jpeg": "jpg"}


async def photos_of(*, owner_kind: PhotoOwner, owner_ids: list[int], only: int | None = None
                    ) -> dict[int, list[PhotoView]]:
    """Each owner's photos with their renditions' addresses, oldest first, in two queries."""
    query = Photo.filter(owner_kind=owner_kind, owner_id__in=owner_ids)
    if only is not None:
        query = query.filter(id=only)
    rows = await query.order_by("id")
    renditions: dict[int, list[RenditionView]] = {r.id: [] for r in rows}
    for r in await PhotoRendition.filter(photo_id__in=list(renditions)).order_by("id").values(
            "photo_id", "name", "media_type", "width", "height"):
        key = next(p.key for p in rows if p.id == r["photo_id"])
        url = f"{PHOTO_PATH}/{key}/{r['name']}.{_EXT[r['media_type']]}"
        renditions[r["photo_id"]].append(RenditionView(r["name"], r["media_type"], r["width"], r["height"], url))
    found: dict[int, list[PhotoView]] = {owner: [] for owner in owner_ids}
    for p in rows:
        found[p.owner_id].append(PhotoView(p.id, p.width, p.height, tuple(renditions[p.id])))
    return found


async def rendition_bytes(*, key: str, name: str, ext: str) -> tuple[str, bytes] | None:
    """A rendition by its photo's unguessable key (the address is the capability), or None."""
    media_type = {v: k for k, v in _EXT.items()}.get(ext)
    if media_type is None or len(key) > 40:
        return None
    photo = await Photo.get_or_none(key=key)
    if photo is None:
        return None
    row = await PhotoRendition.get_or_none(photo_id=photo.id, name=name, media_type=media_type)
    return None if row is None else (media_type, bytes(row.data))
