"""result.xlsx's 说明 is Chinese only: no English diagnostics, no internal field names (issue #19)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from flows.account_filing.report import RowOutcome
from flows.account_filing.row_results import result_row
from rpa.queue.work_queue import ItemState, WorkItem

# what exceptions of the bot and the flow carry: English for run.log
ENGLISH_MESSAGES = {
    "check_page_differs": (
        "open ****3445: the 信息核对 page shows a different registered_capital_yuan than the "
        "input row; not submitted",
        {"status": "held", "fields": ["registered_capital_yuan"]},
    ),
    "page_timeout": ("lookup ****3445: AMS did not answer in time", None),
    "answer_lost": ("submit ****3445: the answer was lost (page_timeout); the filing may be stored", None),
    "portal_refusal": (
        "open ****3445: AMS refused: 该账户已存在",
        {"status": "refused", "portal_message": "该账户已存在"},
    ),
}
STATES = {
    "check_page_differs": ItemState.HELD,
    "page_timeout": ItemState.FAILED,
    "answer_lost": ItemState.FAILED,
    "portal_refusal": ItemState.BUSINESS_ERROR,
}
NOW = datetime(2026, 1, 6, 9, 30)


def _item(state: ItemState, code: str | None, message: str | None, result: dict | None) -> WorkItem:
    return WorkItem(
        id=3,
        flow="account-filing",
        run_id="20260106-093000-account-filing-ab12cd",
        key="k",
        payload={},
        state=state,
        attempts=2,
        lease_owner=None,
        lease_expires_at=None,
        not_before=None,
        last_error_code=code,
        last_error_message=message,
        result=result,
        created_at=NOW,
        updated_at=NOW,
    )


def _outcome() -> RowOutcome:
    return RowOutcome(
        sheet="开户",
        row=9,
        valid=True,
        needs_person=False,
        record=None,
        errors=[],
        warnings=[],
        deadline=None,
        overdue=False,
        due_today=False,
        raw={"账号": "6222 0202 0011 2233 445", "户名": "上海甲乙贸易有限公司"},
    )


def _note(item: WorkItem) -> str:
    return result_row(_outcome(), item, lambda header: None, "").note


@pytest.mark.parametrize("code", sorted(ENGLISH_MESSAGES))
def test_no_english_word_reaches_the_note(code: str) -> None:
    message, result = ENGLISH_MESSAGES[code]
    note = _note(_item(STATES[code], code, message, result))
    words = [w for w in re.findall(r"[A-Za-z_]+", note) if w not in ("AMS", "run", "log")]
    assert note and not words, note


def test_a_page_that_differs_names_the_field_as_the_clerk_knows_it() -> None:
    message, result = ENGLISH_MESSAGES["check_page_differs"]
    assert _note(_item(ItemState.HELD, "check_page_differs", message, result)) == (
        "信息核对页所示的注册资金与输入行不同，未提交：请人工核实"
    )


def test_an_unmapped_code_is_named_with_its_outcome_not_hidden() -> None:
    note = _note(_item(ItemState.FAILED, "brand_new_code", "something nobody mapped yet", None))
    assert note == "失败（错误代码 brand_new_code），详情见 run.log"


def test_a_row_found_already_filed_says_so_in_chinese() -> None:
    item = _item(
        ItemState.DONE,
        None,
        None,
        {
            "status": "already_filed",
            "filing_no": "3100202601060001",
            "note": "AMS already holds this filing (same action, date and content)",
        },
    )
    row = result_row(_outcome(), item, lambda header: None, "")
    assert row.values()[5] == "此前已报备"
    assert row.note == "AMS中已有此笔报备（业务类型、日期和内容相同），未再提交"
