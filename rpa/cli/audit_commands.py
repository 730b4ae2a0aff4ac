"""CLI commands `rpa audit verify` and `rpa audit export`: check a run (or every run) against its
keyed chain, the run ledger, audit.jsonl, evidence files, counts, the queue's items and the
output files; write a run's chain to
runs/<run id>/audit.jsonl.

    rpa audit verify RUN_ID | --all     # exit 1 naming each run that fails
    rpa audit export RUN_ID
"""

from __future__ import annotations

from typing import Annotated

import typer

from rpa.cli.common import audit_app, handles_errors, settings


@audit_app.command("verify")
@handles_errors
def audit_verify(
    run_id: Annotated[str | None, typer.Argument(help="Run id.")] = None,
    all_runs: Annotated[bool, typer.Option(
        "--all", help="Every run the database, the ledger copy or the runs folder knows.")] = False,
) -> None:
    """核对一个（或全部）运行：审计链、运行账本、audit.jsonl、证据文件、计数、队列中的事项和结果文件。

    Check a run (or every run): its chain, the run ledger, audit.jsonl, evidence, counts, the
    queue's items and the output files."""
    from rpa.audit.checks import traces_without_database, verify_runs
    from rpa.audit.log import AuditLog
    from rpa.errors import UsageError
    from rpa.queue.work_queue import WorkQueue

    cfg = settings()
    if not all_runs and not run_id:
        raise UsageError("请给出运行编号，或用 --all 核对全部运行")
    # whether there is anything to check needs no key: a new database is said as such first
    looking = AuditLog(cfg.database_url_resolved, b"-", timezone=cfg.timezone, ledger_file=cfg.ledger_path())
    if not looking.has_schema():
        left = traces_without_database(looking, cfg.runs_dir)
        if left:  # runs took place: never "not run yet"
            typer.echo(f"数据库：【不符】数据库中没有任何审计记录，但{left}：数据库可能被删除或换掉。请确认 "
                       "RPA_DATABASE_URL / RPA_RUNS_DIR 指向运行所用的数据库；若无误，请立即上报")
            typer.echo("核对不通过：数据库")
            raise typer.Exit(1)
        raise UsageError(
            "数据库中还没有任何审计记录（尚未运行过）："
            "请确认 RPA_DATABASE_URL / RPA_RUNS_DIR 指向运行所用的数据库"
        )
    audit = AuditLog.from_settings(cfg, create_key=False)
    if audit.key_fits() is False:
        raise UsageError(
            f"审计密钥与数据库中的记录对不上：没有一条审计链的链头能用 {cfg.audit_key_source()} 核对。多半是"
            "给的不是生成这些记录的密钥，请改正后再核对；若确是那把密钥，则全部记录"
            "都被改动过，请立即上报"
        )
    queue = WorkQueue.from_settings(cfg)
    reports = verify_runs(audit, cfg.runs_dir, None if all_runs else run_id, queue.items)
    if not all_runs and reports[-1].unknown:  # a mistyped id, not a run gone without trace
        raise UsageError(f"没有运行 {run_id}：数据库、运行账本和运行文件夹 {cfg.runs_dir} 中都没有它；"
                         "请用 rpa runs list 查看运行编号，或检查 RPA_RUNS_DIR / RPA_DATABASE_URL")
    for report in reports:
        for line in report.lines:
            typer.echo(line)
    failed = [report.subject for report in reports if not report.ok]
    typer.echo(f"核对不通过：{'、'.join(failed)}" if failed else f"核对通过：{len(reports) - 1} 次运行")
    raise typer.Exit(1 if failed else 0)


@audit_app.command("export")
@handles_errors
def audit_export(run_id: str) -> None:
    """把运行的审计链写到 runs/<运行编号>/audit.jsonl（已脱敏）。

    Write the run's audit chain to runs/<run id>/audit.jsonl (masked; a diagnostic)."""
    from rpa.audit.log import AuditLog
    from rpa.run.runs import run_folder

    cfg = settings()
    folder = run_folder(cfg, run_id)
    path = AuditLog.from_settings(cfg).export(run_id, folder / "audit.jsonl")
    typer.echo(str(path))
