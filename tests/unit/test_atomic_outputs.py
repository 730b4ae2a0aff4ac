"""Outputs are written whole or not at all (rpa.atomic): a reader never sees half a file.

Two signs tell an atomic write from one that truncates the file in place, without patching
anything: a reader that opened the previous file before the write still reads it whole (the
new file is another inode, renamed over the name), and a writer that fails midway leaves the
previous content under the final name and no temporary file beside it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from flows.account_filing.result_book import ResultRow, write_result_book
from flows.report_extraction.collect import Collected
from flows.report_extraction.consolidate import write_consolidated
from flows.report_extraction.scorecard import ScorecardConfig, score_branches
from rpa.atomic import atomic_write
from rpa.audit.log import AuditLog
from rpa.run.report import write_run_report
from rpa.run.runs import write_private_text

OLD = b"the previous, complete content of this output\n" * 50
KEY = b"unit-test-audit-key-0123456789abcdef"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_a_writer_that_fails_midway_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "consolidated.xlsx"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="disk full"), atomic_write(target) as handle:
        handle.write(b"PK\x03\x04 half a workbook")
        raise RuntimeError("disk full")
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []
    absent = tmp_path / "report.html"
    with pytest.raises(RuntimeError), atomic_write(absent, "w", encoding="utf-8") as handle:
        handle.write("<html>")
        raise RuntimeError("killed")
    assert not absent.exists() and _leftovers(tmp_path) == []


def test_run_json_and_report_text_are_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    target.write_bytes(OLD)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate fails while the text is encoded
        write_private_text(target, '{"flow": "x", "note": "' + "数" * 5000 + "\ud800" + '"}')
    assert target.read_bytes() == OLD and _leftovers(tmp_path) == []
    write_private_text(target, '{"flow": "x"}')
    assert json.loads(target.read_text(encoding="utf-8")) == {"flow": "x"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def _writers(tmp_path: Path, db_url: str) -> dict[str, Callable[[Path], object]]:
    collected = Collected("2026-11-27", ["xlsx"], units={"储蓄存款余额": "元"})
    config = ScorecardConfig.model_validate({
        "tie_breaker": "储蓄", "indicators": [{"name": "储蓄", "metrics": ["储蓄存款余额"], "weight": "1"}]})
    card = score_branches({}, config)
    audit = AuditLog(db_url, KEY)
    audit.create_schema()
    audit.append("R-atomic", "worker-1", "step", item_key="item-1", details={"n": 1})
    run_info = {"run_id": "R-atomic", "flow": "report-extraction", "exit_code": 0, "counts": {}}
    row = ResultRow(2, "新开户备案", "6222020200112233445", "张三", "2026-11-27", "done")
    return {
        "consolidated.xlsx": lambda p: write_consolidated(p, collected, card, branches=["110101"],
                                                          names={}, metrics=["储蓄存款余额"]),
        "result.xlsx": lambda p: write_result_book(p, [row]),
        "report.html": lambda p: write_run_report(p.parent, run_info, [], []),
        "run.json": lambda p: write_private_text(p, json.dumps(run_info)),
        "audit.jsonl": lambda p: audit.export("R-atomic", p),
    }


OUTPUTS = ["consolidated.xlsx", "result.xlsx", "report.html", "run.json", "audit.jsonl"]


@pytest.mark.parametrize("name", OUTPUTS)
def test_every_output_is_renamed_into_place_so_an_open_reader_keeps_the_old_file(
    tmp_path: Path, db_url: str, name: str
) -> None:
    target = tmp_path / name
    target.write_bytes(OLD)
    before = target.stat().st_ino
    with target.open("rb") as reader:  # someone opened the previous file (Excel, a browser, a copy)
        _writers(tmp_path, db_url)[name](target)
        assert reader.read() == OLD  # a write in place would have cut it short under the reader
    assert target.stat().st_ino != before
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() != OLD and _leftovers(tmp_path) == []
    if name.endswith(".xlsx"):
        assert openpyxl.load_workbook(target).sheetnames


def test_the_temporary_name_is_hidden_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "consolidated.xlsx"
    with atomic_write(target) as handle:
        seen = _leftovers(tmp_path)
        handle.write(b"x")
    assert seen == [f".consolidated.xlsx.tmp-{os.getpid()}"]
    assert target.read_bytes() == b"x"
