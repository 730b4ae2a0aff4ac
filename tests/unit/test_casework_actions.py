"""rpa.casework (异常处理) on a real SQLite queue and audit chain: which rows wait for a person,
a correction re-validated by the input's own validator, the two steps of "filed by hand", and a
retry of system failures only. The items are made by hand as the filing handler leaves them;
the records are written here from DOMAIN.md (real-world style IDs with their check digits)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rpa.audit.log import AuditLog
from rpa.casework.actions import approve_by_hand, correct, mark_by_hand, refuse_by_hand, retry_failures
from rpa.casework.cases import open_cases
from rpa.casework.words import WAITS_FOR_EARLIER
from rpa.errors import UsageError
from rpa.people import os_user
from rpa.queue.work_queue import ItemState, NewItem, WorkItem, WorkQueue
from rpa.settings import Settings

RUN = "20261202-101500-account_filing-3a4b5c"
OPERATOR, CHECKER = "wang.jb", "li.fh"
ACCOUNTS = {2: "6228480012345670027", 3: "6228480012345670035", 4: "6228480012345670043",
            5: "6228480012345670051", 6: "6228480012345670069"}


def _record(account: str) -> dict[str, Any]:
    return {"action": "open", "account_no": account, "account_kind": "general", "business_date": "2026-12-02",
            "depositor_name": "厦门海联贸易有限公司", "depositor_category": "企业法人",
            "uscc": "91350200776049653A", "legal_rep_role": "法定代表人", "legal_rep_name": "李四",
            "id_type": "居民身份证", "id_number": "360426199101010071",
            "registered_address": "厦门市思明区湖滨南路1号", "registered_capital_yuan": "5000000.00",
            "business_scope": "货物进出口", "bank_code": "102100099996",
            "basic_account_permit": "J3930000123401"}


# a basic account's 开户 of Wednesday 2026-12-02 is due that day (T+0), counted again when listed
DUE = {"deadline": "2026-12-02", "deadline_from": "2026-12-02", "deadline_working_days": 0}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    cfg = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key", max_attempts=1)
    folder = cfg.runs_dir / RUN
    folder.mkdir(parents=True)
    info = {"run_id": RUN, "flow": "account-filing",
            "parameters": {"maker": OPERATOR, "flow_params": {"input": str(tmp_path / "x.xlsx")}},
            "started_at": "2026-12-02T10:15:00+08:00"}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    queue = WorkQueue.from_settings(cfg)
    queue.create_schema()
    audit = AuditLog.from_settings(cfg)
    audit.create_schema()  # the run's start, as open_run records it: the safeguards it keeps
    audit.append(RUN, "run", "run.started", details={"flow": "account-filing", "maker": OPERATOR,
                                                      "safeguards": {"filing_require_check": False}})
    queue.enqueue_many("account-filing", RUN, [
        NewItem(f"open:{account}:2026-12-02:{row:016d}",
                {"row": row, "sheet": "开户清单", "record": _record(account), **(DUE if row == 2 else {})},
                order_group=account)
        for row, account in ACCOUNTS.items()])
    for row in ACCOUNTS:
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
        assert item is not None
        if row == 2:  # AMS refused it in its own words
            queue.fail_business(item.id, "w1", "portal_refusal", "基本存款账户不存在",
                                result={"status": "refused", "portal_message": "基本存款账户不存在"})
        elif row == 3:  # failed on a system error, attempts used up
            queue.fail_system(item.id, "w1", "portal_timeout", "门户超时")
        elif row == 4:  # failed on a bug: not a system failure
            queue.fail_bug(item.id, "w1", "KeyError", "bug")
        elif row == 5:  # waits for a checker's approval: the 复核 page's, not a case
            queue.hold(item.id, "w1", "awaiting_approval", "waits", result={"status": "awaiting_approval"})
        else:
            queue.complete(item.id, "w1", {"status": "filed", "filing_no": "AMS20261202000001"})
    return cfg


def _items(cfg: Settings) -> dict[int, WorkItem]:
    return {item.payload["row"]: item for item in WorkQueue.from_settings(cfg).items(RUN)}


def _events(cfg: Settings) -> list[Any]:
    return [e for e in AuditLog.from_settings(cfg).events(RUN) if e.event != "run.started"]


def _run_log(cfg: Settings) -> list[str]:
    """run.log's lines, each without its time and process id (`<time> INFO    [<run>] <pid> <text>`)."""
    path = cfg.runs_dir / RUN / "run.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    shape = re.compile(rf"\S+ INFO +\[{RUN}\] \d+ (.*)")
    found = [shape.fullmatch(line) for line in lines]
    assert all(found), lines
    return [match.group(1) for match in found if match]


def test_cases_are_the_refused_and_failed_rows_masked(settings: Settings) -> None:
    [run] = open_cases(settings)
    by_row = {case.row: case for case in run.cases}
    assert sorted(by_row) == [2, 3, 4]
    assert by_row[2].outcome == "门户拒绝" and by_row[2].message == "基本存款账户不存在"
    assert by_row[3].outcome == "失败" and by_row[3].system_failure
    assert not by_row[4].system_failure
    fields = {f.label: f for f in by_row[2].fields}
    assert fields["账号"].value.endswith("0027") and ACCOUNTS[2] not in fields["账号"].value
    assert fields["证件号码"].value.endswith("0071") and "360426" not in fields["证件号码"].value
    assert fields["法定代表人姓名"].value.startswith("李") and fields["法定代表人姓名"].value != "李四"
    assert fields["注册资金(万元)"].value == "500" and fields["基本存款账户编号"].correctable
    assert not fields["账号"].correctable


def test_a_correction_that_fails_validation_is_refused_naming_the_field(settings: Settings) -> None:
    with pytest.raises(UsageError, match=r"「证件号码」.*校验位"):
        correct(settings, RUN, _items(settings)[2].id, OPERATOR, {"证件号码": "360426199101010072"})
    with pytest.raises(UsageError, match="「基本存款账户编号」"):
        correct(settings, RUN, _items(settings)[2].id, OPERATOR, {"基本存款账户编号": "3930000123401"})
    with pytest.raises(UsageError, match="「账号」"):
        correct(settings, RUN, _items(settings)[2].id, OPERATOR, {"账号": "6228480012345670000"})
    # rules across fields hold as for the export's rows: a 机关's basic account needs 核准, not a filing
    with pytest.raises(UsageError, match="须经人民银行核准"):
        correct(settings, RUN, _items(settings)[2].id, OPERATOR,
                {"账户性质": "基本存款账户", "存款人类别": "机关"})
    assert _items(settings)[2].state == ItemState.BUSINESS_ERROR and _events(settings) == []


def test_a_correction_puts_the_row_back_with_its_payload_and_records_old_and_new_masked(
    settings: Settings,
) -> None:
    action = correct(settings, RUN, _items(settings)[2].id, OPERATOR,
                     {"基本存款账户编号": " J3930000567802 ", "存款人名称": ""})
    assert action.rows == [2] and action.resume
    item = _items(settings)[2]
    assert item.state == ItemState.PENDING and item.attempts == 0
    assert item.payload["record"]["basic_account_permit"] == "J3930000567802"
    assert item.payload["record"]["depositor_name"] == "厦门海联贸易有限公司"  # blank: unchanged
    assert item.payload["corrected_by"] == OPERATOR
    assert item.payload["corrected_fields"] == ["基本存款账户编号"]
    [event] = _events(settings)
    assert event.event == "case.corrected" and event.actor == OPERATOR
    assert event.details["os_user"] == os_user()  # the account the process ran as, beside the typed name
    [change] = event.details["changes"]
    assert change["field"] == "基本存款账户编号"
    assert change["old"].endswith("3401") and change["new"].endswith("7802")
    assert "J3930000567802" not in json.dumps(event.details, ensure_ascii=False)
    assert _run_log(settings) == [f"第 2 行由 {OPERATOR} 更正（基本存款账户编号），待续跑重新报备"]
    assert [c.row for c in open_cases(settings)[0].cases] == [3, 4]


def test_filed_by_hand_counts_only_once_a_checker_who_is_not_the_maker_approves(settings: Settings) -> None:
    item_id = _items(settings)[2].id
    with pytest.raises(UsageError, match="原因"):
        mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202009999", "  ")
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202009999", "柜面已在 AMS 中办理")
    item = _items(settings)[2]
    assert item.state == ItemState.BUSINESS_ERROR  # not counted as filed yet
    [case] = [c for c in open_cases(settings)[0].cases if c.row == 2]
    assert case.mark is not None and case.mark.maker == OPERATOR
    for typed in (" WANG.JB ", "ｗａｎｇ．ｊｂ", "Ｗang.jb", "wang\u200b.jb", "wang\u2060.JB"):
        with pytest.raises(UsageError, match="标记人不能复核自己的标记"):
            approve_by_hand(settings, RUN, item_id, typed)
    assert _items(settings)[2].state == ItemState.BUSINESS_ERROR
    approve_by_hand(settings, RUN, item_id, CHECKER)
    item = _items(settings)[2]
    assert item.state == ItemState.DONE and item.last_error_code == "filed_by_hand"
    assert item.result is not None and item.result["status"] == "filed_by_hand"
    assert item.result["filing_no"] == "AMS20261202009999" and CHECKER in item.result["note"]
    assert [(e.event, e.actor) for e in _events(settings)] == [
        ("case.marked_by_hand", OPERATOR), ("item.done", CHECKER), ("case.by_hand_approved", CHECKER)]
    assert _events(settings)[-1].details["filing_no"] == "AMS20261202009999"
    assert _run_log(settings) == [  # a clerk reading run.log sees who ended the row, and how
        # run.log scrubs every run of 8 digits and more, a filing number's too
        f"第 2 行由 {OPERATOR} 标记为人工报备（备案编号 AMS**********9999），待复核",
        f"第 2 行办结：人工报备（备案编号 AMS**********9999，经办 {OPERATOR} 标记，复核 {CHECKER} 批准"
        f"，二者为同一操作系统账户 {os_user()}）",  # both typed under this account (tester BM F7)
    ]


def test_a_refused_mark_leaves_the_row_waiting_as_before(settings: Settings) -> None:
    item_id = _items(settings)[3].id
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", "已人工办理")
    with pytest.raises(UsageError, match="已有待复核"):
        mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", "再次")
    refuse_by_hand(settings, RUN, item_id, CHECKER, "编号与回执不符")
    item = _items(settings)[3]
    assert item.state == ItemState.FAILED and "by_hand" not in (item.result or {})
    with pytest.raises(UsageError, match="没有待复核"):
        approve_by_hand(settings, RUN, item_id, CHECKER)
    assert _run_log(settings)[-1] == f"第 3 行的人工报备标记由复核 {CHECKER} 退回：编号与回执不符"


def test_a_reason_longer_than_a_note_is_refused_before_anything_is_recorded(settings: Settings) -> None:
    """A 36,000-character reason was cut at Excel's cell limit in result.xlsx, with the maker and
    checker after it (tester BM F16): over REASON_LIMIT the action is refused, exit 2."""
    item_id = _items(settings)[3].id
    too_long = "柜面手工报备" * 100  # 600 characters
    with pytest.raises(UsageError, match="原因共 600 个字，超过 500 个字的上限"):
        mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", too_long)
    assert _events(settings) == []
    at_limit = ("柜面已办理\n" * 100)[:-1]  # 100 lines made one: 599 characters with the spaces
    with pytest.raises(UsageError, match="超过 500 个字"):
        mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", at_limit)
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", "柜" * 500)
    with pytest.raises(UsageError, match="超过 500 个字"):
        refuse_by_hand(settings, RUN, item_id, CHECKER, "不符" * 251)
    approve_by_hand(settings, RUN, item_id, CHECKER)
    note = str((_items(settings)[3].result or {})["note"])
    assert note.startswith("人工报备：" + "柜" * 500), note
    assert f"（经办 {OPERATOR} 标记，复核 {CHECKER} 批准，二者为同一操作系统账户" in note, note


def test_a_mark_approved_in_the_database_without_the_key_is_acted_on_by_nobody(settings: Settings) -> None:
    """Tester BM F8 (2026-12-08): an approval event written into the database by an insider (no key)
    settled the row for every list, and a resume filed on it. No case action, approval or resume
    works on a run whose chain does not hold; nothing is recorded."""
    import sqlite3

    from rpa.approvals.decisions import approve

    item_id = _items(settings)[3].id
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202008888", "柜面已办理")
    database = settings.runs_dir / "queue.db"
    with sqlite3.connect(database) as conn:  # the mark's event, its number changed in place
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        seq, details = conn.execute("SELECT seq, details FROM audit_events WHERE run_id = ? AND event = ?",
                                    (RUN, "case.marked_by_hand")).fetchone()
        conn.execute("UPDATE audit_events SET details = ? WHERE run_id = ? AND seq = ?",
                     (details.replace("8888", "7777"), RUN, seq))
    before = len(AuditLog.from_settings(settings).events(RUN))
    refused = re.escape(f"运行 {RUN} 的审计链核对不通过（第 {seq} 条事件被修改")
    for act in (lambda: approve_by_hand(settings, RUN, item_id, CHECKER),
                lambda: refuse_by_hand(settings, RUN, item_id, CHECKER, "不符"),
                lambda: retry_failures(settings, RUN, CHECKER),
                lambda: approve(settings, RUN, CHECKER, [5])):
        with pytest.raises(UsageError, match=refused):
            act()
    assert len(AuditLog.from_settings(settings).events(RUN)) == before
    assert _items(settings)[3].state == ItemState.FAILED


def test_a_decision_on_a_mark_other_than_the_one_seen_is_refused(settings: Settings) -> None:
    """Tester W's A2: a checker's page showed one mark; it was refused and the row marked again
    with another number by another operator; the old page's 批准 approved the new mark in the
    checker's name. A decision names the mark it saw (`ByHandMark.seen`)."""
    item_id = _items(settings)[3].id
    mark_by_hand(settings, RUN, item_id, "ma.jl", "AMS20261202008888", "已人工办理")
    [first] = [case.mark for case in open_cases(settings)[0].cases if case.item_id == item_id]
    assert first is not None
    refuse_by_hand(settings, RUN, item_id, "zhou.kf", "编号待核实", first.seen)
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202007777", "改为另一编号")
    for decide in (lambda: approve_by_hand(settings, RUN, item_id, CHECKER, first.seen),
                   lambda: refuse_by_hand(settings, RUN, item_id, CHECKER, "不符", first.seen)):
        with pytest.raises(UsageError, match=f"已改变（现为 {OPERATOR} 标记的备案编号 AMS20261202007777）"):
            decide()
    [now] = [case.mark for case in open_cases(settings)[0].cases if case.item_id == item_id]
    assert now is not None and now.seen != first.seen
    approve_by_hand(settings, RUN, item_id, CHECKER, now.seen)
    assert _items(settings)[3].result["filing_no"] == "AMS20261202007777"


def test_a_reason_naming_the_row_s_people_and_numbers_is_kept_masked(settings: Settings) -> None:
    """Tester U's U1/U3/U4: a mark's reason naming the row's ID number, account, legal
    representative and address was shown whole on 异常处理 and kept whole in the queue; only
    digits were masked elsewhere. The row's own values and anything that looks like a number
    are masked when it is written."""
    item_id = _items(settings)[3].id
    said = f"法人李四证件360426199101010071账号{ACCOUNTS[3]}，住厦门市思明区湖滨南路1号，已柜面报备"
    mark_by_hand(settings, RUN, item_id, OPERATOR, "AMS20261202007777", said)
    stored = json.dumps(_items(settings)[3].result, ensure_ascii=False)
    [run] = open_cases(settings, RUN)
    [mark] = [case.mark for case in run.cases if case.item_id == item_id]
    assert mark is not None
    for whole in ("360426199101010071", ACCOUNTS[3], "李四", "湖滨南路"):
        assert whole not in stored and whole not in mark.reason, (whole, mark.reason)
    assert mark.reason.startswith("法人李*证件**************0071") and "已柜面报备" in mark.reason
    refuse_by_hand(settings, RUN, item_id, CHECKER, "李四的证件360426199101010071不符")
    assert _run_log(settings)[-1].endswith("退回：李*的证件**************0071不符")


def test_a_retry_puts_back_only_system_failures(settings: Settings) -> None:
    action = retry_failures(settings, RUN, OPERATOR)
    assert action.rows == [3]
    items = _items(settings)
    assert items[3].state == ItemState.PENDING and items[3].attempts == 0
    assert items[4].state == ItemState.FAILED and items[2].state == ItemState.BUSINESS_ERROR
    events = [(e.event, e.actor, e.details["rows"]) for e in _events(settings)]
    assert events == [("case.retried", OPERATOR, [3])]
    retried = f"第 3 行由 {OPERATOR} 重试（因系统故障失败的行，及排在其后的同一账户的行）"
    assert _run_log(settings) == [retried]
    with pytest.raises(UsageError, match="没有因系统故障失败的行"):
        retry_failures(settings, RUN, OPERATOR)


def test_a_row_failed_on_a_bug_after_an_unanswered_submit_says_so_and_is_retried(settings: Settings) -> None:
    """A bug met reading 确认提交's answer (the press got no answer read) fails the row with
    `may_be_done` kept: 异常处理 says it may be filed, and `rpa cases retry`, which the words name,
    puts it back (its retry looks AMS up first); a plain bug's row stays failed."""
    queue = WorkQueue.from_settings(settings)
    account = "6228480012345670077"
    queue.enqueue_many("account-filing", RUN, [NewItem(f"open:{account}:2026-12-02:{7:016d}", {
        "row": 7, "sheet": "开户清单", "record": _record(account)}, order_group=account)])
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None and item.payload["row"] == 7
    queue.fail_bug(item.id, "w1", "ValueError", "bug", result={"may_be_done": True})
    by_row = {case.row: case for case in open_cases(settings)[0].cases}
    assert by_row[7].may_be_done and not by_row[4].may_be_done
    assert "可能已办理" in by_row[7].may_be_done_note
    assert retry_failures(settings, RUN, OPERATOR).rows == [3, 7]
    assert _items(settings)[7].state == ItemState.PENDING and _items(settings)[4].state == ItemState.FAILED


def test_only_filings_can_be_marked_filed_by_hand(settings: Settings) -> None:
    path = settings.runs_dir / RUN / "run.json"
    info = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**info, "flow": "report-extraction", "parameters": {}}), encoding="utf-8")
    with pytest.raises(UsageError, match="不是报备"):
        mark_by_hand(settings, RUN, _items(settings)[3].id, OPERATOR, "AMS1", "x")
    assert "by_hand" not in (_items(settings)[3].result or {})


def test_rows_that_do_not_wait_are_not_worked(settings: Settings) -> None:
    for row in (5, 6):  # waits for a checker's approval; filed
        with pytest.raises(UsageError, match="没有待处理的事项"):
            mark_by_hand(settings, RUN, _items(settings)[row].id, OPERATOR, "AMS1", "x")
    with pytest.raises(UsageError, match="办理人"):
        correct(settings, RUN, _items(settings)[2].id, " ", {"存款人名称": "x"})


def _held_behind(cfg: Settings, row: int, account: str) -> None:
    """A later row of `account`, held by the filing handler until its earlier row is filed."""
    queue = WorkQueue.from_settings(cfg)
    record = {**_record(account), "action": "close", "business_date": "2026-12-03", "close_reason": "转户"}
    queue.enqueue_many("account-filing", RUN, [NewItem(f"close:{account}:2026-12-03:{row:016d}",
                       {"row": row, "sheet": "开户清单", "record": record}, order_group=account)])
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None and item.payload["row"] == row
    queue.hold(item.id, "w1", WAITS_FOR_EARLIER, "waits", result={"status": "held", "note": "waits"})


def test_rows_held_behind_an_earlier_row_go_back_with_it(settings: Settings) -> None:
    _held_behind(settings, 7, ACCOUNTS[2])  # behind the refused row 2
    _held_behind(settings, 8, ACCOUNTS[3])  # behind the failed row 3
    assert retry_failures(settings, RUN, OPERATOR).rows == [3, 8]
    assert _items(settings)[7].state == ItemState.HELD  # row 2 was not retried
    correct(settings, RUN, _items(settings)[2].id, OPERATOR, {"基本存款账户编号": "J3930000567802"})
    items = _items(settings)
    assert items[2].state == items[7].state == items[8].state == ItemState.PENDING


def test_a_correction_of_a_given_name_alone_is_recorded_though_masked_alike(settings: Settings) -> None:
    # 李四 -> 李肆: masked, both read 李*; changed or not is decided on the values themselves
    correct(settings, RUN, _items(settings)[2].id, OPERATOR,
            {"法定代表人姓名": "李肆", "证件种类": "居民身份证"})
    item = _items(settings)[2]
    assert item.payload["record"]["legal_rep_name"] == "李肆"
    assert item.payload["corrected_fields"] == ["法定代表人姓名"]  # 证件种类 was 居民身份证 already
    [event] = _events(settings)
    [change] = event.details["changes"]
    assert change["field"] == "法定代表人姓名" and "李肆" not in json.dumps(event.details, ensure_ascii=False)
    assert _run_log(settings) == [f"第 2 行由 {OPERATOR} 更正（法定代表人姓名），待续跑重新报备"]


def test_a_correction_that_changes_nothing_is_refused(settings: Settings) -> None:
    with pytest.raises(UsageError, match="新值与原值相同，没有更正任何项"):
        correct(settings, RUN, _items(settings)[2].id, OPERATOR, {"存款人名称": "厦门海联贸易有限公司"})
    assert _items(settings)[2].state == ItemState.BUSINESS_ERROR and _events(settings) == []
    assert _run_log(settings) == []


def test_with_the_check_required_a_corrected_row_waits_for_a_check_of_its_corrected_content(
    settings: Settings,
) -> None:
    from flows.account_filing.records import FilingRecord

    gated = settings.model_copy(update={"filing_require_check": True})
    queue = WorkQueue.from_settings(gated)
    original = FilingRecord.model_validate(_record(ACCOUNTS[2])).idempotency_key()
    _checked(queue, original, "91350200776049653A")  # the row as exported passed its check
    correct(gated, RUN, _items(gated)[2].id, OPERATOR, {"证件种类": "护照", "证件号码": "E12345678"})
    item = _items(gated)[2]
    assert item.state == ItemState.HELD and item.last_error_code == "check_not_passed", item
    assert "须按更正后的内容重新核查" in str(item.result) and "未见企业信息联网核查" in str(item.result)
    event, held = _events(gated)  # the correction, then the hold it ended in
    assert event.details["held"] == "check_not_passed"
    assert (held.event, held.details["code"]) == ("item.held", "check_not_passed")
    assert "暂不报备（需人工处理）" in _run_log(gated)[0]
    assert 2 in [c.row for c in open_cases(gated)[0].cases]
    # a retry finds nothing to file while no check of the corrected content passed
    retry_failures(gated, RUN, OPERATOR)
    assert _items(gated)[2].state == ItemState.HELD

    corrected = FilingRecord.model_validate(item.payload["record"]).idempotency_key()
    _checked(queue, corrected, "91350200776049653A")
    action = retry_failures(gated, RUN, OPERATOR)
    assert 2 in action.rows and _items(gated)[2].state == ItemState.PENDING
    assert "更正后核查已通过的行" in _run_log(gated)[-1]


def _checked(queue: WorkQueue, key: str, code: str) -> None:
    """A registration check under `key` that passed, as `rpa run enterprise-check` leaves one."""
    queue.enqueue_many("enterprise-check", "check-run", [NewItem(key, {"credit_code": code})])
    item = queue.claim(run_id="check-run", owner="w0", lease_seconds=30)
    assert item is not None
    queue.complete(item.id, "w0", {"status": "passed", "note": "与登记一致，存续"})


def test_a_name_typed_with_a_line_break_is_one_line() -> None:
    """Tester BM F17 (2026-12-08): a --user with a line break wrote what read as a run.log line."""
    from rpa.casework.actions import who_acts

    assert who_acts(" 王经办\n伪造行\t") == "王经办 伪造行"
