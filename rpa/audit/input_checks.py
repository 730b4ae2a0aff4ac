"""An input kept in its run's folder against the chain (`rpa audit verify`): the export a clerk
uploaded at the console is stored there (`upload.json` names it, `rpa.console.uploads`), and the
run's `input.read` event recorded its SHA-256 when the run read it. A file replaced or edited
since, or gone, is a 【不符】 line naming it: result.xlsx and the evidence would otherwise stand
beside an input the run never read.

    check_kept_inputs(report, folder, events)
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from rpa.audit.chain import AuditEvent
from rpa.audit.evidence import file_sha256
from rpa.masking import FieldClass, mask

if TYPE_CHECKING:
    from rpa.audit.report_lines import Report

UPLOAD_JSON = "upload.json"
INPUT_READ = "input.read"  # rpa.run.inputs records it, one per input file, at the run's start


def check_kept_inputs(report: Report, folder: Path, events: list[AuditEvent]) -> None:
    """The upload `upload.json` names, against the digests of the chain's `input.read` events
    (a run that has not read its input yet, or kept no such record, is not judged)."""
    marker = folder / UPLOAD_JSON
    read = {str(event.details.get("file_sha256")) for event in events if event.event == INPUT_READ}
    if not marker.is_file() or not read:
        return
    try:
        named = json.loads(marker.read_text(encoding="utf-8"))
        name = str(named["file"]) if isinstance(named, dict) else ""
    except (OSError, ValueError, KeyError):
        name = ""
    if not name or len(PurePosixPath(name).parts) != 1 or name in (".", ".."):
        report.bad(f"{UPLOAD_JSON} 读不出上传的输入文件名（被改动过），无法核对运行读取的输入")
        return
    path, name = folder / name, mask(name, FieldClass.FILE_NAME)  # shown whole only when plain
    if not path.is_file():
        report.bad(f"上传的输入文件 {name} 不存在（运行开始时读取了它）")
        return
    try:
        digest = file_sha256(path)
    except OSError as exc:
        report.bad(f"上传的输入文件 {name} 读不出（{type(exc).__name__}）")
        return
    if digest not in read:
        report.bad(f"上传的输入文件 {name} 的 SHA-256 与运行读取时审计链记录的不同（开始后被改动或替换）")
        return
    stated = named.get("sha256") if isinstance(named, dict) else None
    if stated != digest:
        report.bad(f"{UPLOAD_JSON} 记录的 SHA-256 与上传的输入文件不同（{UPLOAD_JSON} 被改动过）")
        return
    report.good(f"上传的输入文件 {name} 的 SHA-256 与审计链记录的运行读取时一致")
