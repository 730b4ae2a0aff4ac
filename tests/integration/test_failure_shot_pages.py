"""A failure screenshot shows the item's own work in AMS, or nothing: real Chromium against the
mock AMS, the screenshot kept the way the filing handler keeps it (`item_evidence` over the
bot's `page_in_use`, its `failure_masks` and the row's personal values).

- a 无字号个体工商户 row failing on its own 信息核对 page: its 存款人名称 (the owner's name) is
  blacked out, the labels stay readable;
- a row held behind an earlier row of its account, after its own look-up: no screenshot (the hold
  is decided from the queue, nothing of the row's was done in AMS);
- a row that fails before its own work opens any page: no screenshot, never the page the row
  before it left in the tab;
- with the look-up tab of the pipelined strategy, the page a hold after the look-up shows is the
  look-up tab, not the filing tab the previous item's 成功 page is in, and work loaded ahead for
  the next item does not take it over.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bots.ams import AmsBot, load_message_catalogue
from bots.ams.strategies import PipelinedStrategy
from flows.account_filing.account_rows import HeldBehind
from flows.account_filing.flow import AccountFilingFlow
from flows.account_filing.records import FilingRecord
from rpa.browser.evidence import item_evidence
from rpa.browser.selectors import load_selectors
from rpa.browser.session import BrowserSession
from rpa.errors import NeedsPerson
from rpa.masking import personal_values
from rpa.settings import Settings
from tests.integration.ams_helpers import basic_record
from tests.integration.pixels import share_masked
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

OWNER = "司马光明"  # a 无字号个体工商户 is registered under its owner's name


def _settings(ams: AmsHandle) -> Settings:
    return Settings(ams_url=ams.url, answer_timeout_ms=4_000)


def _bot(page: Any, settings: Settings) -> AmsBot:
    return AmsBot(page, load_selectors("ams", settings.selectors_dir), settings,
                  load_message_catalogue(settings.config_dir))


def _personal(record: FilingRecord) -> list[str]:
    payload = {"sheet": "Sheet1", "row": 5, "record": record.model_dump(mode="json")}
    return personal_values(payload, AccountFilingFlow.payload_not_personal)


@pytest.mark.timeout(120)
def test_a_failure_screenshot_is_the_rows_own_page_or_none(
    ams: AmsHandle, browser: Any, tmp_path: Path
) -> None:
    settings = _settings(ams)
    evidence_dir = tmp_path / "evidence"
    session = BrowserSession(settings, evidence_dir=evidence_dir, trace_dir=tmp_path / "traces",
                             browser=browser)
    with session:
        bot = _bot(session.new_page(), settings)
        bot.login(*ams.operators[0])
        owned = FilingRecord.model_validate(basic_record(
            "110020269901", serial=41, depositor_name=OWNER, depositor_category="无字号个体工商户"))

        # a row failing on its own 信息核对 page: the owner's name is masked there
        with pytest.raises(NeedsPerson), item_evidence(
            session, lambda: bot.page_in_use, "ref-owned", attempt=1, mask=bot.failure_masks,
            personal=_personal(owned),
        ) as owned_evidence:
            bot.start_item()
            assert bot.find_filings(owned.account_no).filed is False
            bot.prepare_filing(owned)
            raise NeedsPerson("信息核对页所示的存款人名称与输入行不同，未提交", code="check_page_differs")
        assert owned_evidence.screenshot is not None
        image = Image.open(io.BytesIO(owned_evidence.screenshot.read_bytes())).convert("RGB")
        page = bot.page_in_use
        assert page is not None
        table = page.frame_locator("iframe").locator("table.formtable")
        name_cell = table.locator("xpath=.//td[normalize-space(.)='存款人名称']/following-sibling::td[1]")
        assert name_cell.inner_text().strip() == OWNER  # the 信息核对 page shows it
        assert share_masked(image, name_cell) > 0.97
        label = table.locator("xpath=.//td[normalize-space(.)='存款人名称']")
        assert share_masked(image, label) < 0.02  # the label stays readable

        # the next row, of another account, held behind its earlier row after its own look-up
        behind = FilingRecord.model_validate(basic_record(
            "110020269902", serial=42, action="close", close_reason="转户",
            basic_account_permit="J1000000000402"))
        with pytest.raises(HeldBehind), item_evidence(
            session, lambda: bot.page_in_use, "ref-behind", attempt=1, mask=bot.failure_masks,
            personal=_personal(behind),
        ) as behind_evidence:
            bot.start_item()
            bot.find_filings(behind.account_no)
            raise HeldBehind("同一账户在前的第4行（变更 2026-11-26）门户拒绝：本行未提交，暂挂",
                             code="earlier_row_unfiled")
        assert behind_evidence.screenshot is None

        # a row failing before its own work opens a page: the tab still shows the row before
        with pytest.raises(NeedsPerson), item_evidence(
            session, lambda: bot.page_in_use, "ref-early", attempt=1, mask=bot.failure_masks,
            personal=_personal(behind),
        ) as early_evidence:
            bot.start_item()
            raise NeedsPerson("该行在另一运行中办理：本行未提交，暂挂", code="caught_mid_submit")
        assert early_evidence.screenshot is None

    assert sorted(p.name for p in evidence_dir.iterdir()) == ["ref-owned-failure.png"]


@pytest.mark.timeout(120)
def test_with_a_look_up_tab_the_page_in_use_is_the_one_the_item_worked_in(
    ams: AmsHandle, context: Any
) -> None:
    bot = _bot(context.new_page(), _settings(ams))
    ahead = PipelinedStrategy(bot)
    lookup, spare = context.new_page(), context.new_page()
    ahead.open_tabs(lookup=lookup, spare=spare)
    bot.login(*ams.operators[0])
    first = FilingRecord.model_validate(basic_record("110020269911", serial=43))
    second = FilingRecord.model_validate(basic_record("110020269912", serial=44))
    third = FilingRecord.model_validate(basic_record("110020269913", serial=45))

    bot.start_item()
    bot.find_filings(first.account_no)
    bot.prepare_filing(first)
    bot.confirm_submission(first)
    filing_tab = bot.page
    assert bot.page_in_use is filing_tab  # the first row's 成功 page

    bot.start_item()
    assert bot.page_in_use is None  # nothing of the second row's is shown anywhere yet
    bot.find_filings(second.account_no)
    assert bot.page_in_use is lookup  # its look-up: a hold decided on it shows it
    ahead.load_form_ahead(third)
    assert ahead.check_ahead(third)  # the third row's form, filled ahead in the spare tab
    assert bot.page_in_use is lookup
    ahead.load_form_ahead(second)
    ahead.take_turn(second)
    bot.prepare_filing(second)
    assert bot.page_in_use is bot.page and bot.page is not lookup  # its own 信息核对


@pytest.mark.timeout(90)
def test_a_portal_that_stops_answering_mid_navigation_never_hangs_the_item(
    browser: Any, tmp_path: Path
) -> None:
    """Tester V's 2.2: with AMS accepting connections but never answering (SIGSTOPped), the login's
    page.goto timed out, then the failure screenshot's masks (Locator.count, which has no
    timeout) waited for the page's document as long as the portal took: minutes, deaf to a
    stop request, and the next attempt's Tracing.start the same. A listening socket that
    never answers stands for the portal: the item fails within its timeouts, without a
    screenshot, and the session's next item trace starts."""
    import socket
    import time

    from rpa.errors import PortalTimeout

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts the connection; nobody ever reads or answers it
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    settings = Settings(ams_url=url, navigation_timeout_ms=2_000, action_timeout_ms=2_000,
                        trace_items="always")
    session = BrowserSession(settings, evidence_dir=tmp_path / "evidence", trace_dir=tmp_path / "traces",
                             browser=browser)
    try:
        with session:
            bot = _bot(session.new_page(), settings)
            started = time.monotonic()
            with pytest.raises(PortalTimeout), item_evidence(
                session, lambda: bot.page, "ref-silent", attempt=1, mask=bot.list_masks,
            ) as evidence, session.login_window():
                bot.login("OP0001", "Ams0001!")
            assert evidence.screenshot is None  # no document to show
            assert time.monotonic() - started < 20
            session.start_item_trace(attempt=2)  # waited for the stuck navigation before
            assert session.end_item_trace(keep_as=None) is None
    finally:
        silent.close()
