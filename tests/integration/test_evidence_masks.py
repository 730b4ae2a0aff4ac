"""Failure screenshots mask exactly the elements selectors/ams.yaml marks `personal: true`
(issue #19): real refusals by the mock AMS in real Chromium, with personal data planted in the
form, taken the way a failed item's screenshot is (`AmsBot.failure_masks`, `take_screenshot`).
The masked boxes are all mask colour; AMS's refusal, the labels and what is not personal stay
readable."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bots.ams import AmsBot, load_message_catalogue
from flows.account_filing.records import FilingRecord
from rpa.browser.evidence import take_screenshot
from rpa.browser.selectors import load_selectors
from rpa.errors import BusinessError
from rpa.settings import Settings
from tests.integration.ams_helpers import basic_record
from tests.integration.pixels import red_pixels, share_masked
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

# planted personal data, written by hand: a real-world style ID number (GB 11643 sample), a name
PERSON, ID_NUMBER, ACCOUNT = "欧阳振华", "11010519491231002X", "110088776655"
ADDRESS = "北京市西城区金融大街35号"
BAD_USCC = "91110000600037341X"  # the GB 32100 check character of 91110000600037341 is L


@pytest.fixture
def bot(ams: AmsHandle, page: Any) -> AmsBot:
    settings = Settings(ams_url=ams.url, answer_timeout_ms=4_000)
    robot = AmsBot(page, load_selectors("ams", settings.selectors_dir), settings,
                   load_message_catalogue(settings.config_dir))
    code, password = ams.operators[0]
    robot.login(code, password)
    return robot


def _record(**changes: Any) -> FilingRecord:
    planted = {"legal_rep_name": PERSON, "id_number": ID_NUMBER, "registered_address": ADDRESS}
    return FilingRecord.model_validate(basic_record(ACCOUNT, **planted)).model_copy(update=changes)


def _shot(bot: AmsBot, tmp_path: Path) -> Image.Image:
    path = take_screenshot(bot.page_in_use, tmp_path / "failure.png", mask=bot.failure_masks())
    return Image.open(io.BytesIO(path.read_bytes())).convert("RGB")


@pytest.mark.timeout(120)
def test_a_refused_form_masks_the_personal_fields_and_keeps_the_refusal_readable(
    bot: AmsBot, tmp_path: Path
) -> None:
    with pytest.raises(BusinessError) as refused:
        bot.prepare_filing(_record(uscc=BAD_USCC))
    assert "统一社会信用代码校验错误" in str(refused.value)
    image = _shot(bot, tmp_path)

    frame = bot.page_in_use.frame_locator("iframe")
    for name in ("acctNo", "creditCode", "legalName", "idNo", "regAddress"):
        field = frame.locator(f"input[name={name}]")
        assert share_masked(image, field) > 0.97, name
    assert frame.locator("input[name=idNo]").input_value() == ID_NUMBER  # it was there to mask

    refusal = frame.locator("div.errors")
    assert "统一社会信用代码校验错误" in refusal.inner_text()
    assert share_masked(image, refusal) < 0.02 and red_pixels(image, refusal) > 150
    for label in ("证件号码", "姓名", "注册地址"):  # the labels stay readable
        cell = frame.locator("td.label").filter(has_text=label).first
        assert share_masked(image, cell) < 0.02, label
    assert share_masked(image, frame.locator("input[name=depositorName]")) < 0.02  # not personal
    assert share_masked(image, bot.page_in_use.locator("td.userinfo")) > 0.97  # the operator's name


@pytest.mark.timeout(120)
def test_the_check_page_masks_the_cells_holding_personal_data_only(bot: AmsBot, tmp_path: Path) -> None:
    shown = bot.prepare_filing(_record())  # 信息核对: a failure here shows this page
    assert shown
    image = _shot(bot, tmp_path)
    table = bot.page_in_use.frame_locator("iframe").locator("table.formtable")

    def value_cell(label: str) -> Any:
        return table.locator(f"xpath=.//td[normalize-space(.)='{label}']/following-sibling::td[1]")

    for label, planted in (("证件号码", ID_NUMBER), ("法定代表人姓名", PERSON), ("账号", ACCOUNT),
                           ("注册地址", ADDRESS)):
        assert value_cell(label).inner_text().strip() == planted
        assert share_masked(image, value_cell(label)) > 0.97, label
        label_cell = table.locator(f"xpath=.//td[normalize-space(.)='{label}']")
        assert share_masked(image, label_cell) < 0.02, label
    for label in ("存款人名称", "开户银行机构代码", "业务类型"):  # not personal: readable
        assert share_masked(image, value_cell(label)) < 0.02, label


@pytest.mark.timeout(120)
def test_a_refusal_at_confirm_keeps_amss_message_box_readable(bot: AmsBot, tmp_path: Path) -> None:
    record = _record(account_kind="general", basic_account_permit="J1000999999901")
    bot.prepare_filing(record)
    with pytest.raises(BusinessError):
        bot.confirm_submission(record)
    image = _shot(bot, tmp_path)

    box = bot.page_in_use.frame_locator("iframe").locator("table.msgbox")
    assert "备案失败：基本存款账户不存在" in box.inner_text()
    assert share_masked(image, box) < 0.02 and red_pixels(image, box) > 150
    assert share_masked(image, bot.page_in_use.locator("td.userinfo")) > 0.97  # the operator's name


@pytest.mark.timeout(120)
def test_a_filings_detail_kept_as_evidence_masks_the_address_and_the_persons(
    bot: AmsBot, tmp_path: Path
) -> None:
    """Tester BJ F11 (2026-12-07): the 详情 page kept for a 此前已报备 row showed 注册地址 (a
    无字号个体工商户's is a person's home) in clear; the receipt's masks left it out."""
    record = _record()
    bot.prepare_filing(record)
    bot.confirm_submission(record)
    history = bot.find_filings(ACCOUNT)
    detail = bot.filing_detail(history.entries[0])
    assert detail
    shot = bot.save_receipt(tmp_path / "detail.png", page_name="detail")
    assert shot is not None
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    table = bot.page_in_use.frame_locator("iframe").locator("table.formtable")

    def value_cell(label: str) -> Any:
        return table.locator(f"xpath=.//td[normalize-space(.)='{label}']/following-sibling::td[1]")

    for label, planted in (("注册地址", ADDRESS), ("法定代表人姓名", PERSON), ("证件号码", ID_NUMBER),
                           ("账号", ACCOUNT)):
        assert planted in value_cell(label).inner_text(), label
        assert share_masked(image, value_cell(label)) > 0.97, label
    assert share_masked(image, value_cell("业务类型")) < 0.02  # what was filed stays readable
