"""The HTML report in a real headless Chromium (Debian's, driven by Playwright).

Without /usr/bin/chromium these tests skip, except in CI (``CI`` set) where they fail: CI
installs it, so a missing browser there is a broken pipeline, not a reason to skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.review.render import recorded_rows, render_report
from tests.helpers.reports import sample_report, write_user_cassette

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CASSETTES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _require_browser() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install 'cassettes[test]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must run the browser tests")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture()
def page(browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    report = sample_report()
    report.cassettes[1].sha256 = write_user_cassette(tmp_path / report.cassettes[1].path)
    html = tmp_path / "report.html"
    html.write_text(render_report(report, "html", fail_on="breaking", recorded_shapes=recorded_rows(report)),
                    encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.goto(html.as_uri())
    tab.errors = errors
    yield tab
    context.close()


def visible_rows(page: Any) -> list[str]:
    return [str(s) for s in page.eval_on_selector_all(
        "article.interaction", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.status)")]


def test_summary_counts_are_visible(page: Any) -> None:
    for name, value in {"cassettes": "5", "interactions": "6", "drift": "2", "error": "1", "breaking": "1",
                        "acknowledged": "1"}.items():
        count = page.locator(f"[data-count='{name}']")
        assert count.is_visible()
        assert count.inner_text() == value
    assert page.locator("#shown").inner_text() == "6 of 6 interactions shown"
    assert page.errors == []


def test_a_severity_filter_hides_the_other_rows(page: Any) -> None:
    for severity in ("warning", "info", "acknowledged"):
        page.locator(f"input[name='severity'][value='{severity}']").uncheck()
    for status in ("ok", "error", "skipped"):
        page.locator(f"input[name='status'][value='{status}']").uncheck()
    assert visible_rows(page) == ["drift"]
    assert page.locator("#shown").inner_text() == "1 of 6 interactions shown"
    assert page.locator("tr.finding[data-severity='breaking']").is_visible()
    assert not page.locator("tr.finding[data-severity='info']").is_visible()
    assert not page.locator("section.cassette", has_text="health.yaml").is_visible()
    page.locator("input[name='severity'][value='breaking']").uncheck()
    page.locator("input[name='severity'][value='warning']").check()
    assert page.locator("article.interaction", has_text="orders/search").is_visible()
    assert not page.locator("article.interaction", has_text="users/7").is_visible()


def test_the_search_box_narrows_the_rows(page: Any) -> None:
    page.locator("#search").fill("c0ffee123456")
    assert page.locator("#shown").inner_text() == "1 of 6 interactions shown"
    assert page.locator("article.interaction", has_text="orders/search").is_visible()


def test_the_changed_path_is_highlighted(page: Any) -> None:
    mark = page.locator("tr.changed.sev-breaking mark.changed-path")
    assert mark.inner_text() == "$.address.zip"
    assert mark.is_visible()
    row = page.locator("tr.changed.sev-breaking")
    assert row.locator("td").nth(1).inner_text() == "string"
    background = row.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    plain = page.locator("table.shape tr:not(.changed):not(.differs) td").first.evaluate(
        "td => getComputedStyle(td).backgroundColor")
    assert background != plain


def test_a_body_containing_script_does_not_execute(page: Any) -> None:
    page.locator("details.body summary").first.click()  # show the hostile live body
    assert page.evaluate("window.__pwned") is None
    assert page.title() == "cassettes drift report: failed"
    assert page.locator("details.body pre", has_text="<script>window.__pwned = 1").first.is_visible()
    assert page.locator("img").count() == 0
