"""`rpa runs retry`: ended items of a run put back to pending, and the run resumed.

A checker's 复核退回 is never put back (`NEVER_RETRIED_CODES`): it is a person's decision, and
filing the row needs a new export. Who retried is in the audit chain (`--user` and the OS
account, as every case and approval action) and in run.log.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rpa.cli.case_commands import UserOpt, user_name
from rpa.cli.common import handles_errors, run_with_progress, runs_app, settings


@runs_app.command("retry")
@handles_errors
def runs_retry(
    run_id: str,
    items: Annotated[
        list[int] | None,
        typer.Option("--items", help="Item ids; default all ended in errors (not a checker's rejection)."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    user: UserOpt = None,
) -> None:
    """把选定的已结束项（业务错误、失败、待人工）放回待办并继续该运行；复核退回的行不放回。

    Put chosen ended items (business errors, failed, held) back to pending and resume the run;
    rows a checker rejected stay rejected."""
    from rpa.audit.log import AuditLog
    from rpa.people import os_account
    from rpa.queue.models import NEVER_RETRIED_CODES
    from rpa.queue.work_queue import WorkQueue
    from rpa.run.inputs import refuse_changed_inputs
    from rpa.run.runs import run_folder, tell_run_log

    cfg, who = settings(), user_name(user)
    refuse_changed_inputs(run_folder(cfg, run_id), run_id)  # before any item is put back
    queue = WorkQueue.from_settings(cfg)
    rejected = {item.id for item in queue.items(run_id) if item.last_error_code in NEVER_RETRIED_CODES}
    retried = queue.retry(run_id, items or None)
    AuditLog.from_settings(cfg).append(run_id, who, "items.retried",
                                       details={"items": retried, "user": who, **os_account()})
    rows = sorted(row for item in queue.items(run_id) if item.id in retried
                  and isinstance(row := item.payload.get("row"), int))
    tell_run_log(cfg, run_id, rows, f"由 {who} 重试（rpa runs retry）")
    typer.echo(f"{len(retried)} 个事项放回待办：{'、'.join(map(str, retried)) or '无'}")
    if kept := sorted(rejected & set(items or rejected)):
        typer.echo(f"未放回：{'、'.join(map(str, kept))}（复核退回，是复核人的决定："
                   "如须报备，请更正后重新导出）")
    left = sorted(set(items or ()) - set(retried) - rejected)
    if left:
        typer.echo(
            f"未放回：{'、'.join(map(str, left))}（没有以错误结束，或同一账户的后续事项正在办理："
            "等它结束后再重试）"
        )
    outcome = run_with_progress("", {}, workers=workers, resume=run_id, trigger=f"retry:{who}", cfg=cfg)
    raise typer.Exit(outcome.exit_code)
