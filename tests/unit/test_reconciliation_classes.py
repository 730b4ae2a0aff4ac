"""The reconciliation's five classes from hand-written rows, filings and AMS list entries: each
key lands where DOMAIN.md's account filing says it should, and a difference names its field;
our filings are the filing runs' items done as 已报备, or found 此前已报备 after our own lost answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bots.ams import ListedFiling
from flows.account_reconciliation.classify import ExportRow, OurFiling, reconcile
from flows.account_reconciliation.ours import our_filings
from rpa.queue.work_queue import WorkQueue

BANK = "102100099996"


def _row(account: str, day: str, name: str, **more: object) -> ExportRow:
    values: dict[str, object] = {"source": f"export.xlsx 开户清单 第{account[-1]}行", "action": "open",
                                 "account_no": account, "business_date": day, "depositor_name": name,
                                 "account_kind": "基本存款账户", "uscc": "91350200776049653A",
                                 "bank_code": BANK}
    values.update(more)
    return ExportRow(**values)  # type: ignore[arg-type]


def _listed(account: str, day: str, name: str, number: str, **more: str) -> ListedFiling:
    values = {"filing_no": number, "action": "open", "business_date": day, "account_no": account,
              "account_kind": "基本存款账户", "depositor_name": name, "uscc": "91350200776049653A",
              "bank_code": BANK}
    values.update(more)
    return ListedFiling(**values)


ROWS = [
    _row("6228480000000001", "2026-11-16", "厦门海联贸易有限公司"),
    _row("6228480000000002", "2026-11-17", "厦门鹭岛电子有限公司", deadline="2026-11-24", overdue=False),
    _row("6228480000000003", "2026-11-18", "厦门同安食品有限公司", deadline="2026-11-18", overdue=True),
    _row("6228480000000004", "2026-11-19", "厦门集美建材有限公司"),
    _row("6228480000000005", "2026-11-19", "厦门思明文具有限公司"),
    _row("6228480000000006", "2026-11-20", "厦门湖里机电有限公司"),
]
OURS = [
    OurFiling("open", "6228480000000001", "2026-11-16", "0210202611160001", "20261120-090000-aaaa"),
    OurFiling("open", "6228480000000006", "2026-11-20", "0210202611200009", "20261120-090000-aaaa"),
    OurFiling("open", "6228480000000007", "2026-11-20", "0210202611200010", "20261120-090000-aaaa"),
]
LISTED = [
    _listed("6228480000000001", "2026-11-16", "厦门海联贸易有限公司", "0210202611160001"),
    _listed("6228480000000004", "2026-11-19", "厦门集美建材有限公司", "0210202611190002"),
    _listed("6228480000000005", "2026-11-19", "厦门思明文具股份有限公司", "0210202611190003",
            bank_code="102100099988"),
    _listed("6228480000000006", "2026-11-20", "厦门湖里机电有限公司 ", "0210202611200009",
            account_kind="一般存款账户"),
    _listed("6228480000000099", "2026-11-20", "厦门翔安物流有限公司", "0210202611200011"),
    # the same account's 变更 on the same day is another key: it does not stand for the 开户
    _listed("6228480000000002", "2026-11-17", "厦门鹭岛电子有限公司", "0210202611170004", action="change"),
]


def test_each_key_lands_in_its_class() -> None:
    lines = reconcile(ROWS, OURS, LISTED).lines
    keys = {name: [(line.account_no[-2:], line.action) for line in found] for name, found in lines.items()}
    assert keys == {
        "已报备已确认": [("01", "open")],
        "应报未报": [("02", "open"), ("03", "open")],
        "已报备但AMS无记录": [("07", "open")],
        "非本行报送": [("02", "change"), ("04", "open"), ("99", "open")],
        "数据不一致": [("05", "open"), ("06", "open")],  # 05, filed by hand and differing: here only
    }


def test_a_line_says_what_the_class_needs() -> None:
    reconciled = reconcile(ROWS, OURS, LISTED)
    due = reconciled.lines["应报未报"]
    assert [(line.deadline, line.overdue) for line in due] == [("2026-11-24", False), ("2026-11-18", True)]
    assert reconciled.overdue == 1 and reconciled.differing == 2
    differs = {line.account_no[-2:]: tuple(d[:3] for d in line.differences)
               for line in reconciled.lines["数据不一致"]}
    assert differs["05"] == (("存款人名称", "厦门思明文具有限公司", "厦门思明文具股份有限公司"),
                             ("开户银行机构代码", BANK, "102100099988"))
    # a trailing space is no difference; the account kind is
    assert differs["06"] == (("账户性质", "基本存款账户", "一般存款账户"),)
    confirmed = reconciled.lines["已报备已确认"][0]
    assert (confirmed.ams_filing_no, confirmed.our_filing_no) == ("0210202611160001", "0210202611160001")
    missing = reconciled.lines["已报备但AMS无记录"][0]
    assert (missing.our_filing_no, missing.ams_filing_no, missing.run_id) == (
        "0210202611200010", "", "20261120-090000-aaaa")


def test_nothing_given_is_nothing_to_report() -> None:
    reconciled = reconcile([], [], [])
    assert all(not found for found in reconciled.lines.values())
    assert reconciled.overdue == 0 and reconciled.differing == 0


def test_our_filings_are_the_queues_filed_items_by_hand_ones_and_the_lost_answers_found_later(
    tmp_path: Path,
) -> None:
    queue = WorkQueue(f"sqlite:///{tmp_path / 'queue.db'}", max_attempts=3, backoff_base_seconds=0.0,
                      backoff_max_seconds=0.0)  # fmt: skip
    queue.create_schema()
    keys = ["open:6228480000000001:2026-11-16:aaaa", "open:6228480000000002:2026-11-17:bbbb",
            "open:6228480000000003:2026-11-18:cccc", "change:6228480000000004:2026-11-19:dddd",
            "open:6228480000000005:2026-11-23:eeee", "dry-run:r0:open:6228480000000006:2026-11-18:ffff",
            "close:6228480000000007:2026-11-20:gggg", "open:6228480000000008:2026-11-19:hhhh"]  # fmt: skip
    queue.enqueue_many("account-filing", "filing-run", [(key, {}) for key in keys])
    queue.enqueue_many("enterprise-check", "check-run", [("open:6228480000000001:2026-11-16:aaaa", {})])
    ends = {
        "aaaa": {"status": "filed", "filing_no": "F1"},
        "bbbb": {"status": "already_filed", "filing_no": "F2"},  # found filed by someone else
        "cccc": "lost",  # our 确认提交's answer was lost; the retry found our filing
        "dddd": {"status": "filed", "filing_no": "F4"},
        "eeee": {"status": "filed", "filing_no": "F5"},  # after the period
        "ffff": {"status": "would_file"},
        "gggg": "held",
        "hhhh": {"status": "filed_by_hand", "filing_no": "HAND8"},  # 人工报备: the run holds its number
    }
    while (item := queue.claim(run_id="filing-run", owner="w0", lease_seconds=30)) is not None:
        end = ends[item.key[-4:]]
        if end == "lost":
            queue.fail_system(item.id, "w0", "answer_lost", "no answer")
            ends[item.key[-4:]] = {"status": "already_filed", "filing_no": "F3"}
        elif end == "held":
            queue.hold(item.id, "w0", "filing_conflict", "differs", {"status": "held"})
        else:
            assert isinstance(end, dict)
            queue.complete(item.id, "w0", end)
    ours = our_filings(queue, date(2026, 11, 16), date(2026, 11, 20))
    assert sorted((o.account_no[-1], o.action, o.filing_no) for o in ours) == [
        ("1", "open", "F1"), ("3", "open", "F3"), ("4", "change", "F4"), ("8", "open", "HAND8")]
