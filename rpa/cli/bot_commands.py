"""CLI commands for the bots: `rpa run <flow>`; `rpa validate account-filing` and `rpa extract`
(files read without any portal) are in rpa.cli.file_commands, `rpa portal probe` in
rpa.cli.portal_commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rpa.cli.common import (
    date_option,
    handles_errors,
    run_app,
    run_with_progress,
)

SHEET_HELP = ("Sheet name (default: the active sheet, else the first visible one with a header; "
              "refused when another visible sheet has the header and rows too).")
ENQUEUE_ONLY_HELP = "Validate and enqueue, print the run id, work nothing: `rpa worker` on any host works it."
ABSENT_HELP = (
    "The export has no such column (e.g. 注册资金): 开户 rows file it blank. Only for fields an 开户 "
    "may leave blank; recorded in the audit chain. Repeat for several."
)

APPROVAL_HELP = (
    "须复核（双人复核）: stop each row to be filed after its look-up until a checker who is not the "
    "maker approves it (rpa approvals list / approve / reject)."
)

MAKER_HELP = "Who starts the run, the maker (default: the OS user); recorded in run.json and the audit chain."


def _refuse_changes_on_resume(resume: str | None, given: dict[str, object]) -> None:
    """A resume runs with the parameters the run was started with (params.json): an option that
    would change what the run does is refused, never merged in or silently dropped."""
    from rpa.errors import UsageError

    named = [option for option, value in given.items() if value not in (None, False, [], ())]
    if resume and named:
        raise UsageError(f"续跑（--resume {resume}）按该运行原来的参数办理，不能再给 {'、'.join(named)}；"
                         "要办理其他文件、日期或范围，请另起一次运行（不带 --resume）")


def _export_params(input_file: Path | None, resume: str | None) -> dict[str, Any]:
    """The flow's `input` from `--input`, checked before a run exists (a folder, a pipe or a
    broken zip never opens one); none when resuming, and a UsageError when neither is given."""
    from rpa.errors import UsageError
    from rpa.input_files import check_input_path, check_xlsx

    if input_file is None and not resume:
        raise UsageError("缺少 --input：请给出核心系统导出的 .xlsx/.csv 文件（或用 --resume 继续一次运行）")
    if input_file is None:
        return {}
    (check_xlsx if input_file.suffix.lower() in (".xlsx", ".xlsm") else check_input_path)(input_file)
    return {"input": str(input_file.resolve())}


@run_app.command("account-filing")
@handles_errors
def run_account_filing(
    input_file: Annotated[
        Path | None, typer.Option("--input", help="The core-banking export (.xlsx/.csv).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes, one operator each.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and look up; never submit.")] = False,
    sheet: Annotated[str | None, typer.Option(help=SHEET_HELP)] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stopped or killed run by its id.")] = None,
    absent_columns: Annotated[list[str] | None, typer.Option("--absent-column", help=ABSENT_HELP)] = None,
    approval: Annotated[bool, typer.Option("--approval", help=APPROVAL_HELP)] = False,
    maker: Annotated[str | None, typer.Option("--maker", help=MAKER_HELP)] = None,
    enqueue_only: Annotated[bool, typer.Option("--enqueue-only", help=ENQUEUE_ONLY_HELP)] = False,
) -> None:
    """把导出文件中每个有效行报送到 AMS（人民银行账户管理系统），每行至多一次。

    File every valid row of the export into AMS, at most once each."""
    _refuse_changes_on_resume(resume, {"--input": input_file, "--dry-run": dry_run, "--sheet": sheet,
                                       "--absent-column": absent_columns, "--approval": approval,
                                       "--maker": maker})
    flow_params = _export_params(input_file, resume)
    params: dict[str, Any] = {"flow_params": flow_params}
    if approval:
        flow_params["approval"] = True
    if not resume:  # a resume keeps the maker who started the run
        import getpass

        params["maker"] = (maker or getpass.getuser()).strip()
    if dry_run:
        flow_params["dry_run"] = True
    if sheet:
        flow_params["sheet"] = sheet
    if absent_columns:
        flow_params["absent_columns"] = absent_columns
    outcome = run_with_progress(
        "account-filing", params, workers=workers, resume=resume, enqueue_only=enqueue_only
    )
    from rpa.outcomes import awaiting_recorded
    from rpa.run.runs import read_run_json

    if approval and outcome.exit_code == 1 and awaiting_recorded(read_run_json(outcome.folder)):  # 待复核
        typer.echo(f"  须复核：复核人（不能是发起人）用 rpa approvals list 查看待复核的行，"
                   f"rpa approvals approve {outcome.run_id} 批准后即报备")
    raise typer.Exit(outcome.exit_code)


@run_app.command("enterprise-check")
@handles_errors
def run_enterprise_check(
    input_file: Annotated[
        Path | None, typer.Option("--input", help="The core-banking export (.xlsx/.csv).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes, one operator each.")] = None,
    sheet: Annotated[str | None, typer.Option(help=SHEET_HELP)] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stopped or killed run by its id.")] = None,
) -> None:
    """在企业信息联网核查系统中核查导出文件每个开户/变更行的企业登记信息。

    Check every 开户/变更 row's enterprise registration (name, legal representative, status)."""
    _refuse_changes_on_resume(resume, {"--input": input_file, "--sheet": sheet})
    flow_params = _export_params(input_file, resume)
    if sheet:
        flow_params["sheet"] = sheet
    outcome = run_with_progress(
        "enterprise-check", {"flow_params": flow_params}, workers=workers, resume=resume
    )
    raise typer.Exit(outcome.exit_code)


@run_app.command("account-reconciliation")
@handles_errors
def run_account_reconciliation(
    date_from: Annotated[str | None, typer.Option("--from", help="First business date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last business date, YYYY-MM-DD.")] = None,
    input_files: Annotated[
        list[Path] | None, typer.Option("--input", help="An export of the period; repeat for several.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge deadlines as of this date.")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stopped or killed run by its id.")] = None,
) -> None:
    """核对期间内导出文件应报的、本行已报的与 AMS 备案业务清单中的备案。

    Reconcile the period's exports, our filings and AMS's list of filings; reconciliation.xlsx."""
    from rpa.errors import UsageError

    _refuse_changes_on_resume(resume, {"--from": date_from, "--to": date_to, "--input": input_files,
                                       "--as-of": as_of})
    flow_params: dict[str, Any] = {}
    if not resume:
        if not date_from or not date_to:
            raise UsageError("缺少 --from 或 --to：请给出核对期间的起止业务日期 YYYY-MM-DD")
        flow_params = {"date_from": date_option("--from", date_from).isoformat(),
                       "date_to": date_option("--to", date_to).isoformat()}
        if as_of:
            flow_params["as_of"] = date_option("--as-of", as_of).isoformat()
        if input_files:
            flow_params["input"] = [_export_params(path, None)["input"] for path in input_files]
    outcome = run_with_progress(
        "account-reconciliation", {"flow_params": flow_params}, workers=1, resume=resume
    )
    raise typer.Exit(outcome.exit_code)


@run_app.command("report-extraction")
@handles_errors
def run_report_extraction(
    report_dates: Annotated[
        list[str] | None, typer.Option("--date", help="Report date, YYYY-MM-DD; repeat for several.")
    ] = None,
    branches: Annotated[
        list[str] | None, typer.Option("--branches", help="Branch codes (default all).")
    ] = None,
    formats: Annotated[
        list[str] | None, typer.Option("--format", help="xlsx and/or pdf (default xlsx).")
    ] = None,
    specs: Annotated[
        list[str] | None, typer.Option("--spec", help="REPORT_TYPE=SPEC_NAME, to use another spec.")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes, one operator each.")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stopped or killed run by its id.")] = None,
    enqueue_only: Annotated[bool, typer.Option("--enqueue-only", help=ENQUEUE_ONLY_HELP)] = False,
) -> None:
    """下载某日（或几日）的报表，提取、核对并写入 consolidated.xlsx。

    Download the reports of a date (or several), extract, reconcile and write consolidated.xlsx
    (one consolidated_YYYY-MM-DD.xlsx per date when several)."""
    from rpa.errors import UsageError

    # 20261203 reads as 2026-12-03 (ISO's basic form); kept and passed on as YYYY-MM-DD
    report_dates = [date_option("--date", text).isoformat() for text in report_dates or []] or None
    _refuse_changes_on_resume(resume, {"--date": report_dates, "--branches": branches, "--format": formats,
                                       "--spec": specs})
    flow_params: dict[str, Any] = {}
    if report_dates:
        flow_params["date"] = report_dates[0] if len(report_dates) == 1 else report_dates
    elif not resume:
        raise UsageError("缺少 --date：请给出报表日期 YYYY-MM-DD（或用 --resume 继续一次运行）")
    if branches:
        flow_params["branches"] = branches
    if formats:
        flow_params["formats"] = formats
    if specs:
        pairs = [spec.partition("=") for spec in specs]
        if any(not name or not sep for _, sep, name in pairs):
            raise UsageError("--spec 的写法是 报表类型=规则名，例如 branch_daily=branch_daily")
        flow_params["specs"] = {report: name for report, _, name in pairs}
    outcome = run_with_progress(
        "report-extraction", {"flow_params": flow_params}, workers=workers, resume=resume,
        enqueue_only=enqueue_only,
    )
    raise typer.Exit(outcome.exit_code)
