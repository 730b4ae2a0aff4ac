"""An input kept in its run's folder against the chain (`rpa audit verify`): the export a clerk
uploaded at the console is stored there (`upload.json` names it, `rpa.console.uploads`), and the
run's `input.read` event recorded its SHA-256 when the run read it. A file replaced or edited
since, or gone, is a 【不符】 line naming it: result.xlsx and the evidence would otherwise stand
beside an input the run never read.

    check_kept_inputs(report, folder, events, audit.ref_of)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from rpa.audit.chain import AuditEvent
from rpa.audit.evidence import file_sha256
from rpa.masking import FieldClass, mask

if TYPE_CHECKING:
    from rpa.audit.report_lines import Report

UPLOAD_JSON = "upload.json"
RefOf = Callable[[str], str]  # an item key's keyed ref (AuditLog.ref_of)
INPUT_READ = "input.read"  # rpa.run.inputs records it, one per input file, at the run's start


def check_kept_inputs(report: Report, folder: Path, events: list[AuditEvent], ref_of: RefOf) -> None:
    """The upload `upload.json` names, against the digests of the chain's `input.read` events
    (a run that has not read its input yet, or kept no such record, is not judged); and every
    input the chain says the run read from its own folder, with or without upload.json."""
    reads = [event for event in events if event.event == INPUT_READ]
    marker = folder / UPLOAD_JSON
    try:
        named = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {}
        name = str(named["file"]) if isinstance(named, dict) and marker.is_file() else ""
    except (OSError, ValueError, KeyError):
        named, name = {}, ""
    _inputs_in_folder(report, folder, [e for e in reads if e.details.get("input_name") != name], ref_of)
    read = {str(event.details.get("file_sha256")) for event in reads}
    if not marker.is_file() or not read:
        return
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


def _inputs_in_folder(report: Report, folder: Path, reads: list[AuditEvent], ref_of: RefOf) -> None:
    """An input read from the run's own folder (its keyed `input_ref` is that of a path there)
    must still be there with the SHA-256 the chain recorded: deleting upload.json hides nothing
    (the upload upload.json names is judged above, once)."""
    here = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    for event in reads:
        name = str(event.details.get("input_name") or "")
        plain = bool(name) and len(PurePosixPath(name).parts) == 1 and name not in (".", "..")
        candidates = [*([folder / name] if plain else []), *here]  # a name kept masked: by its ref
        path = next((p for p in candidates if event.details.get("input_ref") in
                     (ref_of(f"input:{p}"), ref_of(f"input:{p.resolve()}"))), None)
        if path is None:
            continue  # read from elsewhere (a shared folder's export): not the run's to keep
        shown = mask(path.name, FieldClass.FILE_NAME)
        if not path.is_file():
            report.bad(f"运行读取的输入文件 {shown} 不在运行文件夹中（审计链第 {event.seq} 条事件记录了它）")
        elif file_sha256(path) != event.details.get("file_sha256"):
            report.bad(f"运行读取的输入文件 {shown} 的 SHA-256 与审计链第 {event.seq} 条事件记录的不同"
                       "（开始后被改动或替换）")
