"""CLI commands for the bots: `rpa run <flow>`, `rpa validate account-filing` and `rpa extract`;
`rpa portal probe` is in rpa.cli.portal_commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rpa.cli.common import (
    app,
    command_group,
    date_option,
    handles_errors,
    run_app,
    run_with_progress,
    settings,
)

validate_app = command_group(
    help="校验输入文件，不访问任何门户。\n\nValidate an input file without touching any portal.",
    no_args_is_help=True,
)
app.add_typer(validate_app, name="validate")
SHEET_HELP = "Sheet name (default: the active sheet, else the first visible one with a header)."
ABSENT_HELP = (
    "The export has no such column (e.g. 注册资金): 开户 rows file it blank. Only for fields an 开户 "
    "may leave blank; recorded in the audit chain. Repeat for several."
)

APPROVAL_HELP = (
    "须复核（双人复核）: stop each row to be filed after its look-up until a checker who is not the "
    "maker approves it (rpa approvals list / approve / reject)."
)

MAKER_HELP = "Who starts the run, the maker (default: the OS user); recorded in run.json and the audit chain."


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
) -> None:
    """把导出文件中每个有效行报送到 AMS（人民银行账户管理系统），每行至多一次。

    File every valid row of the export into AMS, at most once each."""
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
    outcome = run_with_progress("account-filing", params, workers=workers, resume=resume)
    if approval and outcome.exit_code == 1:  # rows held as 待复核 among the rest
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
    flow_params = _export_params(input_file, resume)
    if sheet:
        flow_params["sheet"] = sheet
    outcome = run_with_progress(
        "enterprise-check", {"flow_params": flow_params}, workers=workers, resume=resume
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
) -> None:
    """下载某日（或几日）的报表，提取、核对并写入 consolidated.xlsx。

    Download the reports of a date (or several), extract, reconcile and write consolidated.xlsx
    (one consolidated_YYYY-MM-DD.xlsx per date when several)."""
    from rpa.errors import UsageError

    flow_params: dict[str, Any] = {}
    if report_dates:
        for report_date in report_dates:
            date_option("--date", report_date)
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
        "report-extraction", {"flow_params": flow_params}, workers=workers, resume=resume
    )
    raise typer.Exit(outcome.exit_code)


@validate_app.command("account-filing")
@handles_errors
def validate_account_filing(
    file: Path,
    as_json: Annotated[bool, typer.Option("--json", help="File's columns, then each row.")] = False,
    sheet: Annotated[str | None, typer.Option(help=SHEET_HELP)] = None,
    today: Annotated[str | None, typer.Option(help="Judge deadlines as of this date (YYYY-MM-DD).")] = None,
    absent_columns: Annotated[list[str] | None, typer.Option("--absent-column", help=ABSENT_HELP)] = None,
) -> None:
    """列出每一行的问题（文件、工作表、行、列、原因）；有无效行时退出码为 1。

    Report every row's problems (file, sheet, row, column, reason); exit 1 if any row is invalid."""
    from flows.account_filing.validate import validate_file
    from rpa.run.runs import now_in

    cfg = settings()
    as_of = date_option("--today", today) if today else now_in(cfg).date()
    report = validate_file(
        file,
        config_dir=cfg.config_dir,
        calendar_file=cfg.calendar_file,
        today=as_of,
        sheet=sheet,
        absent_columns=absent_columns or (),
        max_rows=cfg.max_export_rows,
        keep_records=False,  # a report: outcomes need neither records nor cell texts
    )
    if as_json:
        report.write_json(sys.stdout.write)
    else:
        typer.echo(report.render_text())
    raise typer.Exit(report.exit_code)


@app.command("extract")
@handles_errors
def extract(
    file: Path,
    spec: Annotated[str, typer.Option(help="Extraction spec name (config/specs/<name>.yaml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Where each figure came from: cell, raw text, unit, multiplier.")
    ] = False,
    report_date: Annotated[
        str | None, typer.Option("--date", help="Report date YYYY-MM-DD: picks that date's sheet.")
    ] = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Branch code: picks its sheet; another branch is refused.")
    ] = None,
) -> None:
    """按规格提取一个报表文件；文件被拒收或有校验不通过时退出码为 1，完全读不了时为 2。

    Extract one report file by its spec; exit 1 when the file is refused or a check fails,
    exit 2 when it cannot be read at all."""
    from flows.report_extraction.extract import extract_file
    from flows.report_extraction.specs import load_spec

    cfg = settings()
    if report_date is not None:
        date_option("--date", report_date)
    loaded = load_spec(spec, cfg.config_dir / "specs")
    result = extract_file(file, loaded, report_date=report_date, branch=branch)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=str))
    elif explain:
        _print_explained(result)
    else:
        for figure in result.figures:
            where = figure.provenance
            place = where.cell or (f"第{where.page}页" if where.page else "")
            typer.echo(
                f"{figure.branch or '-':<8} {figure.metric:<12} {figure.column:<6} {figure.value_yuan:>20} 元"
                f"  ({where.sheet or ''}{'!' if where.sheet else ''}{place})"
                + ("  单位假定" if figure.unit_assumed else "")
            )
        for check in result.checks:
            typer.echo(f"核对 {check.name}：{'通过' if check.ok else '不通过'} {check.message}")
    failed = [c for c in result.checks if not c.ok]
    if as_json:  # stdout is for the JSON: each failed check is one line on stderr
        for check in failed:
            typer.echo(f"核对 {check.name}：不通过 {check.message}", err=True)
    raise typer.Exit(1 if failed else 0)


def _print_explained(result: Any) -> None:
    """Every figure with its provenance, as a table a clerk checks against the paper."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    branch = f"  机构 {result.branch}" if result.branch else ""
    console.print(f"文件 {escape(result.file)}（规格 {escape(result.spec)}）"
                  f"报表日期 {result.report_date or '未印'}{branch}")
    table = Table("机构", "指标", "栏目", "位置", "原文", "单位", "单位出处", "倍数", "折合（元/户）",
                  "机构出处")
    for f in result.figures:
        where = f.provenance
        place = f"{where.sheet}!{where.cell}" if where.sheet else (
            f"第{where.page}页 {where.bbox}" if where.page else where.file)
        source = f"[yellow]{escape(f.unit_source)}[/]" if f.unit_assumed else escape(f.unit_source)
        table.add_row(escape(f.branch or "-"), escape(f.metric), escape(f.column), escape(place),
                      escape(f.raw), f.unit, source, str(f.multiplier), str(f.value_yuan),
                      escape(f.branch_source or "-"))
    console.print(table)
    assumed = len(result.units_assumed)
    if assumed:
        console.print(f"[yellow]单位假定：{assumed} 个数字的单位报表未注明，按规格默认换算[/]")
    for note in result.notes:
        console.print(f"说明：{escape(note)}")
    for check in result.checks:
        verdict = "通过" if check.ok else "[red]不通过[/]"
        console.print(f"核对 {escape(check.name)}：{verdict} {escape(check.message)}")
