"""The Content-Security-Policy holds on every staff page, and no page breaks under it.

Chromium reports each refused script, style or connection as a
`securitypolicyviolation` event; a superuser walks the admin, the console,
the dashboard and the transcripts with a conversation in them, and any
report fails the test (as would a page served without the policy).
"""

import subprocess
import sys

import pytest

from tests.support.browser import ARGS
from tests.support.servers import ROOT, Daphne, Database

pytestmark = pytest.mark.e2e

_CREATE_ROOT = """
from django.contrib.auth.models import User
User.objects.create_superuser("root", password="root-pass-1")
"""

# Lists, forms and the pages of one conversation; `{first}` is the first row of the list above it.
PAGES = [
    "/admin/", "/admin/console/", "/admin/chat/conversation/", "{first}", "/admin/agents/transcript/", "{first}",
    "/admin/chat/message/", "{first}", "/admin/chat/customer/", "{first}", "/admin/chat/conversationevent/",
    "/admin/chat/article/", "/admin/chat/article/add/", "/admin/chat/knowledgecalibration/",
    "/admin/agents/agentprofile/", "/admin/agents/cannedresponse/add/", "/admin/agents/tag/",
    "/admin/chat/notification/", "/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/add/",
    "/admin/password_change/",
]

_WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def server():
    database = Database("sqlite")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", _CREATE_ROOT], cwd=ROOT, env=database.env,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    daphne = Daphne(database, CSBOT_BOT_ENABLED=1)
    yield daphne
    daphne.kill()
    database.drop()


async def test_every_staff_page_carries_the_policy_and_breaks_none_of_it(chromium, server):
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright, expect

    found, unguarded = {}, []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            context = await browser.new_context(base_url=server.http, locale="zh-CN")
            await context.add_init_script(_WATCH)
            customer = await context.new_page()
            await customer.goto("/")
            await expect(customer.locator("#conn")).to_have_attribute("data-state", "open", timeout=20000)
            await customer.fill("#input", "<img src=x onerror=alert(1)> 运费多少")
            await customer.keyboard.press("Enter")
            await expect(customer.locator("li.msg.theirs:not(.streaming) .bubble").first).to_be_visible(
                timeout=20000)

            staff = await context.new_page()
            await staff.goto("/admin/login/")
            await staff.fill("#id_username", "root")
            await staff.fill("#id_password", "root-pass-1")
            await staff.click("input[type=submit]")
            await expect(staff.locator("#user-tools")).to_be_visible()
            previous = None
            for path in PAGES:
                if path == "{first}":
                    await staff.goto(previous)
                    path = await staff.locator("#result_list tbody tr a").first.get_attribute("href")
                response = await staff.goto(path)
                assert response.status == 200, (path, response.status)
                if "Content-Security-Policy" not in {k.title(): v for k, v in response.headers.items()}:
                    unguarded.append(path)
                try:
                    await staff.wait_for_load_state("networkidle")
                except PlaywrightTimeout:
                    pytest.fail(f"{path} never went quiet on the network: a request kept it busy for 30 s")
                reported = await staff.evaluate("window.__violations")
                if reported:
                    found[path] = reported
                if previous == "/admin/agents/transcript/":
                    # The transcript's Print link works with its handler in a file.
                    await staff.evaluate("window.print = () => { window.__printed = true; }")
                    await staff.click("a[data-print]")
                    assert await staff.evaluate("window.__printed === true")
                previous = path
            reported = await customer.evaluate("window.__violations")
            if reported:
                found["/"] = reported
        finally:
            await browser.close()
    assert unguarded == []
    assert found == {}
