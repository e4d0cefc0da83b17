import pytest

from tests.parks.support import build_world


@pytest.fixture
async def world(runtime):
    return await build_world(runtime)
