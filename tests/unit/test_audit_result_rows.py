"""Which start's rows result.xlsx is held to (rpa.audit.output_checks.check_result_rows), on a real
SQLite chain and a real workbook: the rows of the last start that wrote result.xlsx. A run
refused with exit 2 after reading some rows writes no result.xlsx and is not called 不存在; a
resume killed before its end leaves the earlier end's result.xlsx to be judged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from rpa.audit.log import AuditLog
from rpa.audit.output_checks import check_result_rows
from rpa.audit.report_lines import Report

RUN = "20261205-101500-account-filing-1a2b3c"
RESULT = {"files": [{"file": "result.xlsx", "file_sha256": "0" * 64}]}


def _chain(tmp_path: Path, *steps: tuple[str, dict[str, Any]]) -> list[Any]:
    audit = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", b"k" * 32)
    audit.create_schema()
    for event, details in steps:
        audit.append(RUN, "run", event, details=details)
    return audit.events(RUN)


def _rows(*numbers: int) -> list[tuple[str, dict[str, Any]]]:
    return [("row.validated", {"row": n}) for n in numbers]


def _book(folder: Path, *numbers: int) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["行号", "账号", "结果"])
    for n in numbers:
        sheet.append([n, "************0027", "已报备"])
    book.save(folder / "result.xlsx")


def _check(folder: Path, events: list[Any]) -> Report:
    report = Report(f"运行 {RUN}")
    check_result_rows(report, folder, events)
    return report


def test_a_run_refused_after_reading_rows_is_not_held_to_a_result_it_never_wrote(tmp_path: Path) -> None:
    events = _chain(tmp_path, ("run.started", {}), *_rows(2, 3),
                    ("run.finished", {"exit_code": 2}),
                    ("outputs.written", {"files": [{"file": "report.html", "file_sha256": "0" * 64}]}))
    report = _check(tmp_path, events)
    assert report.ok and report.lines == []


def test_a_resume_killed_before_its_end_leaves_the_earlier_result_judged(tmp_path: Path) -> None:
    events = _chain(tmp_path, ("run.started", {}), *_rows(2, 3), ("outputs.written", RESULT),
                    ("run.finished", {"exit_code": 1}), ("run.resumed", {}), *_rows(2, 3, 4))
    _book(tmp_path, 2, 3)
    report = _check(tmp_path, events)
    assert report.ok and report.lines == [f"运行 {RUN}：审计链记录的 2 个输入行都在 result.xlsx 中"]
    _book(tmp_path, 2)
    assert "缺少审计链记录的输入第 3 行" in _check(tmp_path, events).lines[0]
    (tmp_path / "result.xlsx").unlink()
    assert "result.xlsx 不存在（审计链记录了 2 个输入行）" in _check(tmp_path, events).lines[0]


def test_a_run_from_before_outputs_were_recorded_is_held_to_its_last_validation(tmp_path: Path) -> None:
    """Chains from before 2026-12-04 have no outputs.written: their rows still count once the
    chain records the end, as they did then."""
    events = _chain(tmp_path, ("run.started", {}), *_rows(2, 3), ("run.finished", {"exit_code": 1}))
    _book(tmp_path, 2)
    assert "缺少审计链记录的输入第 3 行" in _check(tmp_path, events).lines[0]
    (tmp_path / "killed").mkdir()  # one killed before its end: nothing to hold its rows to
    killed = _chain(tmp_path / "killed", ("run.started", {}), *_rows(2, 3))
    assert _check(tmp_path / "killed", killed).lines == []
