"""Selector YAML validation: every problem is a ConfigError naming the file, page and element."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rpa.browser.selectors import Candidate, load_selectors
from rpa.errors import ConfigError
from rpa.settings import PROJECT_ROOT

GOOD = """
pages:
  login:
    elements:
      operator_code:
        - css: "input[name=userCode]"
        - xpath: "//input[@id='userCode']"
        - label: "操作员代码"
      submit:
        - css: "input[type=submit]"
        - role: button
          name: "登录"
  query:
    frame: "iframe[name=main]"
    elements:
      account_no:
        - placeholder: "请输入账号"
        - text: "账号"
          exact: false
"""


def _write(folder: Path, text: str, portal: str = "demo") -> Path:
    path = folder / f"{portal}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problem(folder: Path, text: str) -> str:
    _write(folder, text)
    with pytest.raises(ConfigError) as caught:
        load_selectors("demo", folder)
    return str(caught.value)


def test_good_file_loads_in_order(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    selectors = load_selectors("demo", tmp_path)
    assert selectors.portal == "demo"
    assert selectors.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    login = selectors.page("login")
    assert login.frame is None and selectors.page("query").frame == "iframe[name=main]"
    assert [c.describe() for c in login.elements["operator_code"]] == [
        "css=input[name=userCode]",
        "xpath=//input[@id='userCode']",
        "label=操作员代码",
    ]
    assert login.elements["submit"][-1].describe() == 'role=button[name="登录"]'
    assert selectors.page("query").elements["account_no"][-1].exact is False
    selectors.require("login", "operator_code", "submit")


def test_one_candidate_is_not_enough(tmp_path: Path) -> None:
    text = "pages:\n  login:\n    elements:\n      submit:\n        - role: button\n"
    message = _problem(tmp_path, text)
    assert str(tmp_path / "demo.yaml") in message
    assert "page 'login', element 'submit'" in message and "at least two candidates" in message


def test_last_candidate_must_be_readable(tmp_path: Path) -> None:
    text = "pages:\n  login:\n    elements:\n      submit:\n        - css: '#a'\n        - css: '#b'\n"
    message = _problem(tmp_path, text)
    assert "element 'submit'" in message and "last candidate must be by label, role or text" in message


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("{css: '#a', label: 'x'}", "exactly one of"),
        ("{exact: true}", "exactly one of"),
        ("{label: 'x', name: 'y'}", "name goes only with role"),
        ("{css: '  '}", "css is empty"),
        ("{role: 'not a role'}", "not an ARIA role"),
        ("{csss: '#a'}", "Extra inputs are not permitted"),
    ],
)
def test_bad_candidate_is_named(tmp_path: Path, candidate: str, reason: str) -> None:
    text = f"pages:\n  login:\n    elements:\n      submit:\n        - {candidate}\n        - role: button\n"
    message = _problem(tmp_path, text)
    assert "page 'login', element 'submit', candidate 1" in message and reason in message


def test_file_level_problems(tmp_path: Path) -> None:
    assert "无法读取门户 demo 的选择器文件" in _problem_missing(tmp_path)
    assert "不是有效的 YAML" in _problem(tmp_path, "pages: [unclosed")
    twice = "pages:\n  login:\n    elements:\n      submit: '#go'\n      submit: '#cancel'\n"
    assert "第5行的键「submit」在第4行已写过" in _problem(tmp_path, twice)  # tester AB: the later one won
    assert "field 'portal'" in _problem(tmp_path, "portal: x\npages: {}\n")
    assert "a page needs at least one element" in _problem(tmp_path, "pages:\n  login:\n    elements: {}\n")
    assert "not a plain name" in _problem(tmp_path, GOOD.replace("operator_code:", "operator-code:"))
    with pytest.raises(ConfigError, match="不是门户名"):
        load_selectors("../etc/passwd", tmp_path)


def _problem_missing(folder: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_selectors("demo", folder)
    return str(caught.value)


def test_unknown_page_and_missing_elements_fail_before_the_run(tmp_path: Path) -> None:
    _write(tmp_path, GOOD)
    selectors = load_selectors("demo", tmp_path)
    with pytest.raises(ConfigError, match=r"中没有页面 filing（已有：login、query）"):
        selectors.page("filing")
    with pytest.raises(ConfigError, match="的页面 login 缺少元素 password、captcha"):
        selectors.require("login", "operator_code", "password", "captcha")


def test_candidate_kind_and_describe() -> None:
    assert Candidate(role="button").describe() == "role=button"
    assert Candidate(text="登录成功").kind == "text"
    assert Candidate.model_validate({"placeholder": "账号"}).describe() == "placeholder=账号"


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "selectors").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_selector_file_is_valid(path: Path) -> None:
    assert load_selectors(path.stem, path.parent).pages


SCOPED = """
unique: true
pages:
  form:
    sections:
      legal_rep:
        - xpath: "//fieldset[legend='法定代表人']"
    tables:
      history:
        table: history_table
        columns: {action: ["业务类型", "操作类型"]}
        row_count: ['共\\s*(\\d+)\\s*行']
    elements:
      legal_rep_name:
        scope: legal_rep
        candidates:
          - css: "input[name=legalName]"
          - label: "姓名"
      cells:
        many: true
        candidates:
          - css: "td"
          - role: cell
      history_table:
        - css: "table.listtable"
        - text: "备案编号"
"""


def test_sections_many_and_tables_load(tmp_path: Path) -> None:
    _write(tmp_path, SCOPED)
    selectors = load_selectors("demo", tmp_path)
    form = selectors.page("form")
    assert selectors.unique is True
    assert form.element_scopes == {"legal_rep_name": "legal_rep"}
    assert form.many_elements == {"cells"}
    described = [c.describe() for c in form.elements["legal_rep_name"]]
    assert described == ["css=input[name=legalName]", "label=姓名"]
    table = selectors.table("form", "history", "action")
    assert table.count_in("第1页 共 7 行") == (7, r"共\s*(\d+)\s*行")
    assert table.count_in("共7条") is None
    with pytest.raises(ConfigError, match="的表格 history 缺少列 filing_no"):
        selectors.table("form", "history", "action", "filing_no")
    with pytest.raises(ConfigError, match="没有表格 list"):
        selectors.table("form", "list")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("scope: legal_rep", "scope: agent"), "scope 'agent' is not one of the page's sections"),
        (("table: history_table", "table: list_table"), "element 'list_table' is not one of the page's"),
        (("'共\\s*(\\d+)\\s*行'", "'共\\s*\\d+\\s*行'"), "needs exactly one group"),
        (("'共\\s*(\\d+)\\s*行'", "'共(\\d+'"), "is not a regular expression"),
        (('["业务类型", "操作类型"]', "[]"), "column 'action' needs at least one header text"),
        (("many: true", "many: true\n        within: x"),
         "takes candidates, scope, many and personal (not within)"),
    ],
)
def test_bad_sections_and_tables_are_named(tmp_path: Path, change: tuple[str, str], reason: str) -> None:
    assert change[0] in SCOPED
    message = _problem(tmp_path, SCOPED.replace(*change))
    assert "page 'form'" in message and reason in message


PERSONAL = """
pages:
  open_form:
    frame: "iframe"
    elements:
      id_number: &id_number
        personal: true
        candidates:
          - css: "input[name=idNo]"
          - {role: textbox, name: "证件号码"}
      depositor_name: &depositor_name
        - css: "input[name=depositorName]"
        - {role: textbox, name: "存款人名称"}
  change_form:
    frame: "iframe"
    elements:
      id_number: *id_number
      depositor_name: *depositor_name
      legal_rep_name:
        personal: true
        candidates:
          - css: "input[name=legalName]"
          - {role: textbox, name: "姓名"}
  main:
    elements:
      operator_info:
        personal: true
        candidates:
          - css: "td.userinfo"
          - {text: "操作员：", exact: false}
"""


def test_personal_elements_are_listed_once_each(tmp_path: Path) -> None:
    _write(tmp_path, PERSONAL)
    selectors = load_selectors("demo", tmp_path)
    assert selectors.page("change_form").personal_elements == {"id_number", "legal_rep_name"}
    # the change form's id_number is the open form's (one YAML anchor): masked once
    assert selectors.personal() == [("open_form", "id_number"), ("change_form", "legal_rep_name"),
                                    ("main", "operator_info")]


def test_the_shipped_ams_selectors_mark_personal_data_and_nothing_readable() -> None:
    selectors = load_selectors("ams", PROJECT_ROOT / "selectors")
    marked = {element for _, element in selectors.personal()}
    assert {"account_no", "uscc", "legal_rep_name", "id_number", "registered_address",
            "basic_account_permit", "operator_info", "cells"} <= marked
    assert not marked & {"depositor_name", "message_box", "next", "confirm", "bank_code", "business_date"}
