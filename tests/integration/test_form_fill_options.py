"""Choosing a select's option by its visible label (bots.form_fill), in real Chromium: through
the page script and through the Playwright fallback, whatever codes the page gives its options;
and a whole form set field by field through Playwright (the plain strategy) as the script sets it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bots.form_fill import FieldLeft, Step, fill_fields, fill_fields_one_by_one, option_text
from rpa.browser.selectors import PortalSelectors, load_selectors

pytestmark = pytest.mark.browser

YAML = """
pages:
  form:
    elements:
      id_type:
        - css: "select[name=idType]"
        - label: "证件种类"
      depositor_name:
        - css: "input[name=depositorName]"
        - label: "存款人名称"
      bank_code:
        - css: "input[name=bankCode]"
        - label: "开户银行代码"
      no_capital:
        - css: "input[name=noCapital]"
        - label: "未标明注册资金"
      capital:
        - css: "input[name=regCapital]"
        - label: "注册资金"
"""
# a form like AMS's 变更: 开户银行 read-only, 注册资金 enabled only once 未标明 is unticked
FORM = (
    '<input name="depositorName"><input name="bankCode" readonly value="103100000026">'
    '<input type="checkbox" name="noCapital" checked '
    'onclick="document.querySelector(\'[name=regCapital]\').disabled = this.checked">'
    '<input name="regCapital" disabled><select name="idType">{options}</select>'
)
OPTIONS = (
    '<option value="">--请选择--</option><option value="37">37-护照</option>'
    '<option value="12">12- 居民身份证 </option><option value="05">05-其它</option>'
)


@pytest.fixture
def selectors(tmp_path: Path) -> PortalSelectors:
    (tmp_path / "demo.yaml").write_text(YAML, encoding="utf-8")
    return load_selectors("demo", tmp_path)


def _fill(page: Any, selectors: PortalSelectors, label: str) -> list[tuple[Step, FieldLeft]]:
    form = selectors.bind(page, "form", timeout_ms=2_000)
    steps = [Step("id_type", label, "option")]
    return list(fill_fields(page.main_frame, form, selectors.page("form"), steps))


def test_the_page_script_chooses_the_option_with_that_label(page: Any, selectors: PortalSelectors) -> None:
    page.set_content(f'<select name="idType">{OPTIONS}</select>')
    assert _fill(page, selectors, "居民身份证") == []
    assert page.locator("select").input_value() == "12"
    ((_, left),) = _fill(page, selectors, "户口簿")
    assert (left.reason, left.shown) == ("no_option", "护照\n居民身份证\n其它")
    assert page.locator("select").input_value() == "12"  # left as it was


def test_the_playwright_fallback_chooses_by_label_too(page: Any, selectors: PortalSelectors) -> None:
    page.set_content(f'<label for="k">证件种类</label><select id="k">{OPTIONS}</select>')
    assert _fill(page, selectors, "其它") == []
    assert page.locator("select").input_value() == "05"
    ((_, left),) = _fill(page, selectors, "户口簿")
    assert (left.reason, left.shown) == ("no_option", "护照\n居民身份证\n其它")


def test_a_read_only_select_reports_its_label(page: Any, selectors: PortalSelectors) -> None:
    chosen = OPTIONS.replace('value="37"', 'value="37" selected')
    page.set_content(f'<select name="idType" disabled>{chosen}</select>')
    ((_, left),) = _fill(page, selectors, "居民身份证")
    assert left.reason == "read_only" and option_text(left.shown or "") == "护照"


def test_labels_compare_without_width_spaces_or_a_code_before_them() -> None:
    assert option_text("01-企业法人") == option_text(" 企业 法人") == "企业法人"
    assert option_text("团级（含）以上军队") == "团级(含)以上军队"
    assert option_text("1．居民身份证") == "居民身份证"


@pytest.mark.parametrize("way", ["one_round_trip", "field_by_field"])
def test_a_form_is_set_alike_in_one_round_trip_and_field_by_field(
    page: Any, selectors: PortalSelectors, way: str
) -> None:
    page.set_content(FORM.format(options=OPTIONS))
    form = selectors.bind(page, "form", timeout_ms=2_000)
    steps = [
        Step("depositor_name", "北京星辰科技有限公司"),
        Step("bank_code", "102100099996"),
        Step("no_capital", False, "check"),  # its handler enables 注册资金
        Step("capital", "5000000.00"),
        Step("id_type", "其它", "option"),
    ]
    if way == "one_round_trip":
        left = list(fill_fields(page.main_frame, form, selectors.page("form"), steps))
    else:
        left = list(fill_fields_one_by_one(form, steps))
    assert [(s.element, f.reason, f.shown) for s, f in left] == [("bank_code", "read_only", "103100000026")]
    assert page.locator("[name=depositorName]").input_value() == "北京星辰科技有限公司"
    assert page.locator("[name=bankCode]").input_value() == "103100000026"  # left alone
    assert page.locator("[name=noCapital]").is_checked() is False
    assert page.locator("[name=regCapital]").input_value() == "5000000.00"
    assert page.locator("select").input_value() == "05"
