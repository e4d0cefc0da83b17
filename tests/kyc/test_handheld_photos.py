"""Hand-held photos of cards nobody looked at while tuning: found, straightened, read as a flat scan.

Each photo (tests/kyc/handheld.py) puts a synthetic card on a desk among printed papers
that carry a decoy name, address, ID number and issuing authority: tilted up to 15°, in
perspective, 45-90% of the frame wide, with a glare spot, noise and JPEG compression, in
one of five Debian CJK fonts. The cardholders come from the held-out pool, which shares
no name, place or road with the development pool, and these seeds were never run while
the card finder was tuned. Every field must read exactly as on the flat scan of the card.
"""

from __future__ import annotations

import pytest

from kyc.reading import read_side
from tests.kyc.cardholders import DEVELOPMENT, HELD_OUT
from tests.kyc.cards import encode
from tests.kyc.conftest import TODAY
from tests.kyc.handheld import shot

HELD_OUT_SEEDS = range(5000, 5012)  # bench/kyc_engines.py --handheld reads more of them


@pytest.mark.parametrize("seed", HELD_OUT_SEEDS)
def test_a_hand_held_photo_reads_exactly_as_the_flat_scan(engines, seed):
    photo = shot(seed, HELD_OUT)
    flat = read_side(engines, encode(photo.flat), photo.side, TODAY)
    assert flat.fields == photo.truth

    held = read_side(engines, photo.photo, photo.side, TODAY)

    assert held.fields == flat.fields, f"{photo.side} in {photo.font}, turned {photo.framing.angle:.1f}°"
    assert held.failed == flat.failed


@pytest.mark.parametrize("angle", [90, 180, -90])
def test_a_card_photographed_on_its_side_or_upside_down_is_turned_back(engines, angle):
    photo = shot(41, DEVELOPMENT, angle=angle, scale=0.5)
    held = read_side(engines, photo.photo, photo.side, TODAY)
    assert held.fields == photo.truth
