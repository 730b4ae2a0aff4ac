"""What a resume must pass before it touches its run: the run is this host's to resume, it is
asked to do what it was started to do, and the files it read are still the ones it read.

    refuse_run_elsewhere(settings, queue, run_id)       # before its folder is looked for
    refuse_unfit_resume(run_id, folder, stored_params, given_params)
    refuse_broken_chain(audit, run_id)
    refuse_unsound_run(audit, folder, run_id)           # before a case action: inputs and chain

Each refusal is a UsageError (exit 2) raised before the resume records anything, so a refused
resume leaves the run as it was: run.json keeps its end (exit code, stop reason), which a clerk,
the console and an auditor read. The flow's own input check (`rpa.run.inputs.check_input`,
against the audit chain) stays the one that holds; a refusal it makes later keeps the run's end
too (`rpa.run.close.close_refused_resume`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa.errors import UsageError
from rpa.run.flow import flow_class
from rpa.run.inputs import refuse_changed_inputs

if TYPE_CHECKING:
    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkQueue
    from rpa.settings import Settings


def refuse_unfit_resume(
    run_id: str, folder: Path, stored: Mapping[str, Any], given: Mapping[str, Any], *,
    flow: str, run_flow: str,
) -> None:
    """UsageError when the resume was asked of another flow than the run's (`rpa run
    enterprise-check --resume` of a filing run), when `given` would change one of the flow
    parameters the run was started with (`stored`, params.json), or when an input the run read
    has gone or changed since (run.json's digests)."""
    if flow and run_flow and flow != run_flow:
        raise UsageError(f"运行 {run_id} 是 {run_flow} 的运行，不能用 {flow} 续跑：本次操作未做任何改动。"
                         f"\n请用 rpa run {run_flow} --resume {run_id}")
    _refuse_changed_params(run_id, stored.get("flow_params") or {}, given.get("flow_params") or {},
                           _may_change(run_flow))
    refuse_changed_inputs(folder, run_id)


def _refuse_changed_params(
    run_id: str, stored: Mapping[str, Any], given: Mapping[str, Any], may_change: frozenset[str]
) -> None:
    """A resume runs with the run's own parameters: one given anew is refused unless it is the
    same (the scheduler resumes a fire with the parameters it started it with) or one the flow
    lets a resume change (`Flow.resume_may_change`)."""
    as_kept = json.loads(json.dumps(dict(given), ensure_ascii=False, default=str))
    changed = [name for name, value in as_kept.items()
               if name not in may_change and (name not in stored or stored[name] != value)]
    if changed:
        raise UsageError(
            f"续跑（运行 {run_id}）按该运行原来的参数办理，不能改动 {'、'.join(sorted(changed))}："
            "本次操作未做任何改动。\n要办理其他文件、日期或范围，请另起一次运行（不带 --resume）"
        )


def _may_change(flow: str) -> frozenset[str]:
    """The parameters the flow lets a resume give anew (none for a flow this install lacks)."""
    try:
        return frozenset(flow_class(flow).resume_may_change)
    except UsageError:
        return frozenset()


def refuse_run_elsewhere(settings: Settings, queue: WorkQueue, run_id: str) -> None:
    """A run the database holds but this host's runs folder does not: the hosts do not share one
    run store (a UsageError saying so, instead of "no such run")."""
    if (settings.runs_dir / run_id / "run.json").exists() or not any(queue.counts(run_id).values()):
        return
    raise UsageError(
        f"运行 {run_id} 在数据库中，但本机的运行文件夹 {settings.runs_dir} 下没有它：共用一个数据库的主机"
        "须共用同一个运行文件夹（共享挂载，各主机同一路径），请把 RPA_RUNS_DIR 指向它后再续跑"
    )


def refuse_unsound_run(audit: AuditLog, folder: Path, run_id: str) -> None:
    """What a person's action on the run's rows must pass: its inputs unchanged, its chain whole."""
    refuse_changed_inputs(folder, run_id)
    refuse_broken_chain(audit, run_id)


def refuse_broken_chain(audit: AuditLog, run_id: str) -> None:
    """A run whose audit chain does not hold under the key is neither resumed nor acted on: an
    approval forged in the database (no key) was acted on by a resume, which reported 全部完成,
    and the resume exported the forged chain over the good audit.jsonl (tester BM F8/F9,
    2026-12-08). A run the database has no chain for at all is left to the steps that follow."""
    from rpa.audit.chain import MISSING

    result = audit.verify(run_id)
    if result.ok or (result.kind == MISSING and not result.checked and result.first_bad_seq is None):
        return
    raise UsageError(f"运行 {run_id} 的审计链核对不通过（{result}）：本次操作未做任何改动，也未续跑。"
                     f"\n请先用 rpa audit verify {run_id} 查明，交审计人员处理；审计链修复前不能处理此运行")
