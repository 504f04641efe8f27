"""Browser tests: Playwright drives the Chromium from the OS packages (no download)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e drives the browser: ``-m "not browser"`` leaves them out."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect

    # Assertions retry until this ceiling; a loaded CI machine must not fail a test
    # that would pass a moment later.
    expect.set_options(timeout=15_000)
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Injected by Playwright outside the page's own policy: reports every CSP violation of
# every document the test opens (decision 0011).
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `on ${event.documentURI} (${event.sourceFile || ""}:${event.lineNumber || ""} ` +
    `${event.sample || ""})`
  );
}, true);
"""


class CspViolations(list):
    """What the browser refused under the Content-Security-Policy during a test."""

    def watch(self, context) -> None:
        context.expose_function("__reportCspViolation", lambda report: self.append(report))
        context.add_init_script(_REPORT_CSP_VIOLATIONS)

    def console(self, message) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.append(f"console: {message.text}")


@pytest.fixture
def csp_violations():
    return CspViolations()


@pytest.fixture
def page(browser, live_server, csp_violations):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    csp_violations.watch(context)
    page = context.new_page()
    page.on("console", csp_violations.console)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    # Every browser test also proves its pages and interactions keep the policy.
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def signed_in(page):
    """``signed_in(persona)`` → the page, signed in through the real login form."""
    from tests.factories import PASSWORD

    def sign_in(who):
        page.goto("/login/")
        page.get_by_label("E-mail").fill(who.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page

    return sign_in


def assert_accessible(page) -> None:
    """No serious or critical axe-core violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert not violations, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes'][:3]]})"
        for v in violations
    )
