"""`rpa approvals list|approve|reject`: the checker's side of maker-checker (双人复核) from the
command line, through the same functions as the console (rpa.approvals.decisions).

`approve` and `reject` end by resuming the run (`rpa run ... --resume RUN`): approved rows are
filed by it, and its result.xlsx, report.html and audit export are brought up to date. A run
that is still running files the approved rows itself and is not resumed here.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from rpa.cli.common import app, command_group, handles_errors, run_with_progress, settings

if TYPE_CHECKING:
    from rpa.approvals.decisions import Decision, WaitingRun

approvals_app = command_group(
    help="复核（双人复核）：查看、批准或退回待复核的报备。\n\n"
    "Maker-checker: list, approve or reject the rows of runs set for approval.",
    no_args_is_help=True,
)
app.add_typer(approvals_app, name="approvals")

CHECKER_HELP = "The checker's name (default: the OS user). Never the run's maker."
ROWS_HELP = "Sheet rows, as `rpa approvals list` and result.xlsx number them: 3,5 or repeat."


def _checker(name: str | None) -> str:
    return (name or getpass.getuser()).strip()


def parse_rows(values: list[str] | None) -> list[int] | None:
    """`--rows 3,5 --rows 7` as [3, 5, 7]; None when not given. A bad number is a UsageError."""
    from rpa.errors import UsageError

    if not values:
        return None
    numbers: list[int] = []
    for part in (p.strip() for value in values for p in value.replace("，", ",").split(",")):
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"--rows 的“{part}”不是行号：请写成 3,5 这样的正整数，见 rpa approvals list")
        numbers.append(int(part))
    return numbers


@approvals_app.command("list")
@handles_errors
def approvals_list(
    run_id: Annotated[str | None, typer.Argument(help="Only this run.")] = None,
) -> None:
    """列出待复核的运行和行：将报送的内容，变更行并列 AMS 现有的值（个人信息已遮蔽）。

    Runs and rows waiting for a checker: what will be sent and, for a change, what AMS holds now."""
    from rpa.approvals.decisions import waiting

    runs = waiting(settings(), run_id)
    if not runs:
        typer.echo("没有待复核的行")
        return
    for run in runs:
        _print_run(run)


def _print_run(run: WaitingRun) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(soft_wrap=True)
    started = escape(run.started_at[:19].replace("T", " "))
    console.print(f"运行 [bold]{escape(run.run_id)}[/]：发起人 {escape(run.maker or '未记录')}，"
                  f"开始于 {started}，待复核 {len(run.rows)} 行", highlight=False)
    for row in run.rows:
        console.print(f"  第 {row.row} 行：{escape(row.action)} 账号 {escape(row.account)} "
                      f"业务日期 {escape(row.business_date)}", highlight=False)
        known = "；".join(row.ams_history) or "无"
        console.print(f"    AMS 中该账户已有的报备：{escape(known)}", highlight=False)
        with_ams = any(f.ams is not None for f in row.fields)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("    字段")
        if with_ams:
            table.add_column("AMS 现有")
        table.add_column("将报送")
        for f in row.fields:
            mark = "＊" if with_ams and f.changed else "  "
            now = [escape(f.ams or "")] if with_ams else []
            cells = [f"  {mark}{escape(f.label)}", *now, escape(f.to_file)]
            table.add_row(*cells)
        console.print(table)
        if row.warning:
            console.print(f"    [bold]注意：{escape(row.warning)}[/]", highlight=False)
        if row.corrected_by:  # its corrector may not approve it
            console.print(f"    此行经 {escape(row.corrected_by)} 更正：更正人不能复核此行", highlight=False)
        if with_ams:
            console.print("    （＊ 为将变更的字段；标“不变更”的字段按 AMS 现值报送，不取导出行的值）",
                          highlight=False)
    run_id = escape(run.run_id)
    console.print(f"  批准：rpa approvals approve {run_id} [--rows 行号]；"
                  f"退回：rpa approvals reject {run_id} --rows 行号 --reason 原因", highlight=False)


@approvals_app.command("approve")
@handles_errors
def approvals_approve(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    rows: Annotated[list[str] | None, typer.Option("--rows", help=ROWS_HELP + " Default: all.")] = None,
    checker: Annotated[str | None, typer.Option("--checker", help=CHECKER_HELP)] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes for the resumed run.")] = None,
) -> None:
    """批准待复核的行（全部或 --rows 指定的），随即续跑该运行把它们报送到 AMS。

    Approve the waiting rows (all, or --rows), then resume the run, which files them."""
    from rpa.approvals.decisions import approve

    cfg = settings()
    decision = approve(cfg, run_id, _checker(checker), parse_rows(rows))
    _said(decision)
    _bring_up_to_date(decision, workers)


@approvals_app.command("reject")
@handles_errors
def approvals_reject(
    run_id: Annotated[str, typer.Argument(help="The run.")],
    rows: Annotated[list[str] | None, typer.Option("--rows", help=ROWS_HELP)] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why the rows are not to be filed.")] = "",
    checker: Annotated[str | None, typer.Option("--checker", help=CHECKER_HELP)] = None,
) -> None:
    """退回待复核的行（须 --rows 和 --reason）：这些行不报备，结果为“复核退回”及原因。

    Reject waiting rows with a reason: they are never filed; the run's outputs are rewritten."""
    from rpa.approvals.decisions import reject
    from rpa.errors import UsageError

    numbers = parse_rows(rows)
    if not numbers:
        raise UsageError("退回须指明行号：请用 --rows 给出要退回的行（见 rpa approvals list）")
    decision = reject(settings(), run_id, _checker(checker), numbers, reason)
    _said(decision)
    _bring_up_to_date(decision, None)


def _said(decision: Decision) -> None:
    rows = "、".join(str(n) for n in decision.rows)
    what = "批准" if decision.approved else f"退回（原因：{decision.reason}）"
    typer.echo(f"运行 {decision.run_id}：复核人 {decision.checker} {what}第 {rows} 行，已记入审计链")


def _bring_up_to_date(decision: Decision, workers: int | None) -> None:
    """Resume the run: it files the approved rows and rewrites its outputs. A live run does
    that itself; the exit code is the resumed run's."""
    if decision.run_live:
        typer.echo(f"运行 {decision.run_id} 仍在进行：已批准的行由它继续报备；若它结束时仍有未报备的行，"
                   f"请执行 rpa run account-filing --resume {decision.run_id}")
        return
    run_id = decision.run_id
    outcome = run_with_progress("account-filing", {"flow_params": {}}, workers=workers, resume=run_id)
    raise typer.Exit(outcome.exit_code)
