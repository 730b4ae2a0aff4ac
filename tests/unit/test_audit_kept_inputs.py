"""An export uploaded at the console, kept in its run folder, against the digest the chain recorded
when the run read it (rpa.audit.input_checks): on a real SQLite chain and real files, each way a
person with the runs folder could change it is named; an upload the run read, unchanged, holds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rpa.audit.input_checks import UPLOAD_JSON, check_kept_inputs
from rpa.audit.log import AuditLog
from rpa.audit.report_lines import Report

RUN = "20261205-093000-account_filing-0a1b2c"
NAME = "export-70512345.xlsx"  # a generated name may hold a run of 8 digits: named whole
EXPORT = b"PK\x03\x04 the workbook the clerk uploaded"


def _run(tmp_path: Path, *, read: bool = True, ref: str = "ab" * 8) -> tuple[Path, Report, AuditLog]:
    folder = tmp_path / RUN
    folder.mkdir()
    (folder / NAME).write_bytes(EXPORT)
    digest = hashlib.sha256(EXPORT).hexdigest()
    (folder / UPLOAD_JSON).write_text(json.dumps({"file": NAME, "user": "wang.jb", "sha256": digest}))
    audit = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", b"k" * 32)
    audit.create_schema()
    audit.append(RUN, "run", "run.started", details={"flow": "account-filing"})
    if read:
        ref = audit.ref_of(f"input:{folder / NAME}") if ref == "here" else ref
        audit.append(RUN, "run", "input.read", details={"input_ref": ref, "input_name": NAME,
                                                         "file_sha256": digest})
    return folder, Report(f"运行 {RUN}"), audit


def test_the_upload_the_run_read_holds(tmp_path: Path) -> None:
    folder, report, audit = _run(tmp_path)
    check_kept_inputs(report, folder, audit.events(RUN), audit.ref_of)
    holds = f"运行 {RUN}：上传的输入文件 {NAME} 的 SHA-256 与审计链记录的运行读取时一致"
    assert report.ok and report.lines == [holds]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda f: (f / NAME).write_bytes(EXPORT + b" edited"), f"{NAME} 的 SHA-256 与运行读取时"),
        (lambda f: (f / NAME).unlink(), f"上传的输入文件 {NAME} 不存在"),
        (lambda f: (f / UPLOAD_JSON).write_text(json.dumps({"file": "../x.xlsx"})), "读不出上传的输入文件名"),
        (lambda f: (f / UPLOAD_JSON).write_text("{not json"), "读不出上传的输入文件名"),
        (lambda f: (f / UPLOAD_JSON).write_text(json.dumps({"file": NAME, "sha256": "0" * 64})),
         f"{UPLOAD_JSON} 记录的 SHA-256 与上传的输入文件不同"),
    ],
)
def test_each_change_is_named(tmp_path: Path, change: object, named: str) -> None:
    folder, report, audit = _run(tmp_path)
    change(folder)  # type: ignore[operator]
    check_kept_inputs(report, folder, audit.events(RUN), audit.ref_of)
    assert not report.ok and len(report.lines) == 1 and named in report.lines[0], report.lines


def test_a_run_that_has_not_read_its_upload_yet_is_not_judged(tmp_path: Path) -> None:
    folder, report, audit = _run(tmp_path, read=False)
    (folder / NAME).write_bytes(b"replaced before the run began")
    check_kept_inputs(report, folder, audit.events(RUN), audit.ref_of)
    assert report.ok and report.lines == []


def test_an_upload_read_from_the_folder_is_judged_without_upload_json(tmp_path: Path) -> None:
    """Deleting upload.json hides nothing: the chain's input.read names a file of the run's own
    folder (its keyed input_ref is that path's), which must be there unchanged."""
    folder, report, audit = _run(tmp_path, ref="here")
    (folder / UPLOAD_JSON).unlink()
    (folder / NAME).write_bytes(EXPORT + b" edited")
    check_kept_inputs(report, folder, audit.events(RUN), audit.ref_of)
    differs = f"运行读取的输入文件 {NAME} 的 SHA-256 与审计链第 2 条事件记录的不同（开始后被改动或替换）"
    assert not report.ok and report.lines == [f"运行 {RUN}：【不符】{differs}"]
    (folder / NAME).unlink()
    again = Report(f"运行 {RUN}")
    check_kept_inputs(again, folder, audit.events(RUN), audit.ref_of)
    gone = f"运行读取的输入文件 {NAME} 不在运行文件夹中（审计链第 2 条事件记录了它）"
    assert again.lines == [f"运行 {RUN}：【不符】{gone}"]
