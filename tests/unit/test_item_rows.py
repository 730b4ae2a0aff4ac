"""任务详情's rows (`Flow.item_row`): each flow's item as its result file's row reads, from a real
SQLite queue. Account filing: the status and note of result.xlsx (`item_fate`, the function
result.xlsx itself uses), the account masked to its last 4 digits and a 无字号个体工商户's name
(its owner's) masked, before and after the run's end masks the payload, the filing number, the
checker who approved or rejected the row. The enterprise check: its sheet row, 业务 and note.
Report extraction: the report file. The page sorts them by sheet row, not by queue id, with the
rows a run put aside while validating among them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.flow import AccountFilingFlow
from flows.enterprise_check.flow import EnterpriseCheckFlow
from flows.report_extraction.flow import ReportExtractionFlow
from rpa.alerts.findings import PutAside
from rpa.approvals.words import APPROVED_BY, REJECTED_CODE
from rpa.console.run_pages import item_rows
from rpa.masking import mask_payload
from rpa.queue.work_queue import WorkItem, WorkQueue

RUN = "20261205-031334-account_filing-c1109a"
ACCOUNT = "6228480012345670027"


def _record(name: str, category: str, action: str = "open") -> dict[str, Any]:
    return {"action": action, "account_no": ACCOUNT, "account_kind": "basic", "business_date": "2026-12-02",
            "depositor_name": name, "depositor_category": category, "legal_rep_name": "李四",
            "id_number": "360426199101010071"}


@pytest.fixture
def queue(tmp_path: Path) -> WorkQueue:
    made = WorkQueue(f"sqlite:///{tmp_path / 'queue.db'}")
    made.create_schema()
    return made


def _ended(queue: WorkQueue, flow: str, payload: dict[str, Any], end: str, **result: Any) -> WorkItem:
    """An item of `flow` enqueued with `payload` and ended as `end` (done or business_error)."""
    key = f"{flow}:{len(queue.items(RUN))}"
    queue.enqueue(flow, RUN, key, payload)
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None and item.key == key
    if end == "done":
        queue.complete(item.id, "w1", result)
    else:
        queue.fail_business(item.id, "w1", str(result.get("status")), "no", result=result)
    found = queue.find_by_key(flow, key)
    assert found is not None
    return found


def test_a_filed_row_reads_as_in_result_xlsx_with_its_filing_number_and_checker(queue: WorkQueue) -> None:
    payload = {"sheet": "开户清单", "row": 7, "record": _record("杭州西溪数码科技有限公司", "企业法人"),
               APPROVED_BY: "li.fh"}
    item = _ended(queue, "account-filing", payload, "done", status="filed",
                  filing_no="100020261205000002", portal_message="成功")
    row = AccountFilingFlow(input="x.xlsx").item_row(item)
    assert (row.place, row.action, row.account, row.outcome) == ("开户清单 第 7 行", "开户",
                                                                  "***************0027", "已报备")
    assert (row.filing_no, row.checker) == ("100020261205000002", "li.fh")
    assert row.name == "杭州西溪数码科技有限公司"  # an enterprise's name, shown as report.html shows it
    assert row.note == "成功；复核人 li.fh 批准"  # result.xlsx's 说明, word for word
    masked = AccountFilingFlow(input="x.xlsx").item_row(
        replace(item, payload=mask_payload(payload, AccountFilingFlow.payload_not_personal)))
    assert (masked.account, masked.checker, masked.place) == (row.account, "li.fh", row.place)
    assert masked.name == "杭***********"  # the run's end masked it in the queue


@pytest.mark.parametrize("category", ["无字号个体工商户", "14"])
def test_an_owner_s_name_is_masked_and_a_rejecting_checker_named(queue: WorkQueue, category: str) -> None:
    payload = {"sheet": "开户清单", "row": 4, "record": _record("陈小明", category)}
    item = _ended(queue, "account-filing", payload, "business_error", status=REJECTED_CODE,
                  note="复核人 li.fh 退回：证件待核实", checker="li.fh")
    row = AccountFilingFlow(input="x.xlsx").item_row(item)
    assert (row.name, row.outcome, row.checker, row.filing_no) == ("陈**", "复核退回", "li.fh", "")
    assert row.note == "复核人 li.fh 退回：证件待核实"


def test_a_held_row_names_ams_s_other_filing_in_its_note_not_as_its_own(queue: WorkQueue) -> None:
    """Tester M's M5: a row held because AMS holds the account's 撤销 of another day showed that
    filing's number in the 备案编号 column, read as the row's own."""
    record = _record("杭州西溪数码科技有限公司", "企业法人", "close")
    payload = {"sheet": "撤销清单", "row": 5, "record": record}
    queue.enqueue("account-filing", RUN, "close:1", payload)
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None
    note = "AMS中该账户已于2025-03-01撤销报备：未再提交，请人工核实"
    queue.hold(item.id, "w1", "filing_conflict", note,
               result={"status": "held", "filing_no": "100020250301000007", "note": note})
    held = queue.find_by_key("account-filing", "close:1")
    assert held is not None
    row = AccountFilingFlow(input="x.xlsx").item_row(held)
    assert (row.outcome, row.filing_no) == ("需人工处理", "")
    assert row.note.endswith("AMS 中那笔报备的备案编号为 100020250301000007")


def test_an_enterprise_check_row_and_a_report_file(queue: WorkQueue) -> None:
    payload = {"sheet": "Sheet1", "row": 3, "action": "change", "credit_code": "91350200776049653A",
               "name": "甲", "legal_rep": "乙"}
    check = _ended(queue, "enterprise-check", payload, "done", status="passed", note="与登记一致，存续")
    row = EnterpriseCheckFlow(input="x.xlsx").item_row(check)
    assert row is not None
    assert (row.place, row.action, row.outcome) == ("Sheet1 第 3 行", "变更", "通过")
    assert row.note == "与登记一致，存续"
    assert not row.account and not row.name  # the check's payload has no account; its name is not shown
    report = _ended(queue, "report-extraction", {"report": "branch_daily", "branch": "110101",
                                                 "date": "2026-11-27", "fmt": "xlsx"}, "done", status="done")
    shown = ReportExtractionFlow(date="2026-11-27").item_row(report)
    assert (shown.place, shown.outcome) == ("", "已完成")
    assert shown.subject == "网点经营日报 110101 2026-11-27 xlsx"


def test_the_page_lists_rows_in_sheet_order_and_never_a_whole_account(queue: WorkQueue) -> None:
    for row in (5, 2, 9, 3):  # the queue's order: business order, not the sheet's
        _ended(queue, "account-filing", {"sheet": "S", "row": row, "record": _record("甲公司", "企业法人")},
               "done", status="filed", filing_no=f"10002026120500000{row}")
    aside = PutAside(RUN, "S", 4, "invalid", ("uscc_check_digit",), reasons="统一社会信用代码校验位不对",
                     account="***************0043", action="开户")
    shown = item_rows(AccountFilingFlow(input="x.xlsx"), queue.items(RUN), [aside])
    assert [r["place"] for r in shown] == ["S 第 2 行", "S 第 3 行", "S 第 4 行", "S 第 5 行", "S 第 9 行"]
    assert [r["filing_no"] for r in shown] == [f"10002026120500000{n}" * (n != 4) for n in (2, 3, 4, 5, 9)]
    assert (shown[2]["outcome"], shown[2]["id"]) == ("无效，未报备", "")
    assert shown[2]["note"] == "统一社会信用代码校验位不对"  # the validator's reasons, result.xlsx's 说明
    assert all(ACCOUNT not in value for r in shown for value in r.values())
    assert [r["place"] for r in item_rows(None, queue.items(RUN), [aside])] == [r["place"] for r in shown]
