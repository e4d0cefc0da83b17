"""GraphiQL (DEBUG) opens in a real Chromium that may reach nothing but this server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.slow


@pytest.fixture
def environ(environ):
    environ["DEBUG"] = "true"
    return environ


async def test_graphiql_opens_and_runs_a_query_offline(server_url, chromium):  # noqa: F811
    origin = urlsplit(server_url).netloc
    elsewhere: list[str] = []

    async def offline(route):
        if urlsplit(route.request.url).netloc == origin:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    context = await chromium.new_context()
    await context.route("**/*", offline)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{server_url}/graphql?q=%7B%20__typename%20%7D")
    # the IDE renders and runs the query against this server
    await expect(page.locator(".graphiql-execute-button")).to_be_visible()
    await page.locator(".graphiql-execute-button").click()
    await expect(page.locator(".result-window")).to_contain_text('"__typename": "Query"')
    assert elsewhere == [] and errors == []
    await context.close()
