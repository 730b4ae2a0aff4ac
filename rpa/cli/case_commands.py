"""`rpa cases list|correct|mark|approve|refuse|retry`: 异常处理 from the command line, through
the same functions as the console's page (rpa.casework). Rows are named by their sheet row, as
`rpa cases list` and result.xlsx number them.

Every command but `list` ends by resuming the run (`rpa run ... --resume RUN`): what was put back
is filed (looked up first) and result.xlsx, report.html and the audit export are brought up to
date. A run that is still running files it itself and is not resumed here.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from rpa.cli.common import app, command_group, handles_errors, run_with_progress, settings

if TYPE_CHECKING:
    from rpa.casework.actions import CaseAction
    from rpa.casework.aside_rows import SetAside
    from rpa.queue.work_queue import WorkItem
    from rpa.settings import Settings

cases_app = command_group(
    help="异常处理：查看被拒、需人工处理和失败的行，更正后重新报备、标记人工报备、重试系统故障。\n\n"
    "Exceptions: list held, refused and failed rows; correct and refile, mark filed by hand, retry.",
    no_args_is_help=True,
)
app.add_typer(cases_app, name="cases")

USER_HELP = "Who acts (default: the OS user); recorded in the audit chain."
RowArg = Annotated[int, typer.Argument(help="The sheet row, as `rpa cases list` shows it.")]
RunArg = Annotated[str, typer.Argument(help="The run.")]
UserOpt = Annotated[str | None, typer.Option("--user", help=USER_HELP)]


def user_name(name: str | None) -> str:
    """The person acting: `--user`, else the OS user."""
    return (name or getpass.getuser()).strip()


def _aside(cfg: Settings, run_id: str, row: int) -> SetAside | None:
    """The run's row put aside while validating that waits for a person at sheet row `row`."""
    from rpa.casework.aside_actions import aside_row
    from rpa.casework.cases import refuse_dry_run

    refuse_dry_run(cfg, run_id)
    return aside_row(cfg, run_id, row)


def _item_id(cfg: Settings, run_id: str, row: int) -> int:
    from rpa.casework.cases import open_cases, refuse_dry_run, rejected
    from rpa.errors import UsageError
    from rpa.queue.work_queue import WorkQueue

    refuse_dry_run(cfg, run_id)  # a dry run's rows are never cases: say why, not "no such row"
    for run in open_cases(cfg, run_id):
        for case in run.cases:
            if case.row == row:
                return case.item_id
        for aside in run.aside:
            if aside.row == row:
                raise UsageError(f"运行 {run_id} 的第 {row} 行在校验时已搁置（{aside.outcome}），"
                                 f"不是队列中的事项，不能在此办理：{aside.advice}")
    items = [item for item in WorkQueue.from_settings(cfg).items(run_id) if item.payload.get("row") == row]
    for item in items:
        if rejected(item):
            raise UsageError(f"运行 {run_id} 的第 {row} 行已由复核人退回（复核退回），是复核人的决定，"
                             "不能更正、标记或重试：如仍须报备，请改正导出后重新运行")
    if settled := _settled(cfg, run_id, row, items):
        raise UsageError(f"运行 {run_id} 的第 {row} 行{settled}，无需再办理")
    raise UsageError(f"运行 {run_id} 的第 {row} 行不在待处理的行中：请用 rpa cases list {run_id} 查看行号")


def _settled(cfg: Settings, run_id: str, row: int, items: list[WorkItem]) -> str:
    """What became of a row that waits for nobody: approved as filed by hand, or done with its
    number (tester BM F17: a second approval said only 不在待处理的行中)."""
    from rpa.alerts.aside_by_hand import approved_by_hand
    from rpa.outcomes import outcome_label

    marks = [mark for (_, at), mark in sorted(approved_by_hand(cfg, run_id).items()) if at == row]
    if marks:
        return f"已人工报备（备案编号 {marks[0].filing_no}，{marks[0].who}）"
    for item in (item for item in items if item.state == "done"):
        result = item.result or {}
        number = f"（备案编号 {result['filing_no']}）" if result.get("filing_no") else ""
        return f"已办结：{outcome_label(str(result.get('status') or ''))}{number}"
    return ""


@cases_app.command("list")
@handles_errors
def cases_list(run_id: Annotated[str | None, typer.Argument(help="Only this run.")] = None) -> None:
    """列出待处理的行：门户原话、结果、截图和人工报备标记，以及校验时搁置的行（个人信息已遮蔽）。

    Rows waiting for a person: the portal's message, outcome, screenshot and by-hand mark; and
    the input rows put aside while validating (需人工处理, 无效), with their reasons and what to do."""
    from rpa.casework.cases import is_dry_run, open_cases
    from rpa.run.runs import read_run_json, run_folder

    cfg = settings()
    runs = open_cases(cfg, run_id)
    if not runs:
        dry = bool(run_id) and is_dry_run(read_run_json(run_folder(cfg, str(run_id))))
        dry_words = f"运行 {run_id} 是演练（未向 AMS 提交），其中的行不列为待处理的行"
        typer.echo(dry_words if dry else "没有待处理的行")
        return
    for run in runs:
        started = run.started_at[:19].replace("T", " ")
        typer.echo(f"运行 {run.run_id}（开始于 {started}）：待处理 {len(run.cases) + len(run.aside)} 行")
        for aside in run.aside:
            about = "；".join(part for part in (aside.filing, aside.due) if part)
            typer.echo(f"  第 {aside.row} 行：{aside.outcome}（校验时搁置，未报备）{about and '；' + about}")
            typer.echo(f"    原因：{aside.reasons or '见该运行的 result.xlsx'}")
            typer.echo(f"    办理：{aside.advice}")
            if aside.mark:
                typer.echo(f"    人工报备待复核：{aside.mark.maker} 标记，备案编号 {aside.mark.filing_no}，"
                           f"原因：{aside.mark.reason}")
        for case in run.cases:
            extra = "，系统故障可重试" if case.system_failure else ""
            due = f"；{case.due}" if case.due else ""
            said = case.message or "门户没有给出提示"
            which = [f.value for f in case.fields if f.label in ("业务类型", "账号", "开户日期") and f.value]
            if len(which) == 3 and which[1] not in said:  # a portal's own words name no row (tester AG)
                said = f"{' '.join(which)}：{said}"
            typer.echo(f"  第 {case.row} 行：{case.outcome}{extra}{due}；{said}")
            if case.may_be_done:
                typer.echo(f"    注意：{case.may_be_done_note}（rpa cases retry {run.run_id}）")
            if case.screenshot:
                typer.echo(f"    截图：{case.screenshot}")
            if case.ams_filing_no:
                typer.echo(f"    AMS 显示的备案编号：{case.ams_filing_no}（人工报备只能填写此编号）")
            if case.mark:
                typer.echo(f"    人工报备待复核：{case.mark.maker} 标记，备案编号 {case.mark.filing_no}，"
                           f"原因：{case.mark.reason}")


@cases_app.command("correct")
@handles_errors
def cases_correct(
    run_id: RunArg, row: RowArg,
    values: Annotated[list[str], typer.Option("--set", help="LABEL=VALUE as the export writes it; repeat.")],
    user: UserOpt = None,
) -> None:
    """更正一行（--set 项名=新值，可重复），校验通过后重新报备。

    Correct a row (--set LABEL=VALUE, validated as the input rows are) and refile it."""
    from rpa.casework.actions import correct
    from rpa.errors import UsageError

    changes: dict[str, str] = {}
    for value in values:
        label, sep, text = value.partition("=")
        if not sep or not label.strip():
            raise UsageError(f"--set 的“{value}”应写成 项名=新值，如 --set 基本存款账户编号=J3930000123401")
        changes[label.strip()] = text
    cfg = settings()
    _done(correct(cfg, run_id, _item_id(cfg, run_id, row), user_name(user), changes))


@cases_app.command("mark")
@handles_errors
def cases_mark(
    run_id: RunArg, row: RowArg,
    filing_no: Annotated[str, typer.Option("--filing-no", help="The filing number AMS gave.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was filed by hand.")],
    user: UserOpt = None,
) -> None:
    """标记一行已人工报备（备案编号、原因）；须另一位复核人批准后才算已报备。

    Mark a row filed by hand; it counts as filed once another person approves the mark."""
    from rpa.casework.actions import mark_by_hand
    from rpa.casework.aside_actions import mark_aside

    cfg = settings()
    if (aside := _aside(cfg, run_id, row)) is not None:  # a row put aside for a person, filed by hand
        _done(mark_aside(cfg, run_id, aside, user_name(user), filing_no, reason))
    else:
        _done(mark_by_hand(cfg, run_id, _item_id(cfg, run_id, row), user_name(user), filing_no, reason))


@cases_app.command("approve")
@handles_errors
def cases_approve(run_id: RunArg, row: RowArg, user: UserOpt = None) -> None:
    """批准一行的人工报备标记（不能是标记人自己）。Approve a by-hand mark (never your own)."""
    from rpa.casework.actions import approve_by_hand
    from rpa.casework.aside_actions import approve_aside

    cfg = settings()
    if (aside := _aside(cfg, run_id, row)) is not None:
        _done(approve_aside(cfg, run_id, aside, user_name(user)))
    else:
        _done(approve_by_hand(cfg, run_id, _item_id(cfg, run_id, row), user_name(user)))


@cases_app.command("refuse")
@handles_errors
def cases_refuse(
    run_id: RunArg, row: RowArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the mark is refused.")],
    user: UserOpt = None,
) -> None:
    """退回一行的人工报备标记（须写明原因）。Refuse a by-hand mark, with a reason."""
    from rpa.casework.actions import refuse_by_hand
    from rpa.casework.aside_actions import refuse_aside

    cfg = settings()
    if (aside := _aside(cfg, run_id, row)) is not None:
        _done(refuse_aside(cfg, run_id, aside, user_name(user), reason))
    else:
        _done(refuse_by_hand(cfg, run_id, _item_id(cfg, run_id, row), user_name(user), reason))


@cases_app.command("retry")
@handles_errors
def cases_retry(run_id: RunArg, user: UserOpt = None) -> None:
    """重试运行中因系统故障失败的行。Retry the run's rows that failed on system errors."""
    from rpa.casework.actions import retry_failures

    _done(retry_failures(settings(), run_id, user_name(user)))


def _done(action: CaseAction) -> None:
    """Says what was done, and resumes the run when that files rows or changes its outputs."""
    from rpa.casework.resume import is_live, left_to_workers

    rows = "、".join(str(n) for n in action.rows)
    typer.echo(f"运行 {action.run_id}：{action.user} 已办理第 {rows} 行，已记入审计链")
    if not action.resume:  # a mark waiting for a checker, or refused: nothing to file or write
        raise typer.Exit(0)
    if is_live(settings(), action.run_id):
        typer.echo(f"运行 {action.run_id} 仍在进行：由它继续办理")
        return
    if left_to_workers(settings(), action.run_id):
        typer.echo(f"运行 {action.run_id} 的事项由 rpa worker 办理（--enqueue-only）：此处不续跑，"
                   "结果在该运行续跑或结束时写出")
        raise typer.Exit(0)
    outcome = run_with_progress("", {}, workers=None, resume=action.run_id, trigger=f"cases:{action.user}")
    raise typer.Exit(outcome.exit_code)
