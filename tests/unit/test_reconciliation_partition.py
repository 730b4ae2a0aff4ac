"""Each key (account, action, business date) of the reconciliation is in exactly one class, the
汇总 sheet's counts add up to the keys, --as-of only moves the deadline judgement (a row dated
after it is classified, never dropped as invalid), and the book and the report say which fields
were compared and which were not.

The cases are a black-box tester's (accounts 62220000000401-409): filings a clerk typed into AMS
by hand whose 账户性质, 统一社会信用代码, 开户银行机构代码 or 存款人名称 differ from the export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bots.ams import ListedFiling
from flows.account_reconciliation.book import write_book
from flows.account_reconciliation.classify import (
    CLASSES,
    COMPARED,
    SCOPE,
    ExportRow,
    Line,
    OurFiling,
    Reconciled,
    check_partition,
    reconcile,
)
from flows.account_reconciliation.rows import period_rows
from rpa.run.report_scorecards import shown_reconciliation
from rpa.run.report_sections import Reconciliation
from rpa.settings import PROJECT_ROOT
from tests.check_exports import open_row, uscc, write_export

BANK, OTHER_BANK = "102100099996", "103100010072"
CODE, OTHER_CODE = uscc("91110000100000411"), uscc("91110000100000999")
DAY = "2026-10-09"


def _row(tail: str, day: str = DAY, action: str = "open") -> ExportRow:
    return ExportRow(source=f"exp7.xlsx Sheet1 第{tail}行", action=action, account_no=f"622200000004{tail}",
                     business_date=day, depositor_name=f"北京测试{tail}科技有限公司",
                     account_kind="基本存款账户", uscc=CODE, bank_code=BANK)  # fmt: skip


def _listed(tail: str, number: str, day: str = DAY, action: str = "open", **more: str) -> ListedFiling:
    values = {"filing_no": number, "action": action, "business_date": day,
              "account_no": f"622200000004{tail}", "account_kind": "基本存款账户",
              "depositor_name": f"北京测试{tail}科技有限公司", "uscc": CODE, "bank_code": BANK}  # fmt: skip
    values.update(more)
    return ListedFiling(**values)


ROWS = [_row("01"), _row("02"), _row("03"), _row("05"), _row("06"), _row("07"), _row("08"),
        _row("09", "2026-10-12"), _row("04", action="change")]  # fmt: skip
OURS = [
    OurFiling("open", "62220000000406", DAY, "F406", "run-a"),
    OurFiling("open", "62220000000407", DAY, "F407", "run-a"),  # AMS has it with another name
    OurFiling("open", "62220000000410", DAY, "F410", "run-a"),  # no export row (an earlier export)
]
LISTED = [
    _listed("01", "A401", account_kind="专用存款账户"),  # by hand, 账户性质 differs
    _listed("02", "A402", uscc=OTHER_CODE),  # by hand, 统一社会信用代码 differs
    _listed("03", "A403", depositor_name="北京别的公司", uscc=OTHER_CODE),  # two fields differ
    _listed("05", "A405", bank_code=OTHER_BANK),  # by hand, 开户银行机构代码 differs
    _listed("08", "A408"),  # by hand, the export row's content: reported, not by our runs
    _listed("09", "A409", day="2026-10-12", depositor_name="北京不同名称有限公司"),
    _listed("06", "F406"),  # ours, confirmed
    _listed("07", "F407", depositor_name="北京测试07科技股份有限公司"),  # ours, differs
    _listed("10", "F410"),  # ours without an export row: confirmed
    _listed("04", "A404", action="change"),  # by hand, the export's 变更
    _listed("99", "A499"),  # another branch's account: no export row
]
EXPECTED = {
    "已报备已确认": ["06", "10"],
    "应报未报": [],
    "已报备但AMS无记录": [],
    "非本行报送": ["04", "08", "99"],
    "数据不一致": ["01", "02", "03", "05", "07", "09"],
}


def _keys() -> set[tuple[str, str, str]]:
    return {(x.action, x.account_no, x.business_date) for x in [*ROWS, *OURS, *LISTED]}


def test_each_key_is_in_exactly_one_class_and_the_counts_add_up() -> None:
    lines = reconcile(ROWS, OURS, LISTED).lines
    assert {name: sorted(line.account_no[-2:] for line in found) for name, found in lines.items()} == EXPECTED
    placed = [(x.action, x.account_no, x.business_date) for found in lines.values() for x in found]
    assert len(placed) == len(set(placed)) == len(_keys()) == 11


def test_a_differing_filing_says_its_fields_and_who_filed_it_and_a_hand_filing_whether_it_matches() -> None:
    reconciled = reconcile(ROWS, OURS, LISTED)
    differs = {line.account_no[-2:]: line for line in reconciled.lines["数据不一致"]}
    assert [d[0] for d in differs["01"].differences] == ["账户性质"]
    assert differs["02"].differences == (
        ("统一社会信用代码", CODE, OTHER_CODE, "A402", "exp7.xlsx Sheet1 第02行"),)
    assert [d[0] for d in differs["03"].differences] == ["存款人名称", "统一社会信用代码"]
    assert [d[:3] for d in differs["05"].differences] == [("开户银行机构代码", BANK, OTHER_BANK)]
    assert (differs["07"].our_filing_no, differs["01"].our_filing_no) == ("F407", "")
    assert reconciled.differing == 6
    notes = {line.account_no[-2:]: line.note for line in reconciled.lines["非本行报送"]}
    assert notes == {"04": "与导出行的已核对字段相符，非本行报备运行报送",
                     "08": "与导出行的已核对字段相符，非本行报备运行报送", "99": "导出文件中没有这一笔"}


def test_the_summary_sheet_counts_add_up_to_the_keys_and_say_what_was_compared(tmp_path: Path) -> None:
    reconciled = reconcile(ROWS, OURS, LISTED)
    path = write_book(tmp_path / "reconciliation.xlsx", reconciled, "2026-09-28 至 2026-10-12", [])
    book = load_workbook(path)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    counts = [int(str(summary[name]).split("（")[0]) for name in CLASSES]
    assert summary["数据不一致"] == "6（表中 7 行：每个不一致的字段一行）"  # 03 differs in two fields
    assert counts == [len(EXPECTED[name]) for name in CLASSES] and sum(counts) == len(_keys())
    assert str(summary["合计"]).startswith(f"{len(_keys())}（")
    assert summary["核对范围"] == SCOPE
    # a sheet row per line, a differing line a row per field; the filer is named
    assert book["非本行报送"].max_row - 1 == 3
    filer = {row[1][-2:]: row[9] for row in book["数据不一致"].iter_rows(min_row=2, values_only=True)}
    assert filer["07"] == "本行报备运行 run-a（本行备案编号 F407）"
    assert filer["01"] == "非本行报备运行报送（人工或他行）"


def test_a_key_in_two_classes_fails_loudly() -> None:
    twice = Reconciled()
    line = Line("open", "62220000000401", DAY)
    twice.lines["非本行报送"].append(line)
    twice.lines["数据不一致"].append(line)
    with pytest.raises(AssertionError, match=r"1 个键.*分入了 2 行"):
        check_partition(twice, [("open", "62220000000401", DAY)])


def test_the_scope_names_the_compared_fields_and_the_unchecked_ones() -> None:
    compared, unchecked = SCOPE.split("；")
    assert compared.startswith("已核对：账号、业务类型、业务日期及")
    assert all(label in compared for label in COMPARED.values())
    assert "注册资金" in unchecked and "法定代表人类别及姓名" in unchecked and "注册资金" not in compared
    assert "故已报备已确认、非本行报送只表示已核对的字段相符" in unchecked
    shown = shown_reconciliation(Reconciliation("与 AMS 备案业务清单核对", "本行", "AMS", [], scope=SCOPE))
    assert shown.scope == SCOPE
    template = (PROJECT_ROOT / "rpa" / "run" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    assert "{{ recon.scope }}" in template


def _names(tail: str) -> tuple[str, str, str]:
    return f"6228480012340{tail}", f"北京测试{tail}科技有限公司", uscc(f"911101087{tail:0>8}")


def test_as_of_before_rows_of_the_period_judges_them_not_overdue_and_drops_none(tmp_path: Path) -> None:
    # basic accounts (T+0): 11-16 due 11-16, 11-18 due 11-18, 11-19 due 11-19; --as-of 11-17
    rows = [open_row(*_names(tail), "刘洋", day) for tail, day in
            [("000011", "2026-11-16"), ("000029", "2026-11-18"), ("000037", "2026-11-19")]]  # fmt: skip
    rows.append(open_row(*_names("000045"), "刘洋", "2026-11-23"))  # after the real date: a typing error
    export = write_export(tmp_path / "export.xlsx", rows)
    found, unread = period_rows(export, date(2026, 11, 16), date(2026, 11, 20), as_of=date(2026, 11, 17),
                                today=date(2026, 11, 20), config_dir=PROJECT_ROOT / "config",
                                calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=1000)  # fmt: skip
    assert [(r.business_date, r.deadline, r.overdue, r.note) for r in found] == [
        ("2026-11-16", "2026-11-16", True, ""), ("2026-11-18", "2026-11-18", False, ""),
        ("2026-11-19", "2026-11-19", False, "")]  # fmt: skip
    assert unread == []  # row 5's key reads: dated after the period, it is not this period's
    due = reconcile(found, [], []).lines["应报未报"]
    assert [(line.business_date, line.overdue) for line in due] == [
        ("2026-11-16", True), ("2026-11-18", False), ("2026-11-19", False)]
    # an --as-of after the real date: its rows up to it are no typing error, and overdue as of it
    later, unread = period_rows(export, date(2026, 11, 16), date(2026, 11, 23), as_of=date(2026, 11, 24),
                                today=date(2026, 11, 20), config_dir=PROJECT_ROOT / "config",
                                calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=1000)  # fmt: skip
    assert unread == [] and [r.overdue for r in later] == [True, True, True, True]


def test_an_invalid_row_whose_key_reads_is_classed_by_it_and_one_whose_key_does_not_is_named(
    tmp_path: Path,
) -> None:
    account, name, code = _names("000052")
    other, other_name, other_code = _names("000060")
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")  # a wrong check character
    rows = [open_row(account, name, wrong, "刘洋", "2026-11-16"),  # nobody filed it: 应报未报, overdue
            open_row(other, other_name, other_code, "", "2026-11-17"),  # 法定代表人 missing, AMS has it
            open_row("62284800XX", name, code, "刘洋", "2026-11-18")]  # fmt: skip
    export = write_export(tmp_path / "export.xlsx", rows)
    found, unread = period_rows(export, date(2026, 11, 16), date(2026, 11, 20), as_of=date(2026, 11, 20),
                                today=date(2026, 11, 20), config_dir=PROJECT_ROOT / "config",
                                calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=1000)  # fmt: skip
    assert unread == ["export.xlsx 开户清单 第4行"]
    assert [(r.account_no, r.deadline, r.overdue, r.invalid, r.item_key) for r in found] == [
        (account, "2026-11-16", True, True, ""), (other, "2026-11-17", True, True, "")]
    assert "统一社会信用代码" in found[0].note and found[0].uscc == wrong and found[0].depositor_name == name
    listed = ListedFiling("0210202611170001", "open", "2026-11-17", other, "基本存款账户", other_name,
                          other_code, "102100099996")  # fmt: skip
    out = reconcile(found, [], [listed])
    assert [(line.account_no, line.overdue) for line in out.lines["应报未报"]] == [(account, True)]
    assert "无效" in out.lines["应报未报"][0].note
    assert [line.account_no for line in out.lines["非本行报送"]] == [other]
    assert out.total == 2 and out.overdue == 1
