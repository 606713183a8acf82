"""Pictures in a real browser: the chat page picks one and shows its thumbnail; the console shows it and sends one."""

import asyncio
import re

import pytest

from tests.support import pictures
from tests.support.browser import ARGS
from tests.support.client import ChatClient
from tests.support.servers import Daphne, Database, create_console_agent

pytestmark = pytest.mark.e2e


@pytest.fixture
def server():
    database = Database("sqlite")
    create_console_agent(database)
    daphne = Daphne(database)
    yield daphne
    daphne.kill()
    database.drop()


async def loaded(image):
    """True once an <img> has decoded its picture (a broken or refused URL has no natural width)."""
    return await image.evaluate("img => img.complete && img.naturalWidth > 0")


async def test_the_chat_page_sends_a_picked_picture_and_shows_its_thumbnail(chromium, server, tmp_path):
    from playwright.async_api import async_playwright, expect

    photo = tmp_path / "cup.jpg"
    photo.write_bytes(pictures.jpeg_with_location())
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = await browser.new_page(base_url=server.http, viewport={"width": 420, "height": 820})
            await page.goto("/?lang=en")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=15000)
            await page.fill("#input", "it arrived like this")
            await page.set_input_files("#picture", str(photo))
            thumb = page.locator("li.msg.mine:not(.pending) .bubble a.picture img")
            await expect(thumb).to_have_count(1, timeout=15000)
            assert await loaded(thumb)
            await expect(page.locator("li.msg.mine .bubble").last).to_contain_text("it arrived like this")
            assert "/api/chat/media/file/" in await page.locator("li.msg.mine a.picture").get_attribute("href")
            # After a reload the page's history brings it back, with fresh URLs.
            await page.reload()
            await expect(page.locator("li.msg.mine .bubble a.picture img")).to_have_count(1, timeout=15000)
            assert await loaded(page.locator("li.msg.mine .bubble a.picture img"))
        finally:
            await browser.close()


async def test_the_console_shows_a_customers_thumbnail_and_sends_a_picture(chromium, server, tmp_path):
    from playwright.async_api import async_playwright, expect

    customer = ChatClient("o-browser-pictures")
    await customer.connect(server)
    await customer.say("c-1", "I need a person, look at this")
    import httpx

    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{server.http}/api/chat/media", files={"file": ("p.png", pictures.png((200, 150)), "image/png")},
                                 headers={"Authorization": f"Bearer {customer.token}"})
    await customer.send({"type": "message", "client_msg_id": "c-2", "media_id": answer.json()["media_id"]})
    await customer.expect("ack", client_msg_id="c-2")
    async def keep_alive():  # the browser part takes longer than the server waits for a silent socket
        while True:
            await asyncio.sleep(5)
            await customer.send({"type": "ping"})

    pinging = asyncio.create_task(keep_alive())
    reply = tmp_path / "reply.png"
    reply.write_bytes(pictures.png((90, 60), (10, 160, 10, 255)))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            context = await browser.new_context(base_url=server.http, viewport={"width": 1400, "height": 900})
            page = await context.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
            await page.goto("/admin/login/?next=/admin/console/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "console-pass-1")
            await page.click("input[type=submit]")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
            row = page.locator("ul.conversations li", has_text=re.compile(r"\[(Picture|图片)\]"))
            await expect(row.first).to_be_visible(timeout=10000)
            await row.first.click()
            thumb = page.locator("#entries .entry.customer a.picture img")
            await expect(thumb).to_have_count(1, timeout=10000)
            assert await loaded(thumb)
            await page.click("#act-take-over")
            await customer.expect("status", status="agent")
            await expect(page.locator("#send")).to_be_enabled(timeout=10000)
            await page.set_input_files("#picture", str(reply))
            try:
                sent = await customer.expect("message", sender="agent")
            except TimeoutError:
                raise AssertionError(await page.locator("#composer-error").text_content()) from None
            assert sent["media"]["width"] == 90
            await expect(page.locator("#entries .entry.agent a.picture img")).to_have_count(1, timeout=10000)
            assert not errors, errors  # the CSP lets the pictures in
        finally:
            pinging.cancel()
            await browser.close()
    await customer.close()
