"""`rpa.audit.sheet_rows`: a workbook's rows recorded as keyed digests when written, and the rows
that differ afterwards named by sheet and row (and 行号 where the sheet has that column). The
workbooks are written here with openpyxl, not by the run's writers."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from rpa.audit.sheet_rows import ROWS, changed_rows, with_row_digests


def _keyed(value: Any) -> str:
    return hmac.new(b"k" * 32, json.dumps(value, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()


def _book(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报备结果"
    sheet.append(["行号", "账号", "状态"])
    for row in range(2, 8):
        sheet.append([row, f"62220000000{row}", "门户拒绝" if row == 4 else "已报备"])
    book.create_sheet("校验").append(["检查", "结果"])
    book.save(path)
    return path


def _recorded(path: Path) -> dict[str, Any]:
    [entry] = with_row_digests(path.parent, [{"file": path.name, "file_sha256": "x"}], _keyed)
    rows = entry[ROWS]
    assert isinstance(rows, dict) and set(rows) == {"报备结果", "校验"} and len(rows["报备结果"]) == 7
    assert all(len(d) == 12 for d in rows["报备结果"]) and json.dumps(entry)  # fits the chain's JSON
    return rows


def test_the_edited_rows_are_named_with_their_input_row(tmp_path: Path) -> None:
    path = _book(tmp_path / "result.xlsx")
    rows = _recorded(path)
    assert changed_rows(path, rows, _keyed) == []
    book = load_workbook(path)
    book["报备结果"]["C4"] = "已报备"  # a refused row made filed
    book["报备结果"]["B7"] = "622200000099"
    book.save(path)
    assert changed_rows(path, rows, _keyed) == [
        "工作表“报备结果”写出后被改动的行：第 4 行（行号 4）、第 7 行（行号 7）"]


def test_rows_and_sheets_added_or_taken_away_are_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "result.xlsx")
    rows = _recorded(path)
    book = load_workbook(path)
    book["报备结果"].delete_rows(6, 2)  # the last two rows gone
    del book["校验"]
    book.create_sheet("说明").append(["伪造"])
    book.save(path)
    assert changed_rows(path, rows, _keyed) == [
        "工作表“报备结果”少了原第 6、7 行", "工作表“校验”已不在文件中", "多出工作表“说明”"]
    book = load_workbook(path)
    for extra in range(3):
        book["报备结果"].append([100 + extra, "6222", "已报备"])
    book.save(path)
    assert changed_rows(path, rows, _keyed) == [
        "工作表“报备结果”写出后被改动的行：第 6 行（行号 100）、第 7 行（行号 101）",
        "工作表“报备结果”多出第 8 行",
        "工作表“校验”已不在文件中", "多出工作表“说明”"]


def test_a_file_that_is_no_workbook_gets_no_rows_and_names_none(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text("<html></html>", encoding="utf-8")
    assert with_row_digests(tmp_path, [{"file": "report.html"}], _keyed) == [{"file": "report.html"}]
    broken = tmp_path / "result.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert with_row_digests(tmp_path, [{"file": "result.xlsx"}], _keyed) == [{"file": "result.xlsx"}]
    assert changed_rows(broken, {"报备结果": ["0" * 12]}, _keyed) == []


def test_a_digest_holds_no_digit_the_chains_masking_would_take(tmp_path: Path) -> None:
    _book(tmp_path / "result.xlsx")
    [entry] = with_row_digests(tmp_path, [{"file": "result.xlsx"}], lambda _: "0123456789012" + "f" * 51)
    assert set(entry[ROWS]["报备结果"]) == {"ghijklmnopgh"}
