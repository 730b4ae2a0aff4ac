"""Shared by the AMS portal tests: sample canonical records, an export of them, a GBK form post,
a browser login."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from stdnum.cn import uscc

from fixtures.inputs._presentation import cells_for
from fixtures.inputs._scenario import SheetRow
from fixtures.inputs.make_accounts import write_xlsx

BANK_A = "102100099996"
BANK_B = "103100000026"


def make_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) for a made-up organisation."""
    body = f"91110000{serial:09d}"
    return body + uscc.calc_check_digit(body)


def write_export(path: Path, records: list[dict[str, Any]]) -> Path:
    """`records` (canonical, as `FilingRecord.model_dump()` gives them) as a core-banking export."""
    rng = random.Random(5)
    rows = []
    for number, record in enumerate(records, start=1):
        cells = cells_for(record, number, rng)
        cells[0] = number
        rows.append(SheetRow(cells, {}, True, (record["business_date"], 0.0)))
    write_xlsx(path, rows)
    return path


def basic_record(
    account_no: str = "110012345678", *, serial: int = 1, day: str = "2026-11-27", **changes: Any
) -> dict[str, Any]:
    """A canonical open filing of a basic account (the shape the bot's flow produces)."""
    record: dict[str, Any] = {
        "action": "open",
        "account_no": account_no,
        "account_kind": "basic",
        "business_date": day,
        "depositor_name": "北京星辰科技有限公司",
        "depositor_category": "企业法人",
        "uscc": make_uscc(serial),
        "legal_rep_role": "法定代表人",
        "legal_rep_name": "张伟",
        "id_type": "居民身份证",
        "id_number": "11010519491231002X",
        "registered_address": "北京市东城区东直门南大街1号",
        "registered_capital_yuan": "5000000.00",
        "business_scope": "技术开发、技术咨询",
        "bank_code": BANK_A,
        "basic_account_permit": None,
    }
    record.update(changes)
    return record


OPEN_FORM_FIELDS = {
    "account_no": "acctNo",
    "business_date": "openDate",
    "depositor_name": "depositorName",
    "uscc": "creditCode",
    "legal_rep_name": "legalName",
    "id_number": "idNo",
    "registered_address": "regAddress",
    "registered_capital_yuan": "regCapital",
    "business_scope": "bizScope",
    "bank_code": "bankCode",
    "basic_account_permit": "basicAcctNo",
}
OPEN_FORM_SELECTS = {
    "account_kind": "acctType",
    "depositor_category": "depositorType",
    "legal_rep_role": "legalType",
    "id_type": "idType",
}
# The standard mock's option codes for the labels these tests post (its 开户 form, read by eye)
STANDARD_CODES: dict[str, dict[str, str]] = {
    "account_kind": {"basic": "1", "general": "2", "special": "3", "temporary": "4"},
    "depositor_category": {"企业法人": "01", "非法人企业": "02", "机关": "03", "社会团体": "08"},
    "legal_rep_role": {"法定代表人": "1", "单位负责人": "2"},
    "id_type": {"居民身份证": "1", "护照": "6", "其它": "9"},
}


def open_form_data(record: dict[str, Any]) -> dict[str, str]:
    """The open form's fields for a canonical record, as a browser would post them."""
    data = {name: str(record[key]) for key, name in OPEN_FORM_FIELDS.items() if record.get(key)}
    for key, name in OPEN_FORM_SELECTS.items():
        value = record[key]
        data[name] = STANDARD_CODES[key][value]
    if not record.get("registered_capital_yuan"):
        data["noRegCapital"] = "1"
    return data


def gbk_post(client: httpx.Client, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
    """POST a form encoded the way the GBK pages' browsers do."""
    return client.post(
        path,
        content=urlencode(data, encoding="gbk"),
        headers={"content-type": "application/x-www-form-urlencoded"},
        **kwargs,
    )


def http_login(client: httpx.Client, code: str, password: str) -> httpx.Response:
    return gbk_post(client, "/ams/login.do", {"operCode": code, "operPwd": password})


def text(response: httpx.Response) -> str:
    return response.content.decode("gbk")


def browser_login(page: Any, login_url: str, code: str, password: str) -> None:
    """Log in through the login page and wait for the framed main page."""
    page.goto(login_url)
    page.fill("input[name=operCode]", code)
    page.fill("input[name=operPwd]", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/ams/main.do")


def open_menu(page: Any, top: str, item: str) -> Any:
    """Open a top menu (JavaScript), click its left-navigation item; returns the content frame."""
    page.locator("td.menu", has_text=top).click()
    page.locator("td.leftnav a", has_text=item).click()
    return page.frame_locator("iframe[name=mainFrame]")
