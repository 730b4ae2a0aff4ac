"""rpa.browser.quick_click on a real page: one message for a plain link, Playwright's full click for the
rest (which waits for a covered, hidden or disabled element, or fails as `click` fails)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from rpa.browser.quick_click import CLICKED, quick_click

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><meta charset="utf-8">
<style>#cover { position: fixed; inset: 0; background: #fff8; }</style>
<table><tr><td><a id="plain" href="javascript:done('plain')"><b>EXCEL</b></a></td></tr></table>
<a id="covered" href="javascript:done('covered')">PDF</a>
<a id="hidden" href="javascript:done('hidden')" style="visibility: hidden">PDF</a>
<button id="disabled" disabled onclick="done('disabled')">查 询</button>
<div style="height: 3000px"></div><a id="below" href="javascript:done('below')">below the fold</a>
<script>
  window.clicks = [];
  function done(what) { window.clicks.push(what); }
</script>"""


def _clicks(page: Any, expected: int = 0) -> list[str]:
    """What was clicked, once `expected` clicks are in (a javascript: link runs as a later task)."""
    page.wait_for_function(f"window.clicks.length >= {expected}")
    return list(page.evaluate("window.clicks"))


def test_a_plain_link_is_clicked_in_one_message_even_below_the_fold(page: Any) -> None:
    page.set_content(PAGE)
    assert quick_click(page.locator("#plain")) == CLICKED
    assert quick_click(page.locator("#below")) == CLICKED  # scrolled to, as a person would
    assert _clicks(page, 2) == ["plain", "below"]


def test_a_covered_link_waits_for_the_full_click_until_the_cover_goes(page: Any) -> None:
    page.set_content(PAGE + '<div id="cover"></div>')
    page.evaluate("setTimeout(() => document.getElementById('cover').remove(), 300)")
    assert quick_click(page.locator("#covered")) == "covered"
    assert _clicks(page, 1) == ["covered"]


@pytest.mark.parametrize("element", ["#hidden", "#disabled"])
def test_what_a_person_could_not_click_is_not_clicked(page: Any, element: str) -> None:
    page.set_content(PAGE)
    with pytest.raises(PlaywrightTimeoutError):
        quick_click(page.locator(element), timeout_ms=500)
    assert _clicks(page) == []
    assert page.locator(element).count() == 1  # there all along: refused, not missed
