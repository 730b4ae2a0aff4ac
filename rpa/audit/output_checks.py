"""A run's outputs against its chain (`rpa audit verify`): each file the last `outputs.written`
event lists (result.xlsx, report.html, consolidated*.xlsx, ...) has the SHA-256 recorded when it
was written, and every input row the chain validated has its line in result.xlsx.

A file that is gone, cannot be read or is not a workbook is a 【不符】 line naming it, never a
crash: `--all` goes on with the other runs.
"""

from __future__ import annotations

import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa.audit.chain import AuditEvent
from rpa.audit.evidence import OUTPUTS_WRITTEN, file_sha256
from rpa.audit.sheet_rows import ROWS, Digest, changed_rows

if TYPE_CHECKING:
    from rpa.audit.item_checks import Filings
    from rpa.audit.report_lines import Report

RESULT_BOOK = "result.xlsx"
RESULT_ROW_HEADER = "行号"


def check_outputs(report: Report, folder: Path, events: list[AuditEvent], keyed: Digest) -> None:
    """The files of the chain's last `outputs.written` event (a resume writes them again and
    records them again) against the files on disk; a workbook that differs is followed by the
    rows that differ, where the event recorded its rows' keyed digests (`keyed`, 2026-12-07)."""
    written = [event for event in events if event.event == OUTPUTS_WRITTEN]
    if not written:
        return  # a run closed before outputs were recorded, or one that never closed
    listed = [entry for entry in written[-1].details.get("files") or [] if isinstance(entry, dict)]
    problems = 0
    for entry in listed:
        name, digest = str(entry.get("file")), str(entry.get("file_sha256"))
        path = folder / name
        if ".." in Path(name).parts or not path.is_file():
            report.bad(f"结果文件 {name} 不存在（审计链第 {written[-1].seq} 条事件记录了它）")
            problems += 1
            continue
        try:
            actual = file_sha256(path)
        except OSError as error:
            report.bad(f"结果文件 {name} 无法读取（{error.strerror}）")
            problems += 1
            continue
        if actual != digest:
            report.bad(f"结果文件 {name} 的 SHA-256 与审计链第 {written[-1].seq} 条事件记录的不同"
                       "（写出后被修改或替换）")
            rows = entry.get(ROWS)
            for line in changed_rows(path, rows, keyed) if isinstance(rows, dict) else []:
                report.bad(f"结果文件 {name}：{line}")
            problems += 1
    if listed and not problems:
        names = "、".join(str(entry.get("file")) for entry in listed)
        report.good(f"{len(listed)} 个结果文件的 SHA-256 与审计链一致（{names}）")
    if (folder / "run.log").is_file():  # said, never left to be assumed (tester AU of 2026-12-07)
        report.good("run.log 不在核对之列：运行后它仍会追加（续跑、复核、重试），"
                    "各行结果以审计链和结果文件为准")


def check_result_rows(
    report: Report, folder: Path, events: list[AuditEvent], filings: Filings | None = None
) -> None:
    """Every input row the chain validated (`row.validated`) has its line in result.xlsx (行号),
    and a row whose item the chain records done shows what its outcome event recorded (`filings`).
    A resumed run validates its input again: the rows of the last validation whose start went on
    to write result.xlsx (`outputs.written` lists it) count. A start that wrote none (killed, or refused
    with exit 2 after some rows were read: nothing of a half-read file is written) is not held
    to a result.xlsx it never wrote. A run from before `outputs.written` (2026-12-04) is held to
    its last validation once the chain records its end, as it was then."""
    rows: Counter[Any] = Counter()  # the rows of the latest start that wrote result.xlsx
    segment: Counter[Any] = Counter()
    recorded = any(event.event == OUTPUTS_WRITTEN for event in events)  # not before 2026-12-04
    for event in events:
        if event.event in ("run.started", "run.resumed"):
            segment = Counter()
        elif event.event == "row.validated":
            segment[event.details.get("row")] += 1
            rows = rows if recorded else segment  # an older run: its last validation, once it ended
        elif event.event == OUTPUTS_WRITTEN and segment and _lists_result(event):
            rows = segment
    if not recorded and not any(event.event == "run.finished" for event in events):
        return  # an older run that never reached its close (killed; resume it)
    if not rows:
        return  # no input rows, or no start of the run wrote result.xlsx after reading them
    book = folder / RESULT_BOOK
    if not book.exists():
        report.bad(f"{RESULT_BOOK} 不存在（审计链记录了 {sum(rows.values())} 个输入行）")
        return
    lines = _sheet_lines(report, book)
    if lines is None:
        return
    header = [str(value or "").strip() for value in (lines[0] if lines else ())]
    if RESULT_ROW_HEADER not in header:
        report.bad(f"{RESULT_BOOK} 第 1 行没有“{RESULT_ROW_HEADER}”列，无法核对输入行")
        return
    column = header.index(RESULT_ROW_HEADER)
    in_book = Counter(line[column] for line in lines[1:] if column < len(line) and line[column] is not None)
    missing = sorted(str(row) for row in (rows - in_book).elements())
    extra = sorted(str(row) for row in (in_book - rows).elements())
    if missing:
        report.bad(f"{RESULT_BOOK} 缺少审计链记录的输入第 {'、'.join(missing)} 行")
    if extra:
        report.bad(f"{RESULT_BOOK} 多出审计链没有记录的第 {'、'.join(extra)} 行")
    if not missing and not extra:
        report.good(f"审计链记录的 {sum(rows.values())} 个输入行都在 {RESULT_BOOK} 中")
    if filings:
        _check_done_rows(report, lines, header, column, filings)


def _check_done_rows(report: Report, lines: list[tuple[Any, ...]], header: list[str], row_at: int,
                     filings: Filings) -> None:
    """Each done row's 备案编号, 状态 and 证据文件 against its item's outcome event (tester AG, AF:
    a resume wrote a queue's forged values into result.xlsx and sealed them)."""
    wrong = 0
    for line in lines[1:]:
        row = line[row_at] if row_at < len(line) else None
        if not isinstance(row, int) or row not in filings:
            continue
        expected, seq = filings[row]
        for name, value in expected.items():
            at = header.index(name) if name in header else None
            shown = str(line[at] or "").strip() if at is not None and at < len(line) else ""
            if at is not None and shown != value:
                report.bad(f"{RESULT_BOOK} 输入第 {row} 行的{name}为 {shown or '（空）'}，"
                           f"审计链第 {seq} 条事件记录的为 {value or '（空）'}")
                wrong += 1
    if not wrong:
        report.good(f"{RESULT_BOOK} 中 {len(filings)} 个已完成行的备案编号、状态和证据文件与审计链一致")


def _lists_result(event: AuditEvent) -> bool:
    """True when an `outputs.written` event lists result.xlsx among the files written."""
    files = event.details.get("files") or []
    return any(isinstance(entry, dict) and entry.get("file") == RESULT_BOOK for entry in files)


def _sheet_lines(report: Report, book: Path) -> list[tuple[Any, ...]] | None:
    """The first sheet's rows, or None (and a 【不符】 line) when the file is no readable workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(book, read_only=True)
        try:
            return list(workbook.worksheets[0].iter_rows(values_only=True)) if workbook.worksheets else []
        finally:
            workbook.close()
    except OSError as error:
        report.bad(f"{RESULT_BOOK} 无法读取（{error.strerror}），无法核对输入行")
    # a damaged zip, a bad deflate stream, broken XML inside, parts missing
    except (zipfile.BadZipFile, zlib.error, SyntaxError, InvalidFileException, KeyError, ValueError,
            EOFError):
        report.bad(f"{RESULT_BOOK} 无法打开（不是完整的 Excel 文件，可能被改动或损坏），无法核对输入行")
    return None
