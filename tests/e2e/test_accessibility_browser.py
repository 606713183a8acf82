"""axe-core in Chromium: no serious or critical violation on the chat page, console and dashboard, on a desktop and a phone."""

import json
import subprocess
import sys

import pytest

from tests.support import services
from tests.support.browser import ARGS
from tests.support.servers import ROOT, Daphne, Database, create_console_agent

pytestmark = pytest.mark.e2e

AXE = ROOT / "js" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_path():
    """axe-core from the pinned npm packages (`make test-js` installs them)."""
    if not AXE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "js", check=False, capture_output=True)
    if not AXE.exists():
        services.missing(f"{AXE} is missing (cd js && npm ci)")
    return str(AXE)


@pytest.fixture
def server():
    database = Database("sqlite")
    create_console_agent(database)
    subprocess.run([sys.executable, "manage.py", "load_demo_kb", "-v0"], cwd=ROOT, env=database.env, check=True)
    daphne = Daphne(database, CSBOT_BOT_ENABLED=1)
    yield daphne
    daphne.kill()
    database.drop()


async def serious_violations(page, axe_path):
    await page.add_script_tag(path=axe_path)
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
async def test_chat_page_console_and_dashboard_have_no_serious_violations(chromium, server, axe_path, locale):
    from playwright.async_api import async_playwright, expect

    found = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            # The pages' Content-Security-Policy would refuse the injected checker, not the page's own code.
            context = await browser.new_context(base_url=server.http, locale=locale, bypass_csp=True,
                                                viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            await page.goto("/")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=20000)
            await expect(page.locator("#chips button.chip").first).to_be_visible(timeout=20000)
            found["chat page"] = await serious_violations(page, axe_path)

            # The phone-sized page customers mostly see.
            phone = await browser.new_context(base_url=server.http, locale=locale, bypass_csp=True,
                                              viewport={"width": 375, "height": 812}, is_mobile=True)
            page = await phone.new_page()
            await page.goto("/")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=20000)
            found["chat page at 375 px"] = await serious_violations(page, axe_path)
            overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the chat page scrolls sideways by {overflow} px at 375 px"

            staff = await browser.new_context(base_url=server.http, locale=locale, bypass_csp=True,
                                              viewport={"width": 1280, "height": 900})
            page = await staff.new_page()
            await page.goto("/admin/login/?next=/admin/console/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "console-pass-1")
            await page.click("input[type=submit]")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15000)
            found["console"] = await serious_violations(page, axe_path)
            await page.goto("/admin/")
            found["dashboard"] = await serious_violations(page, axe_path)

            # Staff on a phone: the same pages, one column, nothing to scroll sideways.
            staff_phone = await browser.new_context(base_url=server.http, locale=locale, bypass_csp=True,
                                                    viewport={"width": 375, "height": 812}, is_mobile=True)
            page = await staff_phone.new_page()
            await page.goto("/admin/login/?next=/admin/console/")
            await page.fill("#id_username", "alice")
            await page.fill("#id_password", "console-pass-1")
            await page.click("input[type=submit]")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15000)
            found["console at 375 px"] = await serious_violations(page, axe_path)
            overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the console scrolls sideways by {overflow} px at 375 px"
            await page.goto("/admin/")
            found["dashboard at 375 px"] = await serious_violations(page, axe_path)
            overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the dashboard scrolls sideways by {overflow} px at 375 px"
        finally:
            await browser.close()
    assert found == {"chat page": [], "chat page at 375 px": [], "console": [], "dashboard": [],
                     "console at 375 px": [], "dashboard at 375 px": []}, json.dumps(found, ensure_ascii=False, indent=1)
