"""The `rpa` command. Thin: parses arguments and calls flows and the engine.

Exit codes: 0 every item done; 1 the run finished but some items ended in business errors, were
held or failed; 2 bad usage or an unreadable input; 3 the run stopped early (run-fatal error).
Heavy modules are imported inside the commands so `rpa --help` answers at once.

Here: `rpa run smoke` and `rpa runs list|show`; the other commands are in audit_commands,
bot_commands, portal_commands, retry_commands and ops_commands (with schedule_commands), registered
below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa.cli.common import (
    app,
    count_option,
    counts_words,
    handles_errors,
    run_app,
    run_with_progress,
    runs_app,
    settings,
)

if TYPE_CHECKING:
    from rpa.settings import Settings

__all__ = ["app"]


@run_app.command("smoke")
@handles_errors
def run_smoke(
    items: Annotated[int | None, typer.Option(help="How many pages to visit [default: 12].")] = None,
    modes: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated item modes, cycled: ok, business, "
            "system_once, system_always, fatal, slow, crash."
        ),
    ] = None,
    locked: Annotated[
        bool | None,
        typer.Option("--locked/--unlocked", help="Whether 'fatal' items find the operator locked."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default from settings).")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume this run id.")] = None,
) -> None:
    """运行内置的冒烟测试流程（本地网站、真实 Chromium、队列和审计链）。

    Run the built-in smoke flow: a local site, real Chromium, the queue and the audit chain."""
    flow_params: dict[str, Any] = {}
    if count_option("--items", items) is not None:
        flow_params["items"] = items
    if modes is not None:
        flow_params["modes"] = [m.strip() for m in modes.split(",") if m.strip()]
    if locked is not None:
        flow_params["locked"] = locked
    outcome = run_with_progress("smoke", {"flow_params": flow_params}, workers=workers, resume=resume)
    raise typer.Exit(outcome.exit_code)


@runs_app.command("list")
@handles_errors
def runs_list(
    limit: Annotated[int, typer.Option(help="显示多少个运行。 How many runs to show.")] = 20,
) -> None:
    """列出最近的运行，最新的在前；并指出 rpa demo 的运行在哪里。

    The most recent runs, newest first; and where `rpa demo` put its own."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rpa.audit.log import AuditLog
    from rpa.outcomes import awaiting_recorded, counts_text, ended_as_recorded
    from rpa.run.runs import demo_folders, list_runs, run_state

    cfg = settings()
    audit = AuditLog.from_settings(cfg)
    runs = list_runs(cfg)[:limit]
    console = Console(soft_wrap=True)
    if runs:
        longest = max(len(str(run.get("run_id", "?"))) for run in runs)
        # a run id starts with its start time and flow: a narrow terminal leaves those columns out
        wide = console.width >= longest + 80
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        # the id is what every other command takes: never cut, wrapped or ellipsised
        table.add_column("运行编号", no_wrap=True, min_width=longest, overflow="ignore")
        headers = ("流程", "触发", "开始时间", "退出码", "计数") if wide else ("触发", "退出码", "计数")
        for header in headers:
            table.add_column(header, overflow="fold")
        for run in runs:
            counts = run.get("counts") or {}
            recorded = None if "exit_code" in run else audit.recorded_exit(str(run.get("run_id")))
            awaiting = awaiting_recorded(run)  # 待复核; the queue's counts while workers work it or if killed
            ended_as = ended_as_recorded(run)
            if run_state(run, recorded, cfg.host_id) == "waiting" or not counts:
                queued = _queue_counts(cfg, str(run.get("run_id")))
                counts, awaiting, ended_as = queued if queued[0] else (counts, awaiting, ended_as)
            cells = {
                "流程": str(run.get("flow", "?")),
                "触发": _trigger_words(str(run.get("trigger", "?"))),
                "开始时间": str(run.get("started_at", "?"))[:19],
                "退出码": _state_words(run_state(run, recorded, cfg.host_id)),
                # a dry run's never read as filed; the rows put aside while validating too
                "计数": counts_words(run, counts_text(counts, awaiting, ended_as) + _aside_counted(run)),
            }
            table.add_row(escape(str(run.get("run_id", "?"))), *(escape(cells[h]) for h in headers))
        console.print(table)
    else:
        console.print(f"{escape(str(cfg.runs_dir))} 下没有运行记录", highlight=False)
    for folder in demo_folders(cfg.runs_dir):
        where = f"rpa demo 的运行在 {folder}：RPA_RUNS_DIR={folder} rpa runs list"
        console.print(escape(where), highlight=False)


def _aside_counted(run: dict[str, Any]) -> str:
    """Rows the run put aside while validating, as run.json's close recorded them (Z7: the counts
    named items only, and a run with rows 无效 read 已完成 3 alone)."""
    from rpa.outcomes import outcome_label

    aside = run.get("aside")
    aside = aside if isinstance(aside, dict) else {}
    words = "，".join(f"{outcome_label(code)} {n} 行" for code, n in aside.items() if isinstance(n, int))
    elsewhere = run.get("elsewhere")  # rows another run's items hold (tester BJ F7: 33 of 34 rows counted)
    return ((f"；校验时搁置：{words}" if words else "")
            + (f"；另有 {elsewhere} 行由其他运行办理" if isinstance(elsewhere, int) and elsewhere else ""))


def _queue_counts(cfg: Settings, run_id: str) -> tuple[dict[str, int], int, dict[str, int]]:
    """The run's items by state in the queue, how many wait for a checker (待复核) and the business
    errors' row words (`live_counts`); none when the queue cannot be read (a run folder copied
    without its database is still listed, from run.json)."""
    from sqlalchemy.exc import SQLAlchemyError

    from rpa.db import sqlite_file_missing
    from rpa.errors import RpaError
    from rpa.queue.tallies import live_counts
    from rpa.queue.work_queue import WorkQueue

    if sqlite_file_missing(cfg.database_url_resolved):
        return {}, 0, {}  # never create an empty database just to list a copied folder
    try:
        return live_counts(WorkQueue.from_settings(cfg), run_id)
    except (RpaError, SQLAlchemyError):
        return {}, 0, {}


def _state_words(state: str) -> str:
    """`run_state` as a clerk reads it: an exit code stays a number."""
    from rpa.outcomes import run_state_label

    return run_state_label(state, codes_as_numbers=True)


# a trigger's prefix -> its words; what follows the colon (a job and its fire time, a user) stays
_TRIGGER_PREFIXES = {
    "schedule": "定时任务", "cases": "异常处理", "console": "控制台", "worker": "工作主机", "retry": "重试",
}  # fmt: skip


def _trigger_words(trigger: str) -> str:
    """What started a run (or a resume of it), as a clerk reads it."""
    prefix, _, rest = trigger.partition(":")
    if rest and prefix in _TRIGGER_PREFIXES:
        return f"{_TRIGGER_PREFIXES[prefix]} {rest}"
    return {"cli": "命令行", "retry": "重试", "demo": "演示"}.get(trigger, trigger)


def _resumes_words(run: dict[str, Any]) -> str | None:
    """Each resume of the run as `时间（触发）`, in order; None when it was never resumed."""
    from rpa.run.runs import resumes_of

    shown = []
    for resume in resumes_of(run):
        by = f"（{_trigger_words(resume['trigger'])}）" if resume["trigger"] else ""
        refused = f"，被拒绝，运行未改动：{resume['refused'].splitlines()[0]}" if resume["refused"] else ""
        shown.append(resume["started_at"][:19].replace("T", " ") + by + refused)
    return "；".join(shown) or None


# run.json's fields as `rpa runs show` names them
_RUN_FIELDS = {
    "run_id": "运行编号",
    "flow": "流程",
    "trigger": "触发",
    "started_at": "开始时间",
    "resumes": "续跑",
    "ended_at": "结束时间",
    "exit_code": "退出码",
    "counts": "计数",
    "stop_reason": "停止原因",
}


@runs_app.command("show")
@handles_errors
def runs_show(run_id: str) -> None:
    """显示一个运行的 run.json 摘要和每一项的状态（已脱敏）。

    One run: its run.json summary and every item's state (masked)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rpa.audit.log import AuditLog
    from rpa.cli.aside_words import aside_words, by_hand_lines
    from rpa.masking import scrub_text
    from rpa.outcomes import (
        FLOW_NAMES,
        MAY_BE_DONE,
        MAY_BE_DONE_WORDS,
        awaiting_recorded,
        counts_text,
        ended_as_recorded,
        item_label,
    )
    from rpa.queue.work_queue import WorkQueue
    from rpa.run.runs import read_run_json, run_folder, run_state

    cfg = settings()
    folder = run_folder(cfg, run_id)
    info = read_run_json(folder)
    audit = AuditLog.from_settings(cfg)
    if info.get("exit_code") is None:  # still running, interrupted, or stopped where run.json could not say
        info["exit_code"] = _state_words(run_state(info, audit.recorded_exit(run_id), cfg.host_id))
    counts, awaiting, ended_as = info.get("counts") or {}, awaiting_recorded(info), ended_as_recorded(info)
    if (not counts or "ended_at" not in info) and audit.has_schema():
        # not closed (killed, running, --enqueue-only and worked by `rpa worker`): the queue's, as
        # runs list has them (tester AH: 未完成 34 from the enqueue of a run whose rows were done)
        counts, awaiting, ended_as = _queue_counts(cfg, run_id)
    info["counts"] = counts_words(info, counts_text(counts, awaiting, ended_as))  # AG: 没有事项 above 7 items
    info["trigger"] = _trigger_words(str(info.get("trigger") or "?"))
    flow = str(info.get("flow") or "?")
    info["flow"] = f"{FLOW_NAMES[flow]}（{flow}）" if flow in FLOW_NAMES else flow  # tester AI's F14
    info["resumes"] = _resumes_words(info)
    console = Console(soft_wrap=True)
    for key, label in _RUN_FIELDS.items():
        value = info.get(key)
        console.print(f"[bold]{label}[/]：{escape('无' if value is None else str(value))}", highlight=False)
    console.print(f"[bold]运行文件夹[/]：{escape(str(folder))}", highlight=False)
    see = "见 result.xlsx" if (folder / "result.xlsx").exists() else f"见 rpa cases list {run_id}"
    if aside := aside_words(cfg, run_id, see):  # rows that never became items: in no count above
        console.print(f"[bold]校验时搁置[/]：{escape(aside)}", highlight=False)
    for line in by_hand_lines(cfg, run_id):  # tester BM F2: the numbers, not a count alone
        console.print(f"[bold]人工报备[/]：{escape(line)}", highlight=False)
    if isinstance(elsewhere := info.get("elsewhere"), int) and elsewhere:  # rows another run's items hold
        console.print(f"[bold]其他运行办理[/]：{elsewhere} 行（不在计数中；{see}）", highlight=False)
    if not audit.has_schema():  # the queue and the audit tables are created together
        typer.echo("数据库中没有这次运行的工作项：请确认 RPA_DATABASE_URL 指向运行所用的数据库")
        return
    table = Table("事项", "状态", "尝试次数", "错误", "说明")
    for item in WorkQueue.from_settings(cfg).items(run_id):
        result = item.result or {}
        note = str(result.get("note") or "")  # the word is in 状态, never the code
        if result.get(MAY_BE_DONE) and str(item.state) in ("failed", "pending"):  # not a plain 失败
            note = "；".join(part for part in (note, MAY_BE_DONE_WORDS) if part)
        table.add_row(
            str(item.id),
            item_label(str(item.state), result),
            str(item.tries),
            escape(scrub_text(item.last_error_message or "")),  # its code is in the audit chain
            escape(scrub_text(note)),
        )
    console.print(table)


def _register_command_modules() -> None:
    """Commands defined in sibling modules attach themselves to the groups in rpa.cli.common, in
    this order (the order `rpa --help` lists the groups in)."""
    # isort: off
    import rpa.cli.audit_commands
    import rpa.cli.bot_commands
    import rpa.cli.file_commands
    import rpa.cli.portal_commands
    import rpa.cli.ops_commands
    import rpa.cli.approval_commands
    import rpa.cli.case_commands
    import rpa.cli.retry_commands
    import rpa.cli.alert_commands
    import rpa.cli.worker_commands
    import rpa.cli.console_commands  # noqa: F401
    # isort: on


_register_command_modules()
