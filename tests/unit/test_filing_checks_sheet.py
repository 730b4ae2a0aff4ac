"""result.xlsx's 校验 sheet lists every check that ran on the export and its result (issue #19).

Expected rows come from fixtures/inputs/accounts_expected.json, written by hand for the sample
export: row 4 has an unreadable date, rows 5 and 27 need 人民银行核准, rows 60 and 134 repeat
an earlier row; no row fails the ID-number length check.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from flows.account_filing.checks import check_lines
from flows.account_filing.result_book import write_result_book
from flows.account_filing.validate import validate_file

ROOT = Path(__file__).resolve().parents[2]


def test_the_checks_sheet_names_each_check_its_result_and_rows(tmp_path: Path) -> None:
    report = validate_file(ROOT / "fixtures" / "inputs" / "accounts.xlsx", config_dir=ROOT / "config",
                           calendar_file=ROOT / "calendar.yaml", today=date(2026, 11, 27))  # fmt: skip
    book = write_result_book(tmp_path / "result.xlsx", [], check_lines(report))

    sheet = load_workbook(book)["校验"]
    assert [c.value for c in sheet[1]] == ["校验项", "范围", "结果", "涉及行数", "说明"]
    lines = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert lines["读取工作表"][:2] == ("文件", "通过") and "共200行" in lines["读取工作表"][3]
    assert lines["必需的列齐全"][1] == "通过"
    assert lines["日期可识别"][1:3] == ("未通过", 2) and lines["日期可识别"][3] == "第4、98行"
    assert lines["属于备案（无须人民银行核准）"][1:3] == ("需人工处理", 2)
    assert lines["文件内无重复行"][1:3] == ("未通过", 2) and "60" in lines["文件内无重复行"][3]
    assert lines["居民身份证号码为18位"][1:3] == ("通过", 0)  # it ran and found nothing
    assert sum(1 for line in lines.values() if line[0] == "逐行") >= 30
    # every check has a Chinese name: none is listed by its code (未命名的校验（id_region）)
    assert [name for name in lines if "未命名" in str(name) or re.search(r"[a-z]{3,}", str(name))] == []
    assert lines["居民身份证号码行政区划代码存在"][1] == "通过"


def test_without_checks_the_book_has_only_its_result_sheet(tmp_path: Path) -> None:
    assert load_workbook(write_result_book(tmp_path / "r.xlsx", [])).sheetnames == ["报备结果"]
