"""A black-box tester's findings on the reconciliation's classes, from hand-written rows, filings
and AMS list entries (the tester's accounts, names and filing numbers):

- AMS holds two filings of one key, one differing from the export row: 数据不一致 whichever is
  listed first, naming the differing filing;
- the export holds two rows of one key: each compared, the line naming both, in one class;
- a blank in AMS's list where the export row has a value is a difference (a blank export cell,
  a 变更's unchanged field, is not compared);
- our filing number listed by AMS under another date: both lines say so; AMS holding another
  filing number for our key: 数据不一致 on 备案编号;
- letter case in a name is a difference (in a code it is not).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bots.ams import ListedFiling
from flows.account_reconciliation.book import write_book
from flows.account_reconciliation.classify import DIFFERS, NOT_OURS, ExportRow, OurFiling, reconcile

BANK = "102100099996"
ACCOUNT = "6222000077700003"
NAME, OTHER_NAME = "广州辛一实业有限公司", "广州辛一实业集团有限公司"
CODE = "91440101MA5CXK1T4R"


def _row(line: int, name: str = NAME, day: str = "2026-11-25", **more: Any) -> ExportRow:
    values: dict[str, Any] = {"source": f"s3.xlsx 变更清单 第{line}行", "action": "change",
                              "account_no": ACCOUNT, "business_date": day, "depositor_name": name,
                              "account_kind": "基本存款账户", "uscc": CODE, "bank_code": BANK}  # fmt: skip
    values.update(more)
    return ExportRow(**values)


def _listed(number: str, name: str = NAME, day: str = "2026-11-25", **more: str) -> ListedFiling:
    values = {"filing_no": number, "action": "change", "business_date": day, "account_no": ACCOUNT,
              "account_kind": "基本存款账户", "depositor_name": name, "uscc": CODE, "bank_code": BANK}
    values.update(more)
    return ListedFiling(**values)


def _only(reconciled: Any) -> tuple[str, Any]:
    """The one line of a one-key reconciliation, and its class."""
    (placed,) = [(name, line) for name, lines in reconciled.lines.items() for line in lines]
    return placed


@pytest.mark.parametrize("matching_first", [True, False], ids=["matching_first", "differing_first"])
def test_two_ams_filings_of_a_key_one_differing_is_differs_whatever_the_order(matching_first: bool) -> None:
    same, other = _listed("100020261125000002"), _listed("100020261125000003", OTHER_NAME)
    name, line = _only(reconcile([_row(2)], [], [same, other] if matching_first else [other, same]))
    assert name == "数据不一致"
    assert [tuple(d) for d in line.differences] == [
        ("存款人名称", NAME, OTHER_NAME, "100020261125000003", "s3.xlsx 变更清单 第2行")]
    assert "AMS 中有 2 条同一账号、业务类型和日期的备案" in line.note


@pytest.mark.parametrize("new_name_second", [True, False], ids=["new_name_second", "new_name_first"])
def test_two_export_rows_of_a_key_are_each_compared_and_both_named(new_name_second: bool) -> None:
    old, new = _row(2, day="2026-11-26"), _row(3, "广州辛一新名实业有限公司", day="2026-11-26")
    rows = [old, new] if new_name_second else [new, old]
    listed = _listed("100020261126000004", "广州辛一新名实业有限公司", day="2026-11-26")
    reconciled = reconcile(rows, [], [listed])
    name, line = _only(reconciled)
    assert name == "数据不一致" and reconciled.total == 1
    assert [tuple(d) for d in line.differences] == [
        ("存款人名称", NAME, "广州辛一新名实业有限公司", "100020261126000004", "s3.xlsx 变更清单 第2行")]
    assert "第2行" in line.source and "第3行" in line.source
    assert "导出文件中有 2 行同一账号、业务类型和日期" in line.note


def test_two_export_rows_of_a_key_nobody_filed_are_one_due_line_with_the_earliest_deadline() -> None:
    rows = [_row(2, deadline="2026-11-30", overdue=False, note="需人工处理：甲"),
            _row(3, deadline="2026-11-27", overdue=True)]  # fmt: skip
    reconciled = reconcile(rows, [], [])
    name, line = _only(reconciled)
    assert name == "应报未报" and (line.deadline, line.overdue) == ("2026-11-27", True)
    assert reconciled.overdue == 1
    assert "第2行" in line.source and "第3行" in line.source and "甲" in line.note

def test_the_book_names_the_differing_filing_and_row_of_a_key_with_several(tmp_path: Path) -> None:
    new = "广州辛一新名实业有限公司"
    rows = [_row(2), _row(3, new)]
    listed = [_listed("100020261125000002"), _listed("100020261125000003", new)]
    path = write_book(tmp_path / "reconciliation.xlsx", reconcile(rows, [], listed), "2026-11-25", [])
    sheet = load_workbook(path)["数据不一致"]
    assert [c.value for c in sheet[1]][4:] == ["不一致的字段", "导出文件中的值", "AMS中的值", "AMS备案编号",
                                               "来源", "报送方", "说明"]  # fmt: skip
    shown = sorted((r[5], r[6], r[7], r[8]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert shown == [(NAME, new, "100020261125000003", "s3.xlsx 变更清单 第2行"),
                     (new, NAME, "100020261125000002", "s3.xlsx 变更清单 第3行")]  # fmt: skip
    notes = {r[10] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert notes == {"导出文件中有 2 行同一账号、业务类型和日期；AMS 中有 2 条同一账号、业务类型和日期的备案"}
    summary = dict(load_workbook(path)["汇总"].iter_rows(values_only=True))
    assert summary["数据不一致"] == "1（表中 2 行：每个不一致的字段一行）"  # tester V's 2.5: one key
    assert summary["合计"].startswith("1（")


def test_a_blank_in_ams_list_where_the_export_has_a_value_is_a_difference() -> None:
    name, line = _only(reconcile([_row(2)], [], [_listed("100020261125000005", "")]))
    assert name == "数据不一致"
    assert [tuple(d[:3]) for d in line.differences] == [("存款人名称", NAME, "（空）")]


def test_a_blank_export_cell_is_not_compared() -> None:
    # a 变更 row leaves the fields it does not change blank
    name, _ = _only(reconcile([_row(2, "", uscc="")], [], [_listed("100020261125000006")]))
    assert name == "非本行报送"


def test_letter_case_in_a_name_is_a_difference_but_not_in_a_code() -> None:
    row = _row(2, "广州ABC实业有限公司", uscc=CODE.lower())
    name, line = _only(reconcile([row], [], [_listed("100020261125000007", "广州abc实业有限公司")]))
    assert name == "数据不一致"
    assert [tuple(d[:3]) for d in line.differences] == [
        ("存款人名称", "广州ABC实业有限公司", "广州abc实业有限公司")]
    # width and spaces aside, as the registration check
    same = _listed("100020261125000008", "广州ＡＢＣ 实业有限公司")
    assert _only(reconcile([_row(2, "广州ABC实业有限公司")], [], [same]))[0] == "非本行报送"


def test_our_filing_number_listed_under_another_date_is_said_on_both_lines() -> None:
    ours = OurFiling("open", "6222000022200003", "2026-09-28", "100020260928000004", "run-0928")
    row = ExportRow(source="s1_export.xlsx Sheet1 第4行", action="open", account_no="6222000022200003",
                    business_date="2026-09-28", depositor_name="北京甲三建设有限公司")  # fmt: skip
    listed = ListedFiling("100020260928000004", "open", "2026-09-29", "6222000022200003", "基本存款账户",
                          "北京甲三建设有限公司", "", BANK)  # fmt: skip
    reconciled = reconcile([row], [ours], [listed])
    (missing,) = reconciled.lines["已报备但AMS无记录"]
    (theirs,) = reconciled.lines["数据不一致"]  # tester V's 1.3: not 非本行报送, it is our run's
    assert reconciled.lines["非本行报送"] == []
    assert (missing.business_date, theirs.business_date) == ("2026-09-28", "2026-09-29")
    assert "AMS 清单将此备案编号列为 开户 2026-09-29" in missing.note
    assert "备案编号 100020260928000004 是本行报备运行 run-0928 报送的 开户 2026-09-28" in theirs.note
    assert (theirs.our_filing_no, theirs.run_id) == ("100020260928000004", "run-0928")
    assert [tuple(d) for d in theirs.differences] == [
        ("业务日期", "2026-09-28", "2026-09-29", "100020260928000004", "本行报备运行 run-0928")]
    assert reconciled.total == 2


def test_ams_holding_another_filing_number_for_our_key_differs_on_the_number() -> None:
    ours = OurFiling("open", "6222000022200003", "2026-09-28", "100020260928000004", "run-0928")
    listed = ListedFiling("100020260928000022", "open", "2026-09-28", "6222000022200003", "基本存款账户",
                          "北京甲三建设有限公司", "", BANK)  # fmt: skip
    reconciled = reconcile([], [ours], [listed])
    name, line = _only(reconciled)
    assert name == "数据不一致" and reconciled.differing == 1
    assert [tuple(d[:3]) for d in line.differences] == [
        ("备案编号", "100020260928000004", "100020260928000022")]
    assert line.our_filing_no == "100020260928000004" and line.ams_filing_no == "100020260928000022"


def test_a_credit_code_with_a_wrong_check_character_is_compared_as_written(tmp_path: Path) -> None:
    """An invalid row's 统一社会信用代码 ends in R where GB 32100 gives Q: it did not parse, yet it is
    what the export says, and AMS holds ...Q: 数据不一致 on that field, never 已报备已确认."""
    from flows.account_reconciliation.rows import period_rows
    from rpa.settings import PROJECT_ROOT
    from tests.check_exports import open_row, uscc, write_export

    good = uscc("91110105MA01QXRT8")
    bad = good[:-1] + ("R" if good[-1] != "R" else "Q")
    account = "6228480000880008"
    row = open_row(account, "北京辛二科技有限公司", bad, "刘洋", "2026-12-04")
    export = write_export(tmp_path / "g1.xlsx", [row])
    rows, unread = period_rows(export, date(2026, 12, 4), date(2026, 12, 4), as_of=date(2026, 12, 4),
                               today=date(2026, 12, 5), config_dir=PROJECT_ROOT / "config",
                               calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=100)
    assert not unread and [(row.invalid, row.uscc) for row in rows] == [(True, bad)]
    listed = ListedFiling(filing_no="100020261204000001", action="open", business_date="2026-12-04",
                          account_no=account, account_kind="基本存款账户",
                          depositor_name="北京辛二科技有限公司", uscc=good, bank_code=BANK)
    found = reconcile(rows, [], [listed])
    [line] = found.lines[DIFFERS]
    assert [(d.label, d.export, d.ams) for d in line.differences] == [("统一社会信用代码", bad, good)]
    assert not found.lines[NOT_OURS]


def test_a_due_line_through_a_provisional_year_says_its_deadline_is_an_estimate(tmp_path: Path) -> None:
    """Tester T's S3: result.xlsx, 异常处理 and `rpa validate` wrote a deadline counted through the
    provisional 2027 schedule as `2027-01-05（估算）`; reconciliation.xlsx and its report.html gave
    a plain date, judged overdue as if official. Its 应报未报 line now says 估算 as well."""
    from flows.account_reconciliation.classify import DUE
    from flows.account_reconciliation.rows import period_rows
    from rpa.settings import PROJECT_ROOT
    from tests.check_exports import open_row, uscc, write_export

    account = "6228480000880009"
    row = open_row(account, "北京辛三科技有限公司", uscc("91110105MA01QXRT9"), "刘洋", "2026-12-31")
    row[2], row[15] = "一般存款账户", "J1000043986180"  # five working days: into 2027
    export = write_export(tmp_path / "y1.xlsx", [row])
    rows, unread = period_rows(export, date(2026, 12, 31), date(2026, 12, 31), as_of=date(2027, 1, 20),
                               today=date(2027, 1, 20), config_dir=PROJECT_ROOT / "config",
                               calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=100)
    assert not unread and [row.overdue for row in rows] == [True]
    [line] = reconcile(rows, [], []).lines[DUE]
    assert line.deadline.startswith("2027-01-") and line.deadline.endswith("（估算）"), line.deadline
    assert reconcile(rows, [], []).estimated == 1  # 汇总 says how many (tester AN)
    book = write_book(tmp_path / "reconciliation.xlsx", reconcile(rows, [], []), "2026-12-31", [])
    cells = [str(c.value) for r in load_workbook(book)["应报未报"].iter_rows() for c in r]
    assert line.deadline in cells, cells


def test_a_csv_row_is_named_by_its_file_and_row_not_the_file_twice(tmp_path: Path) -> None:
    """Tester AN: a CSV export's rows were named `all.csv all.csv 第2行` (a CSV's sheet is its
    file's name); an xlsx row keeps its sheet: `g2.xlsx 开户 第2行`."""
    import csv

    from flows.account_reconciliation.rows import period_rows
    from rpa.settings import PROJECT_ROOT
    from tests.check_exports import HEADERS, open_row, uscc, write_export

    code = uscc("91110105MA01QXRT7")
    row = open_row("6228480000880010", "北京辛四科技有限公司", code, "刘洋", "2026-12-04")
    with (tmp_path / "all.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADERS, ["" if cell is None else str(cell) for cell in row]])
    book = write_export(tmp_path / "g2.xlsx", [row])
    named = []
    for path in (tmp_path / "all.csv", book):
        rows, unread = period_rows(path, date(2026, 12, 4), date(2026, 12, 4), as_of=date(2026, 12, 4),
                                   today=date(2026, 12, 5), config_dir=PROJECT_ROOT / "config",
                                   calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=100)
        assert not unread and len(rows) == 1, (path, unread)
        named.append(rows[0].source)
    sheet = load_workbook(book).active.title
    assert named == ["all.csv 第2行", f"g2.xlsx {sheet} 第2行"], named


def test_the_accounts_ams_would_not_show_are_read_back_or_refused_out_loud(tmp_path: Path) -> None:
    """A list read before 2026-12-07 has no ams_refused.json: none refused; a file the run's list
    event says held some, gone, or one that is not an {account: words} table is an error (the
    finish names the file), never read as none."""
    import json

    from flows.account_reconciliation.listed import REFUSED, refused_in, unconfirmed

    assert refused_in(tmp_path, None) == {} and refused_in(tmp_path, {"refused": 0}) == {}
    with pytest.raises(OSError):  # the run's list event says one was refused: the file is gone
        refused_in(tmp_path, {"count": 3, "refused": 1})
    (tmp_path / REFUSED).write_text(json.dumps({"6228480000880011": "该账户已撤销"}), encoding="utf-8")
    assert refused_in(tmp_path, {"refused": 1}) == {"6228480000880011": "该账户已撤销"}
    assert "AMS 不予显示（该账户已撤销）：未能核实清单所列的是完整账号" in unconfirmed("该账户已撤销")
    (tmp_path / REFUSED).write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError):
        refused_in(tmp_path, {"refused": 0})


def test_filings_an_earlier_attempt_confirmed_are_not_looked_up_again(tmp_path: Path) -> None:
    """Tester AR: a 500 at one look-up sent the retry through every account again, and at 30 %
    errors no attempt got through. What an attempt confirmed is kept (keyed digests, no account
    number) and known to the next; our runs' filings (the payload's digests) are known from the
    start; a damaged file only means looking up again."""
    from flows.account_reconciliation.listed import CONFIRMED, KNOWN, Confirmed, known_digest
    from rpa.settings import Settings

    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    ours = ListedFiling(filing_no="F1", action="open", business_date="2026-12-04",
                        account_no="6228480000880001", account_kind="基本存款账户", depositor_name="甲",
                        uscc="", bank_code=BANK)
    theirs = replace(ours, filing_no="F2", account_no="6228480000880002")
    payload = {KNOWN: [known_digest(ours.account_no, ours.filing_no, settings.audit_key_bytes())]}
    first = Confirmed(tmp_path, payload, settings)
    assert first.known(ours) and not first.known(theirs)
    first.add(theirs.account_no, {theirs.filing_no})
    first.keep()
    assert "6228480000880002" not in (tmp_path / CONFIRMED).read_text("utf-8")
    again = Confirmed(tmp_path, payload, settings)
    assert again.known(theirs) and not again.known(replace(theirs, account_no="80000002"))  # cut: not known
    (tmp_path / CONFIRMED).write_text("{not json", encoding="utf-8")
    assert not Confirmed(tmp_path, payload, settings).known(theirs)


def test_an_as_of_after_today_does_not_make_a_later_row_valid(tmp_path: Path) -> None:
    """Tester BE F4 (2026-12-07): with --as-of after the real day, rows dated after the real day
    were read as valid (only the 2027 one refused, its note calling --as-of 今天). --as-of moves only
    the overdue judgement: a row dated after the real day is an invalid row, said so."""
    from flows.account_reconciliation.rows import period_rows
    from rpa.settings import PROJECT_ROOT
    from tests.check_exports import open_row, uscc, write_export

    code = uscc("91110105MA01QXRU7")
    row = open_row("6228480000880019", "北京辛四科技有限公司", code, "刘洋", "2026-12-25")
    export = write_export(tmp_path / "later.xlsx", [row])
    rows, unread = period_rows(export, date(2026, 12, 1), date(2027, 1, 31), as_of=date(2027, 1, 6),
                               today=date(2026, 12, 7), config_dir=PROJECT_ROOT / "config",
                               calendar_file=PROJECT_ROOT / "calendar.yaml", max_rows=100)
    assert not unread and len(rows) == 1
    assert "晚于今天（2026-12-07）" in rows[0].note, rows[0].note
