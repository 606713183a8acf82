"""The console's and the admin's rough edges, each walked in Chromium against a real daphne."""

import json
import re
import subprocess
import sys

import pytest

from tests.support.browser import ARGS
from tests.support.client import ChatClient
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts"
FRESH = re.compile(r"\bfresh\b")
PEOPLE = """
from django.contrib.auth.models import Group, User
from agents.presence import profile_for
def make(username, display, *groups, **extra):
    user = User.objects.create_user(username, password="console-pass-1", is_staff=True, **extra)
    user.groups.add(*[Group.objects.get(name=g) for g in groups])
    profile = profile_for(user)
    profile.display_name = display
    profile.save()
make("alice", "Alice", "Agents", "Managers")
make("bob", "Bob", "Agents")
make("root", "Root", is_superuser=True)
"""


@pytest.fixture
def server():
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", PEOPLE], cwd=ROOT, env=database.env, check=True,
                   capture_output=True)
    daphne = Daphne(database)
    daphne.database = database
    yield daphne
    daphne.kill()
    database.drop()


@pytest.fixture
async def browser(chromium):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        yield browser
        await browser.close()


async def accept_dialog(dialog):
    await dialog.accept()


async def english_context(browser, server):
    """A desktop browser context that asks for English pages from this server."""
    return await browser.new_context(base_url=server.http, locale="en-US", viewport={"width": 1280, "height": 900},
                                     extra_http_headers={"Accept-Language": "en"})


async def signed_in(browser, server, username, path="/admin/console/", status=None, context=None):
    """Return a page signed in as `username` (English unless `context` says otherwise), at `path`; on the console,
    live and in `status`."""
    from playwright.async_api import expect

    page = await (context or await english_context(browser, server)).new_page()
    page.on("dialog", accept_dialog)
    await page.goto(f"/admin/login/?next={path}")
    await page.fill("#id_username", username)
    await page.fill("#id_password", "console-pass-1")
    await page.click("input[type=submit]")
    if path == "/admin/console/":
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
        if status:
            await page.select_option("#my-status", status)
    return page


async def customer_waiting(server, openid, text):
    customer = ChatClient(openid)
    await customer.connect(server)
    await customer.say("c-1", text)
    await customer.send({"type": "handoff", "reason": "customer_request"})
    await customer.expect("status", status="queued")
    return customer


async def test_with_nothing_selected_there_are_no_actions_to_press(browser, server):
    from playwright.async_api import expect

    page = await signed_in(browser, server, "alice")
    await expect(page.locator("#act-take-over")).to_be_hidden()
    await expect(page.locator("#chat")).to_be_hidden()
    await expect(page.locator("#chat-empty")).to_have_text("Choose a conversation in the lists to read it and reply.")


async def test_after_close_the_header_and_the_actions_follow_and_nothing_typed_is_lost(browser, server):
    from playwright.async_api import expect

    page = await signed_in(browser, server, "alice", status="away")
    customer = await customer_waiting(server, "o-close", "my parcel is lost")
    try:
        await page.locator("#queue li", has_text="my parcel is lost").click()
        await expect(page.locator("#entries")).to_contain_text("my parcel is lost", timeout=10000)
        # Not taken over yet: a reply cannot go out, so the box keeps what was typed.
        await page.fill("#reply", "draft before taking over")
        await expect(page.locator("#send")).to_be_disabled()
        await page.press("#reply", "Enter")
        await expect(page.locator("#reply")).to_have_value("draft before taking over")

        await page.click("#act-take-over")
        await expect(page.locator("#send")).to_be_enabled(timeout=10000)
        await page.press("#reply", "Enter")
        await customer.expect("message", sender="agent", text="draft before taking over")
        await page.click("#act-close")
        await customer.expect("status", status="closed")
        await expect(page.locator("#chat-status")).to_have_text("Closed", timeout=10000)
        for button in ("#act-close", "#act-return", "#act-take-over", "#transfer-to", "#send", "#reply"):
            await expect(page.locator(button)).to_be_disabled()
        await page.screenshot(path=str(ARTIFACTS / "console-after-close.png"))

        # The customer comes back: the panel beside the new conversation lists the one just closed.
        await customer.say("c-2", "one more thing about my parcel")
        await customer.send({"type": "handoff", "reason": "customer_request"})
        await customer.expect("status", status="queued")
        await page.locator("#queue li", has_text="one more thing").click(timeout=10000)
        await expect(page.locator("#earlier li a")).to_have_count(1, timeout=10000)
        await expect(page.locator("#earlier li a").first).to_contain_text("#1 · Closed")
        await expect(page.locator("#earlier li a").first).to_have_attribute("href", "/admin/agents/transcript/1/change/")
    finally:
        await customer.close()


async def test_new_chats_clear_once_answered_transfers_stand_out_and_the_title_counts_unread(browser, server):
    from playwright.async_api import expect

    alice = await signed_in(browser, server, "alice", status="online")
    bob = await signed_in(browser, server, "bob", status="online")
    await alice.select_option("#my-status", "online")
    await bob.select_option("#my-status", "away")  # the first chat goes to Alice
    customer = await customer_waiting(server, "o-fresh", "where is my refund")
    try:
        row = alice.locator("#mine li[data-id='1']")  # its preview changes with each message
        await expect(row).to_have_class(FRESH, timeout=20000)
        await expect(row).to_contain_text("new: answer now")
        await expect(alice).to_have_title("(1) Console | Customer service", timeout=10000)
        await row.click()
        await alice.fill("#reply", "Checking your refund now.")
        await alice.press("#reply", "Enter")
        await customer.expect("message", sender="agent")
        await expect(row).not_to_have_class(FRESH, timeout=10000)
        await expect(row).not_to_contain_text("new: answer now")
        await expect(alice).to_have_title("Console | Customer service")

        await alice.check("#as-note")
        await alice.fill("#reply", "VIP customer, be kind")
        await alice.press("#reply", "Enter")
        await expect(alice.locator("#entries .entry.note")).to_contain_text("VIP customer", timeout=10000)
        await expect(alice.locator("#as-note")).not_to_be_checked()

        await bob.select_option("#my-status", "online")
        await expect(alice.locator("#transfer-to option", has_text="Bob")).to_have_count(1, timeout=15000)
        await alice.select_option("#transfer-to", label=await alice.locator("#transfer-to option", has_text="Bob").text_content())
        bobs = bob.locator("#mine li[data-id='1']")
        await expect(bobs).to_have_class(FRESH, timeout=10000)
        await bob.screenshot(path=str(ARTIFACTS / "console-transferred.png"))

        await bobs.click()
        await bob.click("#act-close")
        await customer.expect("status", status="closed")
        await customer.send({"type": "rate", "score": 4, "comment": "slow but kind"})
        await expect(bob.locator("#entries")).to_contain_text("slow but kind", timeout=10000)

        await alice.goto("/admin/agents/transcript/")
        await alice.locator("#result_list tbody tr a").first.click()
        timeline = alice.locator(".transcript")
        await expect(alice.locator("#content h1")).to_have_text("Conversation #1")
        await expect(timeline).to_contain_text("Assigned to Alice")
        await expect(timeline).to_contain_text("Alice transferred it from Alice to Bob")
        await expect(timeline).to_contain_text("Closed by Bob")
        await expect(timeline).to_contain_text("Rated 4 / 5")
        await alice.screenshot(path=str(ARTIFACTS / "transcript-timeline.png"), full_page=True)
    finally:
        await customer.close()


async def test_transcripts_leave_out_visits_and_the_admin_home_says_where_to_go(browser, server):
    from playwright.async_api import expect

    spoke = await customer_waiting(server, "o-spoke", "hello there")
    visitor = ChatClient("o-visit")  # opens the page, says nothing
    await visitor.connect(server)
    try:
        root = await signed_in(browser, server, "root", path="/admin/")
        content = root.locator("#content-main")
        await expect(content).not_to_contain_text("Conversation events")
        await expect(content.locator("a", has_text="Messages")).to_have_count(0)
        await expect(root.locator("#admin-help")).to_contain_text("Adding an agent")
        await root.screenshot(path=str(ARTIFACTS / "admin-home.png"), full_page=True)

        alice = await signed_in(browser, server, "alice", status="away")
        await alice.locator("#queue li", has_text="hello there").click()
        await alice.click("#act-take-over")
        await expect(alice.locator("#mine li")).to_have_count(1, timeout=10000)
        await root.goto("/admin/agents/transcript/")
        await expect(root.locator("#result_list tbody tr")).to_have_count(1)
        await expect(root.locator("#changelist-filter")).to_contain_text("Alice")
        await expect(root.locator("#changelist-filter a", has_text=re.compile(r"^alice$"))).to_have_count(0)
    finally:
        await spoke.close()
        await visitor.close()


async def test_lists_stay_live_a_colleague_online_and_new_canned_answers_appear_without_a_reload(browser, server):
    from playwright.async_api import expect

    alice = await signed_in(browser, server, "alice", status="online")
    customer = await customer_waiting(server, "o-live", "please help")
    try:
        await alice.locator("#mine li[data-id='1']").click(timeout=20000)  # assigned to her, the only one online
        await expect(alice.locator("#entries")).to_contain_text("please help", timeout=10000)
        await expect(alice.locator("#transfer-to")).to_be_enabled(timeout=10000)
        # At 1280 px the actions stay on one line, and the lists can be searched.
        await alice.screenshot(path=str(ARTIFACTS / "console-1280.png"))
        first, last = await alice.locator("#act-take-over").bounding_box(), await alice.locator("#act-close").bounding_box()
        assert first["y"] == last["y"], (first, last)
        await alice.fill("#list-filter", "nothing like this")
        await expect(alice.locator("#mine li")).to_have_count(0)
        await alice.fill("#list-filter", "please")
        await expect(alice.locator("#mine li")).to_have_count(1)
        await alice.fill("#list-filter", "")
        await alice.fill("#reply", "/")
        await expect(alice.locator("#canned-menu li.empty")).to_be_visible()  # says where canned answers come from
        await alice.fill("#reply", "")

        bob = await signed_in(browser, server, "bob", status="online")
        await expect(alice.locator("#transfer-to option", has_text="Bob")).to_have_count(1, timeout=4000)
        await bob.select_option("#my-status", "offline")
        await expect(alice.locator("#transfer-to option", has_text="Bob")).to_have_count(0, timeout=4000)

        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from agents.models import CannedResponse; CannedResponse.objects.create(shortcut='hours', "
                        "title='Opening hours', text='We answer from 9:00 to 21:00.')"],
                       cwd=ROOT, env=server.database.env, check=True, capture_output=True)
        await alice.fill("#reply", "/ho")
        await expect(alice.locator("#canned-menu li", has_text="Opening hours")).to_be_visible(timeout=15000)

        # A customer talking with the bot shows up, and their latest words replace the preview.
        with_bot = ChatClient("o-bot")
        await with_bot.connect(server)
        try:
            await with_bot.say("b-1", "do you sell gift cards")
            await expect(alice.locator("#bot li", has_text="do you sell gift cards")).to_have_count(1, timeout=15000)
            await with_bot.say("b-2", "and vouchers too?")
            await expect(alice.locator("#bot li", has_text="and vouchers too?")).to_have_count(1, timeout=15000)
        finally:
            await with_bot.close()
    finally:
        await customer.close()


# What sticks out past the right edge, for the failure message.
WIDER_THAN_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
}"""


async def sideways(page):
    """Return how far the page scrolls sideways, and what sticks out."""
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return overflow, (await page.evaluate(WIDER_THAN_WINDOW) if overflow > 0 else [])


async def test_console_and_dashboard_fit_a_375_px_phone_without_sideways_scrolling(browser, server):
    from playwright.async_api import expect

    customer = await customer_waiting(server, "o-phone", "my order never came, can you check the courier")
    try:
        context = await browser.new_context(base_url=server.http, locale="zh-CN", viewport={"width": 375, "height": 812},
                                            is_mobile=True, has_touch=True)
        page = await signed_in(browser, server, "alice", status="away", context=context)
        await page.locator("#queue li", has_text="my order never came").click(timeout=10000)
        await page.click("#act-take-over")
        await expect(page.locator("#send")).to_be_enabled(timeout=10000)
        await page.fill("#reply", "我马上帮您查询快递")
        await page.press("#reply", "Enter")
        await customer.expect("message", sender="agent")
        await page.screenshot(path=str(ARTIFACTS / "console-375.png"), full_page=True)
        assert await sideways(page) == (0, []), "the console scrolls sideways at 375 px"
        # Everything an agent presses is on screen and big enough for a thumb.
        for control in ("#act-close", "#act-return", "#transfer-to", "#send", "#reply"):
            box = await page.locator(control).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, (control, box)

        await page.goto("/admin/")
        await expect(page.locator("#avg-rating")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "dashboard-375.png"), full_page=True)
        assert await sideways(page) == (0, []), "the dashboard scrolls sideways at 375 px"
    finally:
        await customer.close()


def stored_status(server, username):
    """Return the status the database holds for an agent, read through the management shell."""
    code = ("from agents.models import AgentProfile; "
            f"print(AgentProfile.objects.get(user__username={username!r}).status)")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=server.database.env,
                          check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]  # the shell may first say what it imported


async def choose_status(page, server, username, status):
    """Choose a status in the console and wait until the server has stored it."""
    await page.select_option("#my-status", status)
    for _ in range(20):
        if stored_status(server, username) == status:
            return
        await page.wait_for_timeout(250)
    raise AssertionError(f"the server never stored {status!r} for {username}: {stored_status(server, username)!r}")


async def shown_after_reload(page):
    """Reload the console; return the status it shows once live."""
    from playwright.async_api import expect

    await page.reload()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10000)
    return await page.locator("#my-status").input_value()


async def test_the_status_an_agent_chose_survives_a_reload(browser, server):
    page = await signed_in(browser, server, "bob")
    await choose_status(page, server, "bob", "away")
    assert await shown_after_reload(page) == "away"
    assert stored_status(server, "bob") == "away"
    await choose_status(page, server, "bob", "online")
    assert await shown_after_reload(page) == "online"
    # A second reload changes nothing either.
    assert await shown_after_reload(page) == "online"
    assert stored_status(server, "bob") == "online"


async def test_lists_read_before_a_close_but_delivered_after_it_do_not_reopen_the_header(browser, server):
    from playwright.async_api import expect

    context = await english_context(browser, server)
    seen = {"lists": None, "replayed": False}

    def relay(ws):
        upstream = ws.connect_to_server()

        def from_server(message):
            frame = json.loads(message) if isinstance(message, str) else {}
            before = seen["lists"]
            if frame.get("type") == "lists":
                seen["lists"] = message
            ws.send(message)
            if frame.get("type") == "status" and frame.get("status") == "closed" and before and not seen["replayed"]:
                seen["replayed"] = True
                ws.send(before)  # a read begun before the close, arriving after its status frame

        upstream.on_message(from_server)

    await context.route_web_socket(re.compile(r".*/ws/agent/.*"), relay)
    page = await signed_in(browser, server, "alice", status="away", context=context)
    customer = await customer_waiting(server, "o-stale", "where is my refund")
    try:
        await page.locator("#queue li", has_text="where is my refund").click()
        await page.click("#act-take-over")
        await expect(page.locator("#chat-status")).to_contain_text("With an agent", timeout=10000)
        await expect(page.locator("#mine li", has_text="where is my refund")).to_have_count(1, timeout=10000)
        await page.click("#act-close")
        await customer.expect("status", status="closed")
        await expect(page.locator("#mine li", has_text="where is my refund")).to_have_count(0, timeout=10000)
        assert seen["replayed"]
        await expect(page.locator("#chat-status")).to_have_text("Closed", timeout=10000)
        await expect(page.locator("#act-close")).to_be_disabled()
    finally:
        await customer.close()
        await context.close()
