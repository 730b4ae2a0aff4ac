"""result.xlsx's 说明 is Chinese only: no English diagnostics, no internal field names (issue #19);
and an approved row names its checker whatever became of it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.account_filing.report import RowOutcome
from flows.account_filing.result_book import ResultRow, write_result_book
from flows.account_filing.row_results import result_row
from rpa.approvals.words import APPROVED_AT, APPROVED_BY
from rpa.outcomes import MAY_BE_DONE
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
    assert note == "失败（错误代码 brand_new_code）：详情在运行日志中，请运维人员查看"


def test_a_portal_refusal_with_a_code_of_its_own_points_to_the_portal_s_words() -> None:
    """Tester AI's F7: 门户拒绝（错误代码 basic_account_missing），详情见 run.log, a file the
    console gives no clerk, though AMS's words were in 门户信息 beside it."""
    result = {"status": "refused", "portal_message": "基本存款账户不存在"}
    note = _note(_item(ItemState.BUSINESS_ERROR, "basic_account_missing", "基本存款账户不存在", result))
    assert note == "AMS拒绝了此笔报备，原因见「门户信息」（错误代码 basic_account_missing）"


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


@pytest.mark.parametrize(("state", "result", "word"), [
    (ItemState.DONE, {"status": "filed", "filing_no": "100020260106000001", "note": "成功"}, "已报备"),
    (ItemState.BUSINESS_ERROR, ENGLISH_MESSAGES["portal_refusal"][1], "门户拒绝"),
    (ItemState.FAILED, None, "失败"),
    (ItemState.PENDING, None, "未完成"),
])
def test_an_approved_row_names_its_checker_whatever_became_of_it(
    tmp_path: Path, state: ItemState, result: dict | None, word: str
) -> None:
    """In result.xlsx's 说明: filed, refused by AMS afterwards, failed or not yet worked."""
    code = None if state in (ItemState.DONE, ItemState.PENDING) else "basic_account_missing"
    item = replace(_item(state, code, "AMS refused" if code else None, result),
                   payload={APPROVED_BY: "judy", APPROVED_AT: "2026-01-06T09:40:00+08:00"})
    row_line = result_row(_outcome(), item, lambda header: None, "")
    row = _result_line(tmp_path, row_line)
    assert row["状态"] == word and "复核人 judy 批准" in str(row["说明"]), row


@pytest.mark.parametrize(("state", "result", "word"), [
    (ItemState.DONE, {"status": "filed", "filing_no": "100020260106000002"}, "已报备"),
    (ItemState.HELD, {"note": "更正后的行须按更正后的内容重新核查，暂不报备"}, "需人工处理"),
])
def test_a_corrected_row_shows_what_it_files_and_which_fields_a_person_corrected(
    tmp_path: Path, state: ItemState, result: dict, word: str
) -> None:
    """result.xlsx shows the fields as corrected (what AMS holds), not as the export wrote them."""
    corrected = {"action": "open", "account_no": "6222020200112233445", "business_date": "2026-01-05",
                 "depositor_name": "上海甲乙丙贸易有限公司", "account_kind": "general",
                 "depositor_category": "企业法人", "id_type": "居民身份证"}
    code = None if state == ItemState.DONE else "check_not_passed"
    item = replace(_item(state, code, None, result),
                   payload={"record": corrected, "corrected_by": "clerkA",
                            "corrected_fields": ["存款人名称", "证件种类"]})
    outcome = replace(_outcome(), raw={"存款人名称": "上海甲乙贸易有限公司", "证件种类": "户口簿"})
    fields = {"存款人名称": "depositor_name", "证件种类": "id_type"}
    line = result_row(outcome, item, lambda header: _Found(fields[header]) if header in fields else None, "")
    row = _result_line(tmp_path, line)
    shown = (row["存款人名称"], row["证件种类"], row["状态"])
    assert shown == ("上海甲乙丙贸易有限公司", "居民身份证", word), row
    assert "经 clerkA 更正存款人名称、证件种类" in str(row["说明"]), row


def test_a_corrected_row_whose_payload_was_masked_shows_the_export_not_masked_values(tmp_path: Path) -> None:
    """A run's done payloads are masked once it ends (RPA_PAYLOAD_RETENTION): result.xlsx written
    again (a retry, a resume) showed 上********* as the name (tester AG). The export's values
    are shown, the note says the corrected ones are not kept, and no uncorrected J number."""
    masked = {"action": "open", "account_no": "***************3445", "business_date": "2026-01-05",
              "depositor_name": "上*********", "account_kind": "general",
              "basic_account_permit": "**********0201", "depositor_category": "企业法人",
              "id_type": "居民身份证"}
    item = replace(_item(ItemState.DONE, None, None, {"status": "filed", "filing_no": "100020260106000002"}),
                   payload={"record": masked, "corrected_by": "clerkA",
                            "corrected_fields": ["基本存款账户编号"], "_masked": True})
    outcome = replace(_outcome(), raw={"存款人名称": "上海甲乙贸易有限公司"})
    fields = {"存款人名称": "depositor_name"}
    line = result_row(outcome, item, lambda header: _Found(fields[header]) if header in fields else None, "")
    row = _result_line(tmp_path, line)
    assert row["存款人名称"] == "上海甲乙贸易有限公司" and row["基本存款账户编号"] is None, row
    note = str(row["说明"])
    assert "经 clerkA 更正基本存款账户编号后报备" in note and "已按保留规定脱敏" in note, row
    assert "更正过的基本存款账户编号不显示" in note and "以 AMS 为准" in note, row


class _Found:
    """What the header aliases answer for a header (`aliases.match`): the field it is."""

    def __init__(self, field: str) -> None:
        self.field = field


def _result_line(tmp_path: Path, line: ResultRow) -> dict[object, object]:
    """The one row of a result.xlsx written with `line`, by its header."""
    workbook = load_workbook(write_result_book(tmp_path / "result.xlsx", [line]), read_only=True)
    try:
        header, values = list(workbook.worksheets[0].iter_rows(values_only=True))[:2]
    finally:
        workbook.close()
    return dict(zip(header, values, strict=True))


@pytest.mark.parametrize(("state", "code", "warned"), [
    (ItemState.FAILED, "portal_busy", True),  # tester Q's Q3: the retry's look-ups met 500s
    (ItemState.PENDING, "page_timeout", True),  # a run stopped before its next attempt
    (ItemState.FAILED, "answer_lost", False),  # its own note says so already
    (ItemState.FAILED, "page_timeout", False),  # no press went unanswered: no mark
])
def test_a_row_failing_after_a_press_ams_did_not_answer_says_it_may_be_filed(
    state: ItemState, code: str, warned: bool
) -> None:
    marked = warned or code == "answer_lost"
    note = _note(_item(state, code, "look-up: 500 系统繁忙", {MAY_BE_DONE: True} if marked else None))
    assert ("可能已报备：请勿人工报备，用 rpa cases retry 重试" in note) is warned, note
    assert note.count("可能已报备") <= 1, note


@pytest.mark.parametrize(("state", "result", "filed", "expected"), [
    (ItemState.DONE, {"status": "filed"}, date(2026, 12, 6), True),  # read 12-05 (due), filed after midnight
    (ItemState.DONE, {"status": "filed"}, date(2026, 12, 5), False),  # filed on its due day
    (ItemState.DONE, {"status": "already_filed"}, date(2026, 12, 6), False),  # AMS had it: as read
    (ItemState.FAILED, None, date(2026, 12, 6), True),  # not filed, and the day has passed
])
def test_overdue_is_judged_when_the_row_was_filed_or_the_book_written(
    state: ItemState, result: dict | None, filed: date, expected: bool
) -> None:
    """Tester T's S5: a T+0 row read on its due day (12-05) and filed after midnight read 否."""
    from flows.account_filing.row_results import overdue_at_close
    from rpa.workdays import Deadline

    outcome = replace(_outcome(), deadline=Deadline(date(2026, 12, 5), estimated=False), overdue=False)
    item = _item(state, None, None, result)
    row = overdue_at_close(result_row(outcome, item, lambda header: None, ""), outcome, item,
                           date(2026, 12, 6), lambda _: filed)
    assert row.overdue is expected


def test_a_run_whose_day_came_from_the_clock_is_judged_by_the_clock(tmp_path: Path) -> None:
    """The code review of 2026-12-06: a run keeps its first day in its params for its resume,
    and a row filed after midnight on the resume was judged by that first day. A run given its
    `today` (a test, a backfill) is judged by it; one whose day was the clock's by the clock."""
    from types import SimpleNamespace

    from flows.account_filing.row_results import BY_CLOCK, close_days
    from rpa.run.runs import now_in
    from rpa.settings import Settings

    settings = Settings(runs_dir=tmp_path / "runs", timezone="Asia/Shanghai")
    filed = replace(_item(ItemState.DONE, None, None, {"status": "filed"}),
                    updated_at=datetime.fromisoformat("2026-12-03T16:20:00+00:00"))  # 00:20 on 12-04 there
    today, filed_on = close_days(SimpleNamespace(params={BY_CLOCK: True}, settings=settings),  # type: ignore[arg-type]
                                 date(2026, 12, 3))
    assert today == now_in(settings).date() and filed_on(filed) == date(2026, 12, 4)
    today, filed_on = close_days(SimpleNamespace(params={}, settings=settings),  # type: ignore[arg-type]
                                 date(2026, 11, 26))
    assert today == filed_on(filed) == date(2026, 11, 26)


def test_an_invalid_rows_coded_cells_read_as_a_valid_rows_do() -> None:
    """Tester Z: result.xlsx's 存款人类别 showed `02` on an invalid row and 企业法人 on a valid one.
    A coded cell that reads is shown by its name; one that does not is shown as written."""
    fields = {"存款人类别": "depositor_category", "证件种类": "id_type", "账户性质": "account_kind"}
    outcome = replace(_outcome(), valid=False,
                      raw={"存款人类别": "1", "证件种类": "居民身份证", "账户性质": "一般户"})  # DOMAIN.md
    line = result_row(outcome, None, lambda header: _Found(fields[header]) if header in fields else None, "")
    shown = (line.depositor_category, line.id_type, line.account_kind)
    assert shown == ("企业法人", "居民身份证", "一般存款账户")
    unread = replace(outcome, raw={"存款人类别": "99", "证件种类": "护照本"})
    line = result_row(unread, None, lambda header: _Found(fields[header]) if header in fields else None, "")
    assert (line.depositor_category, line.id_type) == ("99", "护照本")


def test_a_read_only_field_that_differs_is_named() -> None:
    """Tester AD: a 变更 of 开户银行 was held with 「只读信息与输入行不同」, naming no field."""
    item = _item(ItemState.HELD, "read_only_field_differs", None, {"status": "held", "field": "bank_code"})
    note = result_row(_outcome(), item, lambda header: None, "").note
    assert "开户银行机构代码在表单上只读" in note, note
