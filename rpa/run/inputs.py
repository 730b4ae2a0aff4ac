"""A run's input files: each is read at the run's start, and a resume reads the same files,
unchanged, or refuses (exit 2) before anything is queued.

    check_input(ctx, path, digest)   # at start: recorded; at a resume: the same file, the same bytes

A resume (`--resume`, `rpa runs retry`, every case action) re-reads its input to validate and
queue what is left: an export replaced at the same path (the next day's), corrected in place,
or a path changed in the run's parameters would be filed under this run, and result.xlsx would
lose the rows it filed. The start's reading is kept in the audit chain (`input.read`: a keyed
hash of the path and the file's SHA-256), so neither run.json nor params.json can move it; a run
started before the chain kept it is judged by run.json's `inputs_sha256` of its start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from rpa.audit.evidence import file_sha256
from rpa.audit.input_checks import INPUT_READ
from rpa.audit.log import AuditLog
from rpa.errors import InputFileError
from rpa.masking import scrub_text

RUN_JSON = "run.json"


class ReadingRun(Protocol):
    """What of a run (`rpa.run.runs.RunContext`) the check reads."""

    run_id: str
    audit: AuditLog
    resumed: bool
    first_inputs: dict[str, str]

    def item_ref(self, key: str) -> str: ...

    def record(self, event: str, *, item_key: str | None = None, **details: Any) -> None: ...


def check_input(ctx: ReadingRun, path: Path, digest: str) -> None:
    """Record the input a new run reads; refuse one a resume reads that the start did not, or
    that changed since (InputFileError, exit 2, naming the file)."""
    ref = ctx.item_ref(f"input:{path}")
    if not ctx.resumed:
        ctx.record(INPUT_READ, input_ref=ref, input_name=path.name, file_sha256=digest)
        return
    recorded = {str(e.details.get("input_ref")): str(e.details.get("file_sha256"))
                for e in ctx.audit.events(ctx.run_id) if e.event == INPUT_READ}
    first = recorded.get(ref) if recorded else ctx.first_inputs.get(str(path))
    if first is None and not recorded and not ctx.first_inputs:
        return  # a run that kept no record of its inputs: nothing to hold it to
    name = scrub_text(path.name)
    if first is None:
        raise InputFileError(
            f"无法续跑运行 {ctx.run_id}：{name} 不是该运行开始时读取的文件。"
            "\n续跑只读原来的输入；其他文件请另起一次运行"
        )
    if first != digest:
        raise InputFileError(
            f"无法续跑运行 {ctx.run_id}：{name} 在该运行开始后被改动或替换（SHA-256 开始时 {first[:12]}…，"
            f"现在 {digest[:12]}…）。\n续跑只读原来的输入：请放回原文件；新的或改正后的导出请另起一次运行"
        )


def refuse_changed_inputs(run_folder: Path, run_id: str) -> None:
    """Before a person's action puts a run's rows back to be filed (`rpa runs retry`, a case
    action, an approval): InputFileError (exit 2) when an input the run read has gone or changed
    since, so the action changes nothing rather than leave rows put back that its resume will
    refuse to file. The resume's own check (`check_input`, against the audit chain) stays the
    one that holds; this one reads run.json's digests of the start."""
    try:
        recorded = json.loads((run_folder / RUN_JSON).read_text(encoding="utf-8")).get("inputs_sha256")
    except (OSError, ValueError):
        return  # no run.json to read: the action itself says what is wrong
    for given, first in (recorded or {}).items():
        path = Path(given)
        now = _sha256(path)
        if now != first:
            what = "已不在原处" if now is None else "在该运行开始后被改动或替换"
            raise InputFileError(
                f"运行 {run_id} 的输入 {scrub_text(path.name)} {what}：本次操作未做任何改动。"
                "\n续跑只读原来的输入：请放回原文件后再办理；新的或改正后的导出请另起一次运行"
            )



def _sha256(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read (gone, a folder, no permission)."""
    try:
        return file_sha256(path)
    except OSError:
        return None
