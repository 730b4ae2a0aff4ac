"""Input rows a filing run puts aside while validating (需人工处理 before filing: a name outside
GBK, a basic account of a 机关 that needs 核准; or invalid) never become queue items, yet they are
accounts not filed: 异常处理 and `rpa cases list` list them with their reasons and what a person
can do, and the list of filings overdue names them, as result.xlsx marks them, until a filing of
the same account, action and business date is queued (a corrected export's row). A real run
(nothing reaches AMS: no row is valid), the real CLI, a real SQLite queue and audit chain."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from rpa.alerts.due import unfiled_filings
from rpa.alerts.findings import put_aside_everywhere
from rpa.audit.log import AuditLog
from rpa.casework.cases import open_cases
from rpa.queue.work_queue import NewItem, WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import make_cli_env
from tests.integration.alert_receivers import free_port

RARE, AGENCY, INVALID = "6228480055550000123", "6228480055550000131", "6228480055550000149"
TODAY = "2026-12-20"  # every row below is past its deadline by then


def _export(tmp_path: Path) -> Path:
    rare = open_row(RARE, "北京𠮷祥餐饮管理有限公司", uscc("91110105MA02XYKW1"), "周敏", "2026-12-01")
    agency = open_row(AGENCY, "北京市朝阳区某某局", uscc("11110105MB0123456"), "吴刚", "2026-12-01")
    agency[5] = "机关"  # a 机关's basic account is approved (核准) by the PBOC, not filed
    wrong = uscc("91110105MA02XYKW2")
    invalid = open_row(INVALID, "北京丙科技有限公司", wrong[:-1] + ("0" if wrong[-1] != "0" else "1"), "郑洁",
                       "2026-12-01")  # the credit code's check character is wrong
    return write_export(tmp_path / "export.xlsx", [rare, agency, invalid])


def _filed_by_a_later_run(settings: Settings, account: str, deadline: str) -> None:
    """The 开户 of `account` dated 2026-12-01 queued and filed by another run (a corrected export)."""
    queue = WorkQueue.from_settings(settings)
    queue.enqueue_many("account-filing", "later-run", [NewItem(f"open:{account}:2026-12-01:0123456789abcdef",
                                                               {"row": 2, "deadline": deadline})])
    item = queue.claim(run_id="later-run", owner="w1", lease_seconds=60)
    assert item is not None
    queue.complete(item.id, "w1", {"status": "filed"})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # an operator configured (never used): a run without any is refused before reading its input
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                    ams_operators=[OperatorCredential(code="A10001", password="x")])


@pytest.mark.timeout(120)
def test_rows_put_aside_are_cases_with_what_to_do_and_overdue_filings(
    tmp_path: Path, settings: Settings
) -> None:
    params = {"input": str(_export(tmp_path)), "today": TODAY}
    outcome = execute_run(settings, "account-filing", {"flow_params": params}, trigger="test")
    assert outcome.exit_code == 1 and not any(outcome.counts.values())  # nothing in the queue

    [run] = open_cases(settings, outcome.run_id)
    aside = {row.row: row for row in run.aside}
    assert sorted(aside) == [2, 3, 4] and not run.cases
    assert [aside[n].outcome for n in (2, 3, 4)] == ["需人工处理", "需人工处理", "无效，未报备"]
    assert "GBK" in aside[2].reasons and "核准" in aside[3].reasons and "统一社会信用代码" in aside[4].reasons
    assert all(row.overdue and row.deadline < TODAY for row in aside.values())
    assert aside[2].filing.startswith("开户 ") and aside[2].account.endswith("0123")
    assert RARE not in aside[2].filing
    assert "请按原因办理" in aside[3].advice and "改正后重新导出" in aside[4].advice
    # a row set aside only for its registration check is filed by resuming, not by hand (tester AQ)
    assert f"核查通过后用 --resume {outcome.run_id} 续跑本运行即报备" in aside[3].advice, aside[3].advice

    cli = make_cli_env(tmp_path, COLUMNS="200")
    # `rpa runs list` names them beside the items (Z7: 没有事项 alone)
    runs = cli.run("runs", "list", check_exit=0).stdout
    line = next(line for line in runs.splitlines() if outcome.run_id in line)
    assert "校验时搁置：需人工处理 2 行，无效，未报备 1 行" in line, runs
    listed = cli.run("cases", "list", outcome.run_id, check_exit=0).stdout
    assert "待处理 3 行" in listed and "第 3 行：需人工处理（校验时搁置，未报备）" in listed
    assert "已逾期" in listed and "须经人民银行核准" in listed and "办理：" in listed
    assert RARE not in listed and AGENCY not in listed
    refused = cli.run("cases", "correct", outcome.run_id, "3", "--set", "存款人名称=北京市朝阳区某某局")
    assert refused.returncode == 2 and "校验时已搁置" in refused.stderr + refused.stdout

    unfiled = {u.account[-4:]: u for u in unfiled_filings(settings, date.fromisoformat(TODAY))}
    assert set(unfiled) == {RARE[-4:], AGENCY[-4:], INVALID[-4:]}
    assert unfiled[AGENCY[-4:]].label == "需人工处理" and unfiled[INVALID[-4:]].label == "无效，未报备"
    assert all(u.run_id == outcome.run_id for u in unfiled.values())

    # a dry run of the same export: none of its rows is a case or named a second time
    dry_params = {"flow_params": {**params, "dry_run": True}}
    dry = execute_run(settings, "account-filing", dry_params, trigger="test")
    assert open_cases(settings, dry.run_id) == []
    assert len(unfiled_filings(settings, date.fromisoformat(TODAY))) == 3

    # the agency's account filed later (by hand, a corrected export): it is no longer unfiled
    _filed_by_a_later_run(settings, AGENCY, "2026-12-04")
    assert {u.account[-4:] for u in unfiled_filings(settings, date.fromisoformat(TODAY))} == {
        RARE[-4:], INVALID[-4:]}
    # ... and no longer a case: 异常处理 and `rpa cases list` follow the item that stands for it
    [run] = open_cases(settings, outcome.run_id)
    assert sorted(row.row for row in run.aside) == [2, 4]
    assert sorted(row.row for case_run in open_cases(settings) for row in case_run.aside) == [2, 4]
    listed = cli.run("cases", "list", outcome.run_id, check_exit=0).stdout
    assert "待处理 2 行" in listed and "第 3 行" not in listed, listed


# -- deadlines under the calendar in force now -----------------------------------------------

UNKNOWN_2027 = "years: {}\n"  # chinesecalendar's own: 2026 published, 2027 unknown (weekday rule)
LATER = """years:
  2026:
    workdays: [2026-12-05]  # Saturday 2026-12-05 made a 调休 working day
  2027:
    holidays:
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - {name: 劳动节, from: 2027-05-01, to: 2027-05-05}
      - {name: 国庆节, from: 2027-10-01, to: 2027-10-07}
"""
NOVEMBER, DECEMBER = "6228480055550000211", "6228480055550000229"


@pytest.mark.timeout(120)
def test_rows_put_aside_are_judged_under_the_calendar_in_force_now_not_the_runs(
    tmp_path: Path, settings: Settings
) -> None:
    """Two invalid 开户 of 一般 accounts (5 working days). Opened Monday 2026-11-30: due Monday
    Dec 7 (Dec 1, 2, 3, 4, 7), or Saturday Dec 5 once it is a 调休 working day. Opened Monday
    2026-12-28: Dec 29, 30, 31, then Friday 2027-01-01 and Monday Jan 4 by the weekday rule while
    no calendar knows 2027 (an estimate), or Jan 4 and 5 once 2027's 元旦 (Jan 1-3) is entered."""
    rows = []
    for account, day in ((NOVEMBER, "2026-11-30"), (DECEMBER, "2026-12-28")):
        wrong = uscc("91110105MA02XYKW5")
        wrong = wrong[:-1] + ("0" if wrong[-1] != "0" else "1")  # its check character is wrong
        row = open_row(account, "北京丁科技有限公司", wrong, "郑洁", day)
        row[2], row[15] = "一般存款账户", "J1000123456789"
        rows.append(row)
    export = write_export(tmp_path / "export.xlsx", rows)
    for name, text in (("unknown.yaml", UNKNOWN_2027), ("later.yaml", LATER)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    at_run = settings.model_copy(update={"calendar_file": tmp_path / "unknown.yaml"})
    params = {"input": str(export), "today": "2026-12-28"}
    outcome = execute_run(at_run, "account-filing", {"flow_params": params}, trigger="test")
    assert outcome.exit_code == 1 and not any(outcome.counts.values())

    later = make_cli_env(tmp_path, RPA_CALENDAR_FILE=str(tmp_path / "later.yaml"))
    listed = later.run("cases", "list", outcome.run_id, check_exit=0).stdout
    assert "0211 2026-11-30；报备期限 2026-12-05" in listed, listed
    assert "0229 2026-12-28；报备期限 2027-01-05" in listed and "估算" not in listed, listed
    now = settings.model_copy(update={"calendar_file": tmp_path / "later.yaml"})
    [due] = unfiled_filings(now, date(2026, 12, 5))
    assert due.account.endswith("0211") and due.due == date(2026, 12, 5) and not due.estimated

    back = make_cli_env(tmp_path, RPA_CALENDAR_FILE=str(tmp_path / "unknown.yaml"))
    listed = back.run("cases", "list", outcome.run_id, check_exit=0).stdout
    assert "0211 2026-11-30；报备期限 2026-12-07" in listed, listed
    assert "0229 2026-12-28；报备期限 2027-01-04（估算）" in listed, listed
    assert unfiled_filings(at_run, date(2026, 12, 5)) == []


VALID_A, VALID_B = "6228480077770000211", "6228480077770000229"


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_valid_rows_of_a_run_stopped_at_its_first_login_are_named_as_filings_due_not_as_cases(
    tmp_path: Path, settings: Settings
) -> None:
    """AMS cannot be reached, so the run cannot read which AMS it files into and stops (exit 3)
    before enqueuing anything: its valid rows were filed by nobody, and only the list of filings
    due and overdue names them, until a filing of the same account is queued."""
    down = settings.model_copy(update={"ams_url": f"http://127.0.0.1:{free_port()}/ams"})
    rows = [open_row(VALID_A, "北京甲科技有限公司", uscc("91110105MA03ABCD1"), "王芳", "2026-12-01"),
            open_row(VALID_B, "北京乙商贸有限公司", uscc("91110105MA03ABCE2"), "李强", "2026-12-01"),
            open_row(RARE, "北京𠮷祥餐饮管理有限公司", uscc("91110105MA02XYKW1"), "周敏", "2026-12-01")]
    params = {"flow_params": {"input": str(write_export(tmp_path / "export.xlsx", rows)), "today": TODAY}}
    first = execute_run(down, "account-filing", params, trigger="test")
    assert first.exit_code == 3 and not any(first.counts.values()), first  # nothing was queued

    # a basic account of an enterprise is filed the day it opens (DOMAIN.md: T+0): due 2026-12-01
    unfiled = {u.account[-4:]: u for u in unfiled_filings(down, date.fromisoformat(TODAY))}
    assert set(unfiled) == {VALID_A[-4:], VALID_B[-4:], RARE[-4:]}
    assert {u.due for u in unfiled.values()} == {date(2026, 12, 1)}
    assert unfiled[VALID_A[-4:]].label == "运行未办理，未报备" and unfiled[RARE[-4:]].label == "需人工处理"
    assert all(u.run_id == first.run_id for u in unfiled.values())
    # the valid rows are no cases, nor rows put aside: only the row for a person is
    [run] = open_cases(down, first.run_id)
    assert [row.row for row in run.aside] == [4] and not run.cases
    assert [(row.run_id, row.row) for row in put_aside_everywhere(down)] == [(first.run_id, 4)]
    chain = "\n".join(str(e.details) for e in AuditLog.from_settings(down).events(first.run_id))
    assert VALID_A not in chain and VALID_B not in chain  # masked, the filing only as its keyed hash

    # the same export again, stopped the same way: each filing named once, by the latest run
    second = execute_run(down, "account-filing", params, trigger="test")
    assert second.exit_code == 3
    again = unfiled_filings(down, date.fromisoformat(TODAY))
    assert len(again) == 3 and {u.run_id for u in again} == {second.run_id}

    # a filing of VALID_A queued since (a run that reached AMS): that item is followed instead
    _filed_by_a_later_run(down, VALID_A, "2026-12-01")
    assert {u.account[-4:] for u in unfiled_filings(down, date.fromisoformat(TODAY))} == {
        VALID_B[-4:], RARE[-4:]}

    # a chain written before valid rows carried their filing still reads, and names nothing
    old = {"sheet": "开户清单", "row": 2, "status": "valid", "codes": []}
    AuditLog.from_settings(down).append("account-filing-20261201-0900-old1", "run", "row.validated",
                                        details=old)
    assert len(unfiled_filings(down, date.fromisoformat(TODAY))) == 2
    aside = [(row.run_id, row.row) for row in put_aside_everywhere(down)]
    assert aside == [(first.run_id, 4), (second.run_id, 4)]


@pytest.mark.timeout(120)
def test_a_row_whose_action_does_not_read_is_one_filing_with_its_account_and_dates_others(
    tmp_path: Path, settings: Settings
) -> None:
    """Monday's export has 业务类型 #N/A on an 开户 of 2026-12-01 (T+0 at the earliest: overdue by
    12-05); Tuesday's has the row again with its 业务类型 but a wrong credit code. One filing, told
    once, by the latest run; once a corrected row of that account and date is queued, it is
    neither told nor a case any more."""
    account = "6228480055550000218"
    row = open_row(account, "北京戊科技有限公司", uscc("91110105MA02XYKW3"), "郑洁", "2026-12-01")
    row[0] = "#N/A"
    monday = {"input": str(write_export(tmp_path / "monday.xlsx", [row])), "today": "2026-12-05"}
    first = execute_run(settings, "account-filing", {"flow_params": monday}, trigger="test")
    today = date.fromisoformat("2026-12-05")
    [told] = [u for u in unfiled_filings(settings, today) if u.account.endswith("0218")]
    assert told.run_id == first.run_id and told.due == date(2026, 12, 1)

    code = uscc("91110105MA02XYKW3")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    again = open_row(account, "北京戊科技有限公司", wrong, "郑洁", "2026-12-01")
    tuesday = {"input": str(write_export(tmp_path / "tuesday.xlsx", [again])), "today": "2026-12-05"}
    second = execute_run(settings, "account-filing", {"flow_params": tuesday}, trigger="test")
    told_now = [u for u in unfiled_filings(settings, today) if u.account.endswith("0218")]
    assert [u.run_id for u in told_now] == [second.run_id], told_now

    queue = WorkQueue.from_settings(settings)  # the corrected row, queued by a third run
    queue.enqueue_many("account-filing", "later-run", [NewItem(f"open:{account}:2026-12-01:00000000000000ab",
                                                               {"row": 2, "deadline": "2026-12-01"})])
    assert not [u for u in unfiled_filings(settings, today) if u.account.endswith("0218")]
    assert not [row for run in open_cases(settings) for row in run.aside if row.account.endswith("0218")]


@pytest.mark.timeout(120)
def test_a_row_whose_date_does_not_read_is_told_as_overdue_from_the_day_it_was_read(
    tmp_path: Path, settings: Settings
) -> None:
    """开户日期 2026-12-32 does not read, so no deadline can be counted; yet the account is one
    to file, possibly late already (a basic account is due the day it opens). It is named in
    the list of filings overdue, its deadline said to be unknown, from the day its run read it
    for `overdue_days`, as a counted deadline is; and on the console's home page."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rpa.alerts.config import AlertsConfig
    from rpa.alerts.due import due_alerts
    from rpa.alerts.kinds import AlertKind

    account = "6228480055550000226"
    row = open_row(account, "北京己科技有限公司", uscc("91110105MA02XYKW4"), "孙丽", "2026-12-32")
    params = {"input": str(write_export(tmp_path / "export.xlsx", [row]))}
    outcome = execute_run(settings, "account-filing", {"flow_params": params}, trigger="test")
    assert outcome.exit_code == 1
    read_on = date.fromisoformat(f"{outcome.run_id[:4]}-{outcome.run_id[4:6]}-{outcome.run_id[6:8]}")

    [told] = unfiled_filings(settings, read_on)
    assert told.undated and told.due == read_on and told.run_id == outcome.run_id
    assert told.label == "无效，未报备" and told.account.endswith("0226") and account not in told.account
    assert told.due_text == f"无法计算：业务日期未能读出，{read_on.isoformat()} 读入"

    config = AlertsConfig.model_validate({"webhook": {"url": "http://127.0.0.1:9/hook"}, "overdue_days": 30})
    at = datetime(read_on.year, read_on.month, read_on.day, 16, 0, tzinfo=ZoneInfo(settings.timezone))
    [alert] = [a for a in due_alerts(settings, config, at) if a.kind is AlertKind.FILINGS_OVERDUE]
    assert f"*0226（期限 无法计算：业务日期未能读出，{read_on.isoformat()} 读入）　运行 {outcome.run_id}" in (
        alert.line)
    later = at + timedelta(days=31)
    assert not [a for a in due_alerts(settings, config, later) if a.kind is AlertKind.FILINGS_OVERDUE]


# -- a row put aside for a person, filed by hand ---------------------------------------------

@pytest.mark.timeout(180)
def test_a_row_put_aside_for_a_person_is_marked_filed_by_hand_and_approved_by_another(
    tmp_path: Path, settings: Settings
) -> None:
    """Tester BJ F4 (2026-12-07): a 生僻字 row (需人工处理, never a queue item) filed by hand at AMS
    could not be recorded: `rpa cases mark` refused it, and it stayed in 异常处理 and the list of
    filings overdue for good. Marked, refused, marked again and approved by another person, it
    leaves both; its run's result.xlsx says 人工报备 with the number; an invalid row is not marked."""
    import json

    from openpyxl import load_workbook

    outcome = execute_run(settings, "account-filing", {"flow_params": {"input": str(_export(tmp_path)),
                                                                        "today": TODAY}}, trigger="test")
    run_id = outcome.run_id
    operators = json.dumps([{"code": "A10001", "password": "x"}])
    cli = make_cli_env(tmp_path, RPA_AMS_OPERATORS=operators)

    def case(*args: str, code: int = 0) -> str:
        done = cli.run("cases", *args)
        assert done.returncode == code, done.stdout + done.stderr
        return done.stdout + done.stderr

    said = case("mark", run_id, "4", "--filing-no", "100020261207000777", "--reason", "已改", code=2)
    assert "数据有误的行不能标记为人工报备" in said and "改正后重新导出" in said
    said = case("mark", run_id, "2", "--filing-no", "备案 777", "--reason", "生僻字", code=2)
    assert "不像 AMS 的备案编号" in said
    case("mark", run_id, "2", "--filing-no", "100020261207000777", "--reason", "生僻字已在 AMS 柜面录入",
         "--user", "柜员王")
    listed = case("list", run_id)
    assert "人工报备待复核：柜员王 标记，备案编号 100020261207000777" in listed, listed
    assert "已有待复核的人工报备标记" in case("mark", run_id, "2", "--filing-no", "1000", "--reason", "x",
                                             "--user", "柜员张", code=2)
    assert "标记人不能复核自己的标记" in case("approve", run_id, "2", "--user", " 柜员王 ", code=2)
    verified = cli.run("audit", "verify", run_id)  # tester BM F12: audit.jsonl lacked the mark
    assert verified.returncode == 0, verified.stdout + verified.stderr
    case("refuse", run_id, "2", "--reason", "编号与回执不符，周敏未到场", "--user", "复核李")
    assert "人工报备待复核" not in case("list", run_id)
    verified = cli.run("audit", "verify", run_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    case("mark", run_id, "2", "--filing-no", "100020261207000778", "--reason", "生僻字已在 AMS 柜面录入",
         "--user", "柜员王")
    case("approve", run_id, "2", "--user", "复核李", code=1)  # the run, resumed: rows 3 and 4 still wait
    said = case("approve", run_id, "2", "--user", "复核赵", code=2)  # tester BM F17: not "no such row"
    assert "第 2 行已人工报备（备案编号 **************0778，经办 柜员王 标记，复核 复核李 批准" in said, said
    assert "无需再办理" in said, said

    [run] = open_cases(settings, run_id)
    assert sorted(row.row for row in run.aside) == [3, 4]
    assert RARE[-4:] not in {u.account[-4:] for u in unfiled_filings(settings, date.fromisoformat(TODAY))}
    book = load_workbook(settings.runs_dir / run_id / "result.xlsx")
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, row2 = [str(h) for h in rows[0]], next(r for r in rows[1:] if r[0] == 2)
    by = dict(zip(header, row2, strict=True))
    assert by["状态"] == "人工报备" and by["备案编号"] == "100020261207000778", by
    assert "经办 柜员王 标记，复核 复核李 批准" in str(by["说明"]), by
    book.close()
    runs = cli.run("runs", "list", check_exit=0).stdout  # the rows left to a person
    assert "校验时搁置：需人工处理 1 行，无效，未报备 1 行" in runs, runs
    shown_run = cli.run("runs", "show", run_id, check_exit=0).stdout
    assert "人工报备 1 行，需人工处理 1 行，无效，未报备 1 行" in shown_run, shown_run
    from rpa.people import os_user  # the test types both names under one account (tester BM F7)

    same = f"，二者为同一操作系统账户 {os_user()}"
    by_hand = ("人工报备：开户清单 第 2 行，备案编号 100020261207000778"
               f"（经办 柜员王 标记，复核 复核李 批准{same}）")
    assert by_hand in shown_run, shown_run  # tester BM F2: the number, not a count alone
    from rpa.alerts.aside_by_hand import approved_by_hand
    from rpa.alerts.findings import put_aside_rows
    from rpa.console.run_pages import item_rows  # the console's 任务详情, as result.xlsx has it

    shown = [(r["place"], r["outcome"], r["filing_no"]) for r in item_rows(
        None, [], put_aside_rows(settings, run_id), (), approved_by_hand(settings, run_id))]
    assert [s[1:] for s in shown if s[0].endswith("第 2 行")] == [("人工报备", "100020261207000778")], shown
    assert [s[1] for s in shown if s[0].endswith("第 3 行")] == ["需人工处理"], shown
    events = [e.event for e in AuditLog.from_settings(settings).events(run_id)]
    assert events.count("aside.marked_by_hand") == 2 and "aside.by_hand_refused" in events
    said = [e.details["reason"] for e in AuditLog.from_settings(settings).events(run_id)
            if e.event == "aside.by_hand_refused"]  # tester BM F3: the row's 法定代表人 masked
    assert "周敏" not in said[0] and "周*" in said[0], said
    assert "aside.by_hand_approved" in events
    assert cli.run("audit", "verify", run_id).returncode == 0
    log = (settings.runs_dir / run_id / "run.log").read_text(encoding="utf-8")
    assert "第 2 行（校验时搁置）办结：人工报备（备案编号 " in log  # 18 digits: masked as an ID number
    assert f"0778，经办 柜员王 标记，复核 复核李 批准{same}）" in log

    # tester BM F1 (2026-12-08): the same export run again met row 2 as 需人工处理 and overdue, and it
    # was marked and approved a second time under another number; the filing is done by hand
    again = execute_run(settings, "account-filing", {"flow_params": {"input": str(tmp_path / "export.xlsx"),
                                                                      "today": TODAY}}, trigger="test").run_id
    assert sorted(row.row for run in open_cases(settings, again) for row in run.aside) == [3, 4]
    assert RARE[-4:] not in {u.account[-4:] for u in unfiled_filings(settings, date.fromisoformat(TODAY))}
    said = case("mark", again, "2", "--filing-no", "100020261207000999", "--reason", "再报一次",
                "--user", "柜员张", code=2)
    assert "第 2 行已人工报备（备案编号 **************0778" in said and "无需再办理" in said, said
    book = load_workbook(settings.runs_dir / again / "result.xlsx")
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    by = dict(zip([str(h) for h in rows[0]], next(r for r in rows[1:] if r[0] == 2), strict=True))
    book.close()
    assert by["状态"] == "人工报备" and by["备案编号"] == "100020261207000778", by
    assert f"已由运行 {run_id} 第 2 行人工报备" in str(by["说明"]), by

    # tester BM F4 (2026-12-08): one number copied from the last receipt was approved for three
    # accounts; row 3 (another account) cannot take row 2's number, waiting or approved
    said = case("mark", again, "3", "--filing-no", "100020261207000778", "--reason", "核准后已录入",
                "--user", "柜员张", code=2)
    assert f"该备案编号已是运行 {run_id} 第 2 行的备案编号（另一账户、业务或日期）" in said, said
    case("mark", again, "3", "--filing-no", "100020261207000779", "--reason", "核准后已录入",
         "--user", "柜员张")
    said = case("mark", run_id, "3", "--filing-no", "100020261207000779", "--reason", "同一笔", "--user",
                "柜员王")  # the first run's row 3 is the same filing (one 机关 account): its number fits

    # tester BM F10: a reconciliation counts the row filed by hand as ours, under its number (AMS's
    # list is then held against it: 已报备但AMS无记录 when it lacks it), not 应报未报
    from flows.account_reconciliation.ours import our_filings
    from flows.account_reconciliation.rows import period_rows

    day = date(2026, 12, 1)
    rows, _ = period_rows(tmp_path / "export.xlsx", day, day, as_of=date.fromisoformat(TODAY),
                          today=date.fromisoformat(TODAY), config_dir=settings.config_dir,
                          calendar_file=settings.calendar_file, max_rows=settings.max_export_rows)
    ours = our_filings(WorkQueue.from_settings(settings), day, day, settings, rows)
    assert [(f.account_no, f.filing_no, f.run_id) for f in ours] == [(RARE, "100020261207000778", run_id)]

