"""Selector resolution in real Chromium: order, fallback, waiting, and what a miss raises."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from rpa.browser.selectors import PortalSelectors, load_selectors
from rpa.errors import ApplicationError, ConfigError, PortalChanged, RunFatalError, SelectorNotFound

pytestmark = pytest.mark.browser

YAML = """
pages:
  login:
    elements:
      operator_code:
        - css: "input[name=userCode]"
        - css: "#userCode"
        - label: "操作员代码"
      submit:
        - css: "input[type=submit]"
        - role: button
          name: "登录"
  framed:
    frame: "iframe[name=main]"
    elements:
      note:
        - css: "#note"
        - label: "备注"
"""
# a redesign: every id and name is gone, only what a person reads is left
REDESIGNED_LOGIN = """<form>
  <label for="f1">操作员代码</label><input id="f1" data-which="label">
  <button>登录</button>
</form>"""


@pytest.fixture
def selectors(tmp_path: Path) -> PortalSelectors:
    (tmp_path / "demo.yaml").write_text(YAML, encoding="utf-8")
    return load_selectors("demo", tmp_path)


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(message.record["message"]), level="DEBUG")
    yield lines
    logger.remove(sink)


def test_candidates_are_tried_in_order(page: Any, selectors: PortalSelectors, log_lines: list[str]) -> None:
    # the first and second candidates match different inputs: the first one wins
    page.set_content('<input name="userCode" data-which="first"><input id="userCode" data-which="second">'
                     '<label for="x">操作员代码</label><input id="x" data-which="third">')
    login = selectors.bind(page, "login")
    assert login.locate("operator_code").get_attribute("data-which") == "first"
    assert "选择器 demo.login.operator_code 由第 1 个候选找到 | css=input[name=userCode]" in log_lines
    assert login.probe() == {"operator_code": "css=input[name=userCode]", "submit": None}


def test_falls_back_to_label_and_role_when_ids_are_gone(
    page: Any, selectors: PortalSelectors, log_lines: list[str]
) -> None:
    page.set_content(REDESIGNED_LOGIN)
    login = selectors.bind(page, "login", timeout_ms=5_000)
    started = time.monotonic()
    field = login.locate("operator_code")
    field.fill("OP0001")
    assert page.locator("#f1").input_value() == "OP0001"
    assert login.locate("submit").text_content() == "登录"
    # the missing ids cost no timeout of their own
    assert time.monotonic() - started < 2.5
    assert "选择器 demo.login.operator_code 由第 3 个候选找到 | label=操作员代码" in log_lines
    assert '选择器 demo.login.submit 由第 2 个候选找到 | role=button[name="登录"]' in log_lines
    assert login.probe() == {"operator_code": "label=操作员代码", "submit": 'role=button[name="登录"]'}

    # the winner is remembered for the process: tried first on the next page of this kind
    page.set_content('<input name="userCode" data-which="by-name">'
                     '<label for="f2">操作员代码</label><input id="f2" data-which="by-label">')
    log_lines.clear()
    again = selectors.bind(page, "login")
    assert again.locate("operator_code").get_attribute("data-which") == "by-label"
    assert log_lines == []  # same winner: nothing new to say


def test_waits_for_an_element_that_appears_late(page: Any, selectors: PortalSelectors) -> None:
    page.set_content("<div id=host></div><script>setTimeout(() => { document.getElementById('host')"
                     ".innerHTML = '<label for=c>操作员代码</label><input id=c>'; }, 300);</script>")
    login = selectors.bind(page, "login", timeout_ms=5_000)
    assert login.locate("operator_code").get_attribute("id") == "c"


def test_missing_element_names_page_element_and_every_candidate(
    page: Any, selectors: PortalSelectors
) -> None:
    page.set_content('<input name="userCode">')  # the page is there, its submit button is not
    login = selectors.bind(page, "login", timeout_ms=300)
    assert not login.present("submit") and login.present("operator_code")
    with pytest.raises(SelectorNotFound) as caught:
        login.locate("submit")
    error = caught.value
    assert isinstance(error, ApplicationError) and error.code == "selector_not_found"
    message = str(error)
    for part in ("门户 'demo'", "页面 'login'", "元素 'submit'",
                 "1) css=input[type=submit]", '2) role=button[name="登录"]'):
        assert part in message
    assert error.details["candidates"] == ["css=input[type=submit]", 'role=button[name="登录"]']


def test_page_matching_nothing_means_the_portal_changed(page: Any, selectors: PortalSelectors) -> None:
    page.set_content("<h1>全新的系统</h1><input id=account>")
    login = selectors.bind(page, "login", timeout_ms=300)
    with pytest.raises(PortalChanged) as caught:
        login.locate("operator_code")
    assert isinstance(caught.value, RunFatalError)
    message = str(caught.value)
    assert "页面 'login' 的元素（operator_code, submit）一个也没有匹配" in message
    assert "1) css=input[name=userCode]; 2) css=#userCode; 3) label=操作员代码" in message
    assert login.probe() == {"operator_code": None, "submit": None}


def test_page_inside_an_iframe(page: Any, selectors: PortalSelectors) -> None:
    page.set_content('<iframe name="main" srcdoc="<label for=n>备注</label><input id=n>"></iframe>')
    framed = selectors.bind(page, "framed", timeout_ms=5_000)
    framed.locate("note").fill("inside the frame")
    assert page.frame(name="main").locator("#n").input_value() == "inside the frame"


def test_names_missing_from_the_yaml_fail_at_bind_time(page: Any, selectors: PortalSelectors) -> None:
    with pytest.raises(ConfigError, match="中没有页面 filing"):
        selectors.bind(page, "filing")
    login = selectors.bind(page, "login")
    with pytest.raises(ConfigError, match="缺少元素 password"):
        login.require("operator_code", "password")
    with pytest.raises(ConfigError, match="缺少元素 captcha"):
        login.locate("captcha")


UNIQUE_YAML = """
unique: true
pages:
  form:
    sections:
      legal_rep:
        - xpath: "//tbody[tr/td[normalize-space(.)='法定代表人信息']]"
        - xpath: "//form"
    elements:
      legal_rep_name:
        scope: legal_rep
        candidates:
          - css: "input[name=legalName]"
          - xpath: "//td[normalize-space(.)='姓名']/following-sibling::td[1]//input"
          - label: "姓名"
      any_name:
        - css: "input[name=legalName]"
        - xpath: "//td[normalize-space(.)='姓名']/following-sibling::td[1]//input"
        - label: "姓名"
      cells:
        many: true
        candidates:
          - css: "td"
          - role: cell
"""
# a 经办人 section before the legal representative's, reusing the label 姓名; no names on the inputs
TWO_SECTIONS = """<form><table>
  <tbody><tr><td colspan=2>经办人信息</td></tr>
         <tr><td>姓名</td><td><input data-who="agent"></td></tr></tbody>
  <tbody><tr><td colspan=2>法定代表人信息</td></tr>
         <tr><td>姓名</td><td><input data-who="legal"></td></tr></tbody>
</table></form>"""


@pytest.fixture
def unique(tmp_path: Path) -> PortalSelectors:
    (tmp_path / "demo.yaml").write_text(UNIQUE_YAML, encoding="utf-8")
    return load_selectors("demo", tmp_path)


def test_a_candidate_matching_two_elements_is_an_error_not_its_first_match(
    page: Any, unique: PortalSelectors, tmp_path: Path
) -> None:
    page.set_content(TWO_SECTIONS)
    form = unique.bind(page, "form", timeout_ms=500)
    with pytest.raises(PortalChanged) as caught:
        form.locate("any_name")
    error = caught.value
    assert error.code == "selector_ambiguous" and error.details["count"] == 2
    assert "元素 'any_name' 的候选 xpath=//td[normalize-space(.)='姓名']" in str(error)
    assert form.probe()["any_name"] is None
    ambiguous = form.probe_detail()["any_name"]
    assert (ambiguous.problem, ambiguous.index, ambiguous.count) == ("ambiguous", 1, 2)
    # many: true may match every cell
    assert form.locate("cells").count() == 6 and form.probe_detail()["cells"].problem is None
    # without unique: true the first match is taken, as before (the report platform's files)
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "demo.yaml").write_text(UNIQUE_YAML.replace("unique: true", ""), encoding="utf-8")
    loose = load_selectors("demo", tmp_path / "loose").bind(page, "form", timeout_ms=500)
    assert loose.locate("any_name").first.get_attribute("data-who") == "agent"


def test_a_scoped_element_is_found_inside_its_section_only(page: Any, unique: PortalSelectors) -> None:
    page.set_content(TWO_SECTIONS)
    form = unique.bind(page, "form", timeout_ms=500)
    form.locate("legal_rep_name").fill("张伟")
    assert page.locator("[data-who=legal]").input_value() == "张伟"
    assert page.locator("[data-who=agent]").input_value() == ""
    assert form.probe_detail()["legal_rep_name"].candidate == (
        "xpath=//td[normalize-space(.)='姓名']/following-sibling::td[1]//input"
    )
    # a page without sections: the section's next candidate (the whole form) holds one 姓名
    page.set_content("<form><table><tr><td>姓名</td><td><input data-who=only></td></tr></table></form>")
    form.locate("legal_rep_name").fill("李娜")
    assert page.locator("[data-who=only]").input_value() == "李娜"
    # no section at all: named as such
    page.set_content("<p>维护中</p>")
    with pytest.raises(SelectorNotFound, match="section 'legal_rep' of element 'legal_rep_name' is not"):
        form.locate("legal_rep_name")
    assert form.probe_detail()["legal_rep_name"].problem == "no_section"
    assert not form.present("legal_rep_name")
