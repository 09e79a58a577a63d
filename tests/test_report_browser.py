"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

Checks that the page opens offline (nothing but the file itself is requested, no console
errors), renders Chinese with a real CJK font (not tofu), collapses and expands its derivation
trees, and prints cleanly (every tree open, no controls, a multi-page PDF).

The test skips only when Chromium or the `playwright` package is genuinely missing, and never
when POLICYLOG_REQUIRE_BROWSER is set: `.ci/run` sets it after installing Chromium, so on CI a
missing browser fails instead of passing silently. Never `playwright install`: the browser is
Debian's `chromium` package.
"""

import os
import re
import shutil
from datetime import date

import pytest

from policylog.engine.explain import Explainer
from policylog.engine.profiles import load_profile
from policylog.engine.qualify import PolicyEngine
from policylog.engine.report import build_report, render_html

from .conftest import FIXTURES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the `playwright` package is not installed (pip install -e '.[test]')"
    if not os.path.exists(CHROMIUM):
        return "Debian's `chromium` is not installed (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _unavailable()
    if missing is not None:
        if os.environ.get("POLICYLOG_REQUIRE_BROWSER"):
            pytest.fail(f"POLICYLOG_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def report_file(core_rules, tmp_path_factory):
    explainer = Explainer(PolicyEngine(core_rules))
    profile = load_profile(FIXTURES / "profiles" / "core_enterprise.yaml", core_rules)
    path = tmp_path_factory.mktemp("report") / "报告.html"
    path.write_text(render_html(build_report(explainer, profile, generated=date(2026, 3, 31))),
                    encoding="utf-8")
    return path


@pytest.fixture
def page(browser, report_file):
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: page.errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    yield page
    context.close()


def test_opens_offline_with_no_other_request(page, report_file):
    assert page.requests == [report_file.as_uri()]
    assert page.errors == []
    assert page.evaluate("document.characterSet") == "UTF-8"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "示例乳业有限公司" in page.title()
    assert page.locator("table.awards tbody tr").count() == 8
    assert "1,430万元" in page.locator("table.totals").last.inner_text()


def test_chinese_renders_with_a_cjk_font(page):
    # Draw with the page's own font stack: a missing CJK font draws 乳 as the same empty box as
    # an unassigned code point (tofu), and 乳 and 业 alike.
    tofu = page.evaluate("""() => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 64;
        const ctx = canvas.getContext('2d');
        ctx.font = '40px ' + getComputedStyle(document.body).fontFamily;
        const draw = (text) => { ctx.clearRect(0, 0, 64, 64); ctx.fillText(text, 8, 48);
                                 return ctx.getImageData(0, 0, 64, 64).data.join(','); };
        return {same_as_unassigned: draw('乳') === draw('\\u{F0000}'),
                same_as_other: draw('乳') === draw('业'), blank: draw('乳') === draw(' ')};
    }""")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    heading = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode",
                                                {"nodeId": heading})["fonts"]]
    assert not any(tofu.values()), (
        f"Chinese is drawn as tofu (fonts used for the heading: {fonts}); install a CJK font, "
        "e.g. apt-get install -y fonts-wqy-microhei (.ci/run does)")


def test_derivation_trees_collapse_and_expand(page):
    tree = page.locator("details.derivation").first
    assert not tree.evaluate("d => d.open")
    assert not tree.locator("ul.tree").is_visible()
    tree.locator("summary").first.click()
    assert tree.locator("ul.tree").is_visible()
    page.get_by_role("button", name="collapse all").click()
    assert page.evaluate("Array.from(document.querySelectorAll('details')).every(d => !d.open)")
    page.get_by_role("button", name="expand all").click()
    assert page.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")
    assert page.get_by_text("项目.年节水量 6万吨 ≥ 5万吨").is_visible()


def test_prints_cleanly(page):
    page.emulate_media(media="print")
    # The print stylesheet shows closed trees and hides the buttons …
    assert page.locator("details.derivation ul.tree").first.is_visible()
    assert not page.get_by_role("button", name="expand all").is_visible()
    # … and printing opens every tree, restoring the reader's choice afterwards.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert not page.locator("details.derivation").first.evaluate("d => d.open")
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 2, pages
    assert page.errors == []
