"""A 变更 or 撤销 is filed only onto the account AMS holds as the row describes it, and only once
the account's earlier rows have been filed.

Real Chromium against the mock AMS, which takes a 变更 or 撤销 by account number alone (it keeps
its own 账户性质 and 开户银行机构代码): the bot must compare them itself. Every row the bot should
not file is held (需人工处理) with a note a clerk can act on, and AMS receives nothing for it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from flows.account_filing.records import FilingRecord
from rpa.casework.actions import mark_by_hand, retry_failures
from rpa.casework.cases import open_cases
from rpa.errors import UsageError
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import RunOutcome, execute_run
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import BANK_A, BANK_B, basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

BASIC_PERMIT = "J1031000000101"
GENERAL = {"account_kind": "general", "basic_account_permit": BASIC_PERMIT, "bank_code": BANK_A}
LATER_NO = "AMS2026112500007"  # AMS's own 变更 of 2026-11-25, filed at its screens
NEW_ADDRESS = {"change_items": "注册地址", "registered_address": "北京市朝阳区建国路88号"}


def _seed_basic(ams: AmsHandle) -> None:
    """The depositor's basic account, at another bank: the other accounts hang off its permit."""
    basic = basic_record("020020260001", bank_code=BANK_B, basic_account_permit=BASIC_PERMIT)
    ams.seed([{**basic, "business_date": "2019-05-06", "filing_no": "AMS2019050600001"}])


def _run(ams: AmsHandle, tmp_path: Path, rows: list[dict[str, Any]], *, id_type: str | None = None,
         **overrides: Any) -> RunOutcome:
    records = [FilingRecord.model_validate(r).model_dump() for r in rows]
    source = write_export(tmp_path / "accounts.xlsx", records)
    if id_type is not None:  # the export helper writes every 证件种类 as 居民身份证
        book = load_workbook(source)
        for row in book.active.iter_rows():  # type: ignore[union-attr]
            for cell in row:
                if cell.value == "居民身份证":
                    cell.value = id_type
        book.save(source)
    settings = filing_settings(tmp_path, ams, 1, **overrides)
    params = {"flow_params": {"input": str(source), "today": REFERENCE_DAY}}
    return execute_run(settings, "account-filing", params, workers=1)


def _with_bad_id(outcome_dir: Path, rows: list[dict[str, Any]], *sheet_rows: int) -> Path:
    """The export of `rows`, the 证件号码 of `sheet_rows` with a wrong check character: invalid."""
    records = [FilingRecord.model_validate(r).model_dump() for r in rows]
    source = write_export(outcome_dir / "accounts.xlsx", records)
    book = load_workbook(source)
    sheet = book.active
    assert sheet is not None
    for cell in (cell for number in sheet_rows for cell in sheet[number]):
        if cell.value == "11010519491231002X":
            cell.value = "110105194912310021"
    book.save(source)
    return source


def _run_file(ams: AmsHandle, source: Path, tmp_path: Path, **overrides: Any) -> RunOutcome:
    settings = filing_settings(tmp_path, ams, 1, **overrides)
    params = {"flow_params": {"input": str(source), "today": REFERENCE_DAY}}
    return execute_run(settings, "account-filing", params, workers=1)


def _results(outcome: RunOutcome) -> list[tuple[str, str]]:
    """(状态, 说明) of each row, in sheet order."""
    rows = read_result(outcome.folder / "result.xlsx")
    return [(str(rows[n]["状态"]), str(rows[n]["说明"])) for n in sorted(rows)]


def test_a_change_or_close_contradicting_ams_record_of_the_account_is_held(
    ams: AmsHandle, tmp_path: Path
) -> None:
    _seed_basic(ams)
    special_kind = {**GENERAL, "account_kind": "special"}
    special = basic_record("110020260301", serial=31, day="2026-11-02", **special_kind)
    general = basic_record("110020260302", serial=32, day="2026-11-02", **GENERAL)
    ams.seed([special, general])
    before = len(ams.filings())

    outcome = _run(ams, tmp_path, [
        # AMS holds it as 专用: the row says 临时
        basic_record("110020260301", serial=31, day="2026-11-24", action="change",
                     **{**GENERAL, **NEW_ADDRESS, "account_kind": "temporary"}),
        # AMS holds it at BANK_A: the row says BANK_B
        basic_record("110020260302", serial=32, day="2026-11-25", action="close", close_reason="转户",
                     **{**GENERAL, "bank_code": BANK_B}),
    ])

    assert len(ams.filings()) == before and not ams.submissions()
    (change_state, change_note), (close_state, close_note) = _results(outcome)
    assert change_state == close_state == "需人工处理"
    assert "账户性质为「专用存款账户」，输入行为「临时存款账户」" in change_note, change_note
    assert f"开户银行机构代码为「{BANK_A}」，输入行为「{BANK_B}」" in close_note, close_note


def test_later_rows_of_an_account_wait_while_an_earlier_row_is_held(ams: AmsHandle, tmp_path: Path) -> None:
    _seed_basic(ams)
    account = "110020260303"
    # AMS already holds the open, with another address: the row's open is held for a person
    elsewhere = {**GENERAL, "registered_address": "别处1号"}
    ams.seed([basic_record(account, serial=33, day="2026-11-20", **elsewhere)])
    before = len(ams.filings())

    outcome = _run(ams, tmp_path, [
        basic_record(account, serial=33, day="2026-11-25", action="close", close_reason="转户", **GENERAL),
        basic_record(account, serial=33, day="2026-11-20", **GENERAL),
        basic_record(account, serial=33, day="2026-11-24", action="change", **{**GENERAL, **NEW_ADDRESS}),
    ])

    assert len(ams.filings()) == before and not ams.submissions()
    (close_state, close_note), (open_state, open_note), (change_state, change_note) = _results(outcome)
    assert open_state == "需人工处理" and "注册地址与输入行不同" in open_note, open_note
    assert change_state == close_state == "需人工处理"
    assert "同一账户在前的第5行（开户 2026-11-20）需人工处理" in change_note, change_note
    assert "同一账户在前的第5行（开户 2026-11-20）需人工处理" in close_note, close_note  # the first of them


def test_a_later_row_in_the_next_days_export_waits_for_an_earlier_row_another_run_holds(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """An account's rows usually come in different days' exports. Monday's run holds the 开户 for
    a person; Tuesday's run must not file the 变更 and 撤销 over it (a filed 撤销 cannot be undone,
    and AMS then takes no 变更 correcting the held row): both are held, naming Monday's run."""
    _seed_basic(ams)
    account = "110020260307"
    elsewhere = {**GENERAL, "registered_address": "别处1号"}  # AMS holds the open otherwise: held
    ams.seed([basic_record(account, serial=37, day="2026-11-20", **elsewhere)])
    before = len(ams.filings())
    shared = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "keys" / "audit.key"}
    (monday := tmp_path / "monday").mkdir()
    first = _run(ams, monday, [basic_record(account, serial=37, day="2026-11-20", **GENERAL)], **shared)
    [(open_state, _)] = _results(first)
    assert open_state == "需人工处理"

    (tuesday := tmp_path / "tuesday").mkdir()
    second = _run(ams, tuesday, [
        basic_record(account, serial=37, day="2026-11-24", action="change", **{**GENERAL, **NEW_ADDRESS}),
        basic_record(account, serial=37, day="2026-11-25", action="close", close_reason="转户", **GENERAL),
    ], **shared)

    assert len(ams.filings()) == before and not ams.submissions()
    (change_state, change_note), (close_state, close_note) = _results(second)
    assert change_state == close_state == "需人工处理", _results(second)
    held = f"同一账户在前的运行 {first.run_id} 第4行（开户 2026-11-20）需人工处理"
    assert held in change_note and held in close_note, (change_note, close_note)
    assert f"rpa runs retry {second.run_id}" in close_note


def test_rows_behind_a_failed_open_wait_and_are_filed_in_order_after_its_retry(
    ams: AmsHandle, tmp_path: Path
) -> None:
    _seed_basic(ams)
    account = "110020260304"
    ams.set_faults(error_rate=1.0, error_paths=["/ams/acctOpenSubmit.do"])
    rows = [
        basic_record(account, serial=34, day="2026-11-24", action="change", **{**GENERAL, **NEW_ADDRESS}),
        basic_record(account, serial=34, day="2026-11-20", **GENERAL),
    ]
    outcome = _run(ams, tmp_path, rows, max_attempts=1, circuit_breaker_threshold=50)

    (change_state, change_note), (open_state, _) = _results(outcome)
    assert open_state == "失败" and change_state == "需人工处理", _results(outcome)
    assert "同一账户在前的第5行（开户 2026-11-20）失败" in change_note, change_note
    assert not [s for s in ams.submissions() if s["outcome"] == "filed"]

    ams.set_faults()
    settings = filing_settings(tmp_path, ams, 1)
    assert sorted(retry_failures(settings, outcome.run_id, "wang.jb").rows) == [4, 5]  # sheet rows
    again = execute_run(settings, "account-filing", {}, workers=1, resume=outcome.run_id)

    assert [state for state, _ in _results(again)] == ["已报备", "已报备"], _results(again)
    # each says who put it back to be filed (tester BJ F5: result.xlsx kept the last state alone)
    assert all(note.endswith("由 wang.jb 重试放行") for _, note in _results(again)), _results(again)
    # what each filed (tester BJ F14): the 变更's items, the 开户's capital; not the capital the 变更 left
    filed = read_result(again.folder / "result.xlsx")
    assert (filed[4]["变更事项"], filed[4]["注册资金（元）"]) == ("注册地址", None), filed[4]
    assert filed[5]["注册资金（元）"] == "5000000.00" and filed[5]["变更事项"] is None, filed[5]
    assert [f["action"] for f in ams.filings() if f["account_no"] == account] == ["open", "change"]


def test_a_close_of_an_account_ams_shows_closed_on_another_date_names_that_date(
    ams: AmsHandle, tmp_path: Path
) -> None:
    _seed_basic(ams)
    account = "110020260305"
    closing = {**GENERAL, "action": "close", "close_reason": "转户"}
    closed = basic_record(account, serial=35, day="2026-11-03", **closing)
    ams.seed([basic_record(account, serial=35, day="2026-11-02", **GENERAL), closed])

    outcome = _run(ams, tmp_path, [
        basic_record(account, serial=35, day="2026-11-24", action="close", close_reason="转户", **GENERAL),
    ])

    [(state, note)] = _results(outcome)
    assert state == "需人工处理" and "AMS中该账户已于2026-11-03撤销报备" in note, note
    assert not ams.submissions()


def test_a_value_ams_does_not_offer_is_named_with_its_field_in_the_result_book(
    ams: AmsHandle, tmp_path: Path
) -> None:
    outcome = _run(ams, tmp_path, [
        basic_record("110020260306", serial=36, day="2026-11-24", id_type="外国人永久居留身份证",
                     id_number="USA110079010101"),
    ], id_type="外国人永久居留身份证")

    [(_, note)] = _results(outcome)
    assert "「证件种类」" in note and "「外国人永久居留身份证」" in note, note
    assert not ams.submissions()


def test_a_row_behind_an_earlier_row_put_aside_waits_in_its_run_and_the_next_days(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """The 变更 of 11-24 is invalid (a wrong ID check character): never an item. The 撤销 of 11-25
    behind it, in the same file or in the next day's, is held while AMS lacks that 变更; once the
    变更 is in AMS (filed by hand), `rpa runs retry` files the 撤销."""
    _seed_basic(ams)
    same, next_day = "110020260308", "110020260309"
    for serial, account in ((38, same), (39, next_day)):
        ams.seed([basic_record(account, serial=serial, day="2026-11-20", **GENERAL)])
    before = len(ams.filings())

    def change(account: str, serial: int) -> dict[str, Any]:
        return basic_record(account, serial=serial, day="2026-11-24", action="change",
                            **{**GENERAL, **NEW_ADDRESS})

    def close(account: str, serial: int) -> dict[str, Any]:
        return basic_record(account, serial=serial, day="2026-11-25", action="close",
                            close_reason="转户", **GENERAL)

    shared = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "keys" / "audit.key"}
    (monday := tmp_path / "monday").mkdir()
    export = _with_bad_id(monday, [change(same, 38), close(same, 38), change(next_day, 39)], 4, 6)
    first = _run_file(ams, export, tmp_path, **shared)
    (change_state, _), (close_state, close_note), (other_state, _) = _results(first)
    assert change_state == other_state == "无效，未报备" and close_state == "需人工处理", _results(first)
    assert "同一账户在前的第4行（变更 2026-11-24）无效，未报备，AMS 中也没有" in close_note, close_note

    (tuesday := tmp_path / "tuesday").mkdir()
    second = _run_file(ams, _with_bad_id(tuesday, [close(next_day, 39)]), tmp_path, **shared)
    [(state, note)] = _results(second)
    assert state == "需人工处理", note
    held = f"同一账户在前的运行 {first.run_id} 第6行（变更 2026-11-24）无效，未报备，AMS 中也没有"
    assert held in note, note
    assert len(ams.filings()) == before and not ams.submissions()

    ams.seed([change(next_day, 39)])  # a clerk filed the 变更 at AMS's own screens
    settings = filing_settings(tmp_path, ams, 1, **shared)
    WorkQueue.from_settings(settings).retry(second.run_id, None)
    again = execute_run(settings, "account-filing", {}, workers=1, resume=second.run_id)
    assert [state for state, _ in _results(again)] == ["已报备"], _results(again)
    assert [f["action"] for f in ams.filings() if f["account_no"] == next_day] == ["open", "change", "close"]


def test_a_row_behind_a_row_filed_by_hand_says_so_while_ams_lacks_that_filing(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester BM F5 (2026-12-08): the 变更 moving the depositor to an address with a 生僻字 (需人工处理) was
    marked filed by hand and approved, yet the 撤销 behind it, retried while AMS still lacked that
    变更, kept saying the 变更 需人工处理. It now says the hand filing and its number are not in AMS;
    once AMS holds the 变更, a retry files the 撤销."""
    from rpa.casework.aside_actions import approve_aside, aside_row, mark_aside

    _seed_basic(ams)
    account, hand_no = "110020260311", "AMS2026112400011"
    ams.seed([basic_record(account, serial=41, day="2026-11-20", **GENERAL)])
    moved = {**GENERAL, "change_items": "注册地址", "registered_address": "北京市朝阳区𠮷祥路1号"}
    change = basic_record(account, serial=41, day="2026-11-24", action="change", **moved)
    close = basic_record(account, serial=41, day="2026-11-25", action="close", close_reason="转户", **GENERAL)
    first = _run(ams, tmp_path, [change, close])
    (change_state, _), (close_state, close_note) = _results(first)
    assert (change_state, close_state) == ("需人工处理", "需人工处理"), _results(first)
    assert "同一账户在前的第4行（变更 2026-11-24）需人工处理，AMS 中也没有" in close_note, close_note

    settings = filing_settings(tmp_path, ams, 1)
    aside = aside_row(settings, first.run_id, 4)
    assert aside is not None
    mark_aside(settings, first.run_id, aside, "柜员王", hand_no, "生僻字地址已在 AMS 柜面办理")
    approve_aside(settings, first.run_id, aside_row(settings, first.run_id, 4) or aside, "复核李")
    queue = WorkQueue.from_settings(settings)
    queue.retry(first.run_id, None)
    again = execute_run(settings, "account-filing", {}, workers=1, resume=first.run_id)
    (change_state, _), (close_state, close_note) = _results(again)
    assert change_state == "人工报备" and close_state == "需人工处理", _results(again)
    assert (f"同一账户在前的第4行（变更 2026-11-24）已人工报备（备案编号 {hand_no}，复核 复核李 批准），"
            "AMS 中却查不到这笔变更") in close_note, close_note
    assert not ams.submissions()

    ams.seed([{**change, "filing_no": hand_no}])  # the 变更 the clerk filed at AMS's screens, now listed
    queue.retry(first.run_id, None)
    done = execute_run(settings, "account-filing", {}, workers=1, resume=first.run_id)
    assert [state for state, _ in _results(done)] == ["人工报备", "已报备"], _results(done)
    assert [f["action"] for f in ams.filings() if f["account_no"] == account] == ["open", "change", "close"]


def test_a_row_dated_before_a_filing_ams_holds_is_held(ams: AmsHandle, tmp_path: Path) -> None:
    """A late 变更 of 11-24, exported after 11-25's was filed: filed now, AMS would end with the
    older address."""
    _seed_basic(ams)
    account = "110020260310"
    later = {**GENERAL, "change_items": "注册地址", "registered_address": "北京市海淀区新址2号"}
    ams.seed([basic_record(account, serial=40, day="2026-11-20", **GENERAL),
              {**basic_record(account, serial=40, day="2026-11-25", action="change", **later),
               "filing_no": LATER_NO}])
    outcome = _run(ams, tmp_path, [
        basic_record(account, serial=40, day="2026-11-24", action="change", **{**GENERAL, **NEW_ADDRESS}),
    ])
    [(state, note)] = _results(outcome)
    assert state == "需人工处理", note
    assert f"AMS 中该账户已有更晚的变更（2026-11-25，备案编号 {LATER_NO}）" in note, note
    assert "本行（变更 2026-11-24）晚到" in note and not ams.submissions()
    # the later filing's number is not this row's: a clerk's mark giving it is refused
    settings = filing_settings(tmp_path, ams, 1)
    [held] = WorkQueue.from_settings(settings).items(outcome.run_id)
    with pytest.raises(UsageError, match=f"第 4 行：{LATER_NO} 是 AMS 中该账户更晚一笔业务的备案编号"):
        mark_by_hand(settings, outcome.run_id, held.id, "王芳", LATER_NO.lower(), "柜面已办理")
    mark_by_hand(settings, outcome.run_id, held.id, "王芳", "AMS2026120100003", "柜面已在 AMS 中补办")


def test_a_row_put_aside_whose_date_does_not_read_holds_the_accounts_rows_of_its_run(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """The 变更's 开户日期 cell reads 2026-11-32: it may come before the 撤销 or not, and nothing
    tells the bot when it is filed. The 撤销 is held for a person, and AMS gets nothing."""
    _seed_basic(ams)
    account = "110020260311"
    ams.seed([basic_record(account, serial=41, day="2026-11-20", **GENERAL)])
    before = len(ams.filings())
    rows = [basic_record(account, serial=41, day="2026-11-24", action="change", **{**GENERAL, **NEW_ADDRESS}),
            basic_record(account, serial=41, day="2026-11-25", action="close", close_reason="转户",
                         **GENERAL)]
    records = [FilingRecord.model_validate(r).model_dump() for r in rows]
    source = write_export(tmp_path / "accounts.xlsx", records)
    book = load_workbook(source)
    sheet = book.active
    assert sheet is not None and sheet["E4"].value == "2026/11/24"  # the 变更's 开户日期
    sheet["E4"].value = "2026/11/32"
    book.save(source)

    outcome = _run_file(ams, source, tmp_path)

    (change_state, _), (close_state, close_note) = _results(outcome)
    assert change_state == "无效，未报备" and close_state == "需人工处理", _results(outcome)
    assert "同一账户的第4行无效，未报备，其业务类型或业务日期读不出，无法判断先后" in close_note, close_note
    assert len(ams.filings()) == before and not ams.submissions()


def test_a_change_alike_in_content_but_of_another_depositor_is_held_not_already_filed(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """AMS holds the account's 变更 of 11-24 (注册地址), filed at its screens. The same 变更 in an
    export row naming another depositor (名称 and 统一社会信用代码, which a 注册地址 change leaves
    to AMS, so not part of the filing's content) is not that filing: it is held naming both
    fields, never 此前已报备."""
    _seed_basic(ams)
    account = "110020260320"
    ams.seed([basic_record(account, serial=50, day="2026-11-20", **GENERAL),
              {**basic_record(account, serial=50, day="2026-11-24", action="change",
                              **{**GENERAL, **NEW_ADDRESS}), "filing_no": LATER_NO}])
    closed = "110020260321"  # and an account AMS holds closed on 11-26: the 撤销 alike
    ams.seed([basic_record(closed, serial=51, day="2026-11-20", **GENERAL),
              {**basic_record(closed, serial=51, day="2026-11-26", action="close", close_reason="转户",
                              **GENERAL), "filing_no": "AMS2026112600008"}])
    other = {**GENERAL, "depositor_name": "厦门海联贸易有限公司", "uscc": "91350200776049653A"}
    outcome = _run(ams, tmp_path, [
        basic_record(account, serial=50, day="2026-11-24", action="change", **{**other, **NEW_ADDRESS}),
        basic_record(closed, serial=51, day="2026-11-26", action="close", close_reason="转户", **other),
    ])
    for state, note in _results(outcome):
        assert state == "需人工处理", _results(outcome)
        assert "存款人名称为「北京星辰科技有限公司」" in note and "统一社会信用代码" in note, note
    assert not ams.submissions()


def test_a_filing_whose_answer_was_lost_reads_as_the_runs_own(ams: AmsHandle, tmp_path: Path) -> None:
    """AMS stores the 开户 and its answer is lost (a 502): the next attempt finds the filing and
    submits nothing more. result.xlsx says the run submitted it and read no answer, not that AMS
    already had it from someone else; the filing number is AMS's."""
    _seed_basic(ams)
    ams.set_faults(commit_fail_rate=1.0, commit_fail_mode="502", commit_fail_paths=["/ams/acctOpenSubmit.do"])
    outcome = _run(ams, tmp_path, [basic_record("110020260330", serial=60, day="2026-11-24", **GENERAL)])
    [(state, note)] = _results(outcome)
    assert state == "此前已报备", note
    assert note.startswith("机器人此前已确认提交，未收到或读不出AMS的应答"), note
    assert len(ams.submissions()) == 1 and ams.stats()["faults"].get("commit_fail_502") == 1


def test_a_row_failing_after_a_press_ams_did_not_answer_says_it_may_be_filed(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester Q's Q3: AMS stores the 开户 and its answer is lost (a 502); the retry's look-up then
    meets 500 系统繁忙 until the attempts run out. result.xlsx, report.html and 异常处理 said a
    plain 失败 (portal_busy), and a clerk would file it by hand a second time: each now says it
    may be filed and to retry, which looks it up and finds the run's own filing."""
    _seed_basic(ams)
    ams.set_faults(commit_fail_rate=1.0, commit_fail_mode="502", commit_fail_paths=["/ams/acctOpenSubmit.do"])
    stop = threading.Event()

    def look_ups_fail_once_submitted() -> None:
        while not stop.is_set() and not ams.stats()["events"].get("submit_open"):
            time.sleep(0.05)
        ams.set_faults(error_rate=1.0, error_paths=["/ams/acctQuery.do"])

    watcher = threading.Thread(target=look_ups_fail_once_submitted, daemon=True)
    watcher.start()
    try:
        outcome = _run(ams, tmp_path, [basic_record("110020260332", serial=62, day="2026-11-24", **GENERAL)],
                       max_attempts=2, backoff_base_seconds=2.0, backoff_max_seconds=2.0)
    finally:
        stop.set()
        watcher.join()
    [(state, note)] = _results(outcome)
    assert state == "失败" and "可能已报备：请勿人工报备，用 rpa cases retry 重试" in note, note
    assert "可能已报备" in (outcome.folder / "report.html").read_text(encoding="utf-8")
    [run] = open_cases(filing_settings(tmp_path, ams, 1), outcome.run_id)
    assert [case.may_be_done for case in run.cases] == [True], run.cases
    assert len(ams.submissions()) == 1
    shown = make_cli_env(tmp_path).run("runs", "show", outcome.run_id, check_exit=0).stdout
    assert "可能已办理：请勿人工重复办理" in shown, shown  # the run's own table, not a plain 失败

    ams.set_faults()
    settings = filing_settings(tmp_path, ams, 1)
    assert retry_failures(settings, outcome.run_id, "wang.jb").rows == [4]  # the sheet row
    again = execute_run(settings, "account-filing", {}, workers=1, resume=outcome.run_id)
    [(state, note)] = _results(again)
    assert state == "此前已报备" and note.startswith("机器人此前已确认提交"), note
    assert len(ams.submissions()) == 1


@pytest.mark.parametrize("drift", [{"cut_filing_no": True}, {"success_words": "备案信息已提交成功"}],
                         ids=["number_cut", "success_reworded"])
def test_a_receipt_drifted_keeps_ams_own_number_and_says_the_run_filed_it(
    ams: AmsHandle, tmp_path: Path, drift: dict[str, Any]
) -> None:
    """Tester AS of 2026-12-07: a 成功 page whose 备案编号 lost its last digit was recorded as
    filed with the 17-digit number (F1); one whose 成功 was reworded was found in the look-up and
    read 此前已报备 as if AMS had it from someone else (F2). Both now look the account up and
    record AMS's number, saying the run submitted it; one submission."""
    _seed_basic(ams)
    ams.drift_receipt(**drift)
    outcome = _run(ams, tmp_path, [basic_record("110020260334", serial=64, day="2026-11-24", **GENERAL)])
    [(state, note)] = _results(outcome)
    [stored] = [f for f in ams.filings() if f["record"]["account_no"] == "110020260334"]
    assert state == "此前已报备" and note.startswith("机器人此前已确认提交，未收到或读不出AMS的应答"), note
    rows = read_result(outcome.folder / "result.xlsx")
    assert [str(rows[n]["备案编号"]) for n in rows] == [stored["filing_no"]]
    assert len(ams.submissions()) == 1


def test_a_refusal_in_words_the_catalogue_has_not_keeps_them_in_the_result(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester AS of 2026-12-07 (F6): AMS refusing 确认提交 in words config/ams_messages.yaml has not
    ended the row 失败 with 门户信息 empty and 说明 pointing to run.log. The words are kept, the note
    says what they are and that the row may be filed (the bot cannot tell a refusal from a 成功
    it does not know); AMS stores nothing."""
    _seed_basic(ams)
    ams.drift_receipt(refusal_words="该基本存款账户编号无效（E2031）")
    unknown_permit = {**GENERAL, "basic_account_permit": "J9999999999990"}  # AMS: 基本存款账户不存在
    row = basic_record("110020260335", serial=65, day="2026-11-24", **unknown_permit)
    outcome = _run(ams, tmp_path, [row], max_attempts=2)
    [(state, note)] = _results(outcome)
    rows = read_result(outcome.folder / "result.xlsx")
    assert state == "失败" and [str(rows[n]["门户信息"]) for n in rows] == ["该基本存款账户编号无效（E2031）"]
    assert "提示目录" in note and "可能已报备" in note and "运行日志" not in note, note
    assert not [f for f in ams.filings() if f["record"]["account_no"] == "110020260335"]


def test_a_press_that_got_no_answer_is_not_pressed_again_while_ams_may_still_store_it(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester Q's Q5: AMS answering 确认提交 after the bot's answer timeout, the next attempt
    looked up 0.3 s later, found nothing yet and pressed again (four presses a row). A press that
    got no answer at all is followed by a look-up, and by no second press until AMS must have
    finished with the first (`lost_answers.settle_seconds`)."""
    _seed_basic(ams)
    ams.set_faults(latency_ms=4_000, latency_paths=["/ams/acctOpenSubmit.do"])
    outcome = _run(ams, tmp_path, [basic_record("110020260331", serial=61, day="2026-11-24", **GENERAL)],
                   answer_timeout_ms=1_500, backoff_max_seconds=3.0)
    [(state, note)] = _results(outcome)
    chain = (outcome.folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    presses = sum(1 for line in chain if '"event":"filing.submitting"' in line)
    assert presses == 1 and len(ams.filings()) <= 2, (state, note, presses)  # the seed, at most one more
    if ams.filings()[1:]:  # AMS stored the press: found by a later look-up, the run's own
        assert state == "此前已报备" and note.startswith("机器人此前已确认提交"), note
    else:
        assert state == "失败" and "可能仍在处理，未再提交" in note, note


def _dated(outcome_dir: Path, rows: list[dict[str, Any]], old: str, new: str) -> Path:
    """The export of `rows`, each date `old` written as `new` (a year typed wrong)."""
    records = [FilingRecord.model_validate(r).model_dump() for r in rows]
    source = write_export(outcome_dir / "accounts.xlsx", records)
    book = load_workbook(source)
    for row in book.active.iter_rows():  # type: ignore[union-attr]
        for cell in row:
            if old and str(cell.value) == old:
                cell.value = new
    book.save(source)
    return source


def test_a_row_put_aside_for_its_date_does_not_hold_its_correction_or_the_rows_after(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester BJ F15 (2026-12-07): a basic 开户 typed 1926-11-24 is rightly invalid; the corrected
    export's 开户 of 2026-11-24 was then held behind it for good (its date is no filing AMS will
    ever hold), and so was every later row of the account. The correction is filed, and a 变更 of
    the next day's export after it."""
    account = "110020260377"
    shared = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "keys" / "audit.key"}
    opening = basic_record(account, serial=77, day="2026-11-24")
    (monday := tmp_path / "monday").mkdir()
    first = _run_file(ams, _dated(monday, [opening], "2026/11/24", "1926/11/24"), tmp_path, **shared)
    [(state, note)] = _results(first)
    assert state == "无效，未报备" and "1926" in note, note

    (tuesday := tmp_path / "tuesday").mkdir()
    second = _run_file(ams, _dated(tuesday, [opening], "", ""), tmp_path, **shared)
    assert [state for state, _ in _results(second)] == ["已报备"], _results(second)

    (wednesday := tmp_path / "wednesday").mkdir()
    [issued] = [f["record"]["basic_account_permit"] for f in ams.filings() if f["account_no"] == account]
    change = basic_record(account, serial=77, day="2026-11-25", action="change", basic_account_permit=issued,
                          **NEW_ADDRESS)
    third = _run_file(ams, _dated(wednesday, [change], "", ""), tmp_path, **shared)
    assert [state for state, _ in _results(third)] == ["已报备"], _results(third)
    assert [f["action"] for f in ams.filings() if f["account_no"] == account] == ["open", "change"]
