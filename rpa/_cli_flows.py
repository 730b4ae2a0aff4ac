"""CLI commands for the two bots: run, validate, extract, probe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from rpa.cli import app, date_option, handles_errors, run_app, run_with_progress, settings

validate_app = typer.Typer(help="Validate an input file without touching any portal.", no_args_is_help=True)
portal_app = typer.Typer(help="Check a real (or mock) portal before a run.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")
app.add_typer(portal_app, name="portal")


@run_app.command("account-filing")
@handles_errors
def run_account_filing(
    input_file: Annotated[
        Path | None, typer.Option("--input", help="The core-banking export (.xlsx/.csv).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes, one operator each.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and look up; never submit.")] = False,
    sheet: Annotated[str | None, typer.Option(help="Sheet name (default: the first sheet).")] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a stopped or killed run by its id.")] = None,
) -> None:
    """File every valid row of the export into AMS, at most once each."""
    from rpa.errors import UsageError

    flow_params: dict[str, Any] = {}
    if input_file is not None:
        from rpa.input_files import check_input_path, check_xlsx

        # before a run exists: a folder, a pipe or a broken zip never opens one
        (check_xlsx if input_file.suffix.lower() in (".xlsx", ".xlsm") else check_input_path)(input_file)
        flow_params["input"] = str(input_file.resolve())
    elif not resume:
        raise UsageError("缺少 --input：请给出核心系统导出的 .xlsx/.csv 文件（或用 --resume 继续一次运行）")
    if dry_run:
        flow_params["dry_run"] = True
    if sheet:
        flow_params["sheet"] = sheet
    outcome = run_with_progress(
        "account-filing", {"flow_params": flow_params}, workers=workers, resume=resume
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
    """Download the reports of a date (or several), extract, reconcile and write consolidated.xlsx
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
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input row.")] = False,
    sheet: Annotated[str | None, typer.Option(help="Sheet name (default: the first sheet).")] = None,
    today: Annotated[str | None, typer.Option(help="Judge deadlines as of this date (YYYY-MM-DD).")] = None,
) -> None:
    """Report every row's problems (file, sheet, row, column, reason); exit 1 if any row is invalid."""
    from flows.account_filing.validate import validate_file
    from rpa.runs import now_in

    cfg = settings()
    as_of = date_option("--today", today) if today else now_in(cfg).date()
    report = validate_file(
        file, config_dir=cfg.config_dir, calendar_file=cfg.calendar_file, today=as_of, sheet=sheet
    )
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.render_text())
    raise typer.Exit(report.exit_code)


@app.command("extract")
@handles_errors
def extract(
    file: Path,
    spec: Annotated[str, typer.Option(help="Extraction spec name (config/specs/<name>.yaml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Extract one report file by its spec; exit 1 when a check fails."""
    from flows.report_extraction.extract import extract_file
    from flows.report_extraction.specs import load_spec

    cfg = settings()
    loaded = load_spec(spec, cfg.config_dir / "specs")
    result = extract_file(file, loaded)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        for figure in result.figures:
            where = figure.provenance
            place = where.cell or (f"p{where.page}" if where.page else "")
            typer.echo(
                f"{figure.branch or '-':<8} {figure.metric:<12} {figure.column:<6} {figure.value_yuan:>20} 元"
                f"  ({where.sheet or ''}{'!' if where.sheet else ''}{place})"
            )
        for check in result.checks:
            typer.echo(f"check {check.name}: {'ok' if check.ok else 'FAILED'} {check.message}")
    raise typer.Exit(0 if all(c.ok for c in result.checks) else 1)


@portal_app.command("probe")
@handles_errors
def portal_probe(portal: Annotated[str, typer.Argument(help="ams or report_platform")]) -> None:
    """Log in read-only, visit every page the bot uses, report which selector candidate matched."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rpa.errors import UsageError

    cfg = settings()
    results: Mapping[str, Mapping[str, str | None]]
    if portal == "ams":
        from flows.account_filing.probe import probe_ams

        results = probe_ams(cfg)
    elif portal == "report_platform":
        from flows.report_extraction.flow import probe_report_platform

        results = probe_report_platform(cfg)
    else:
        raise UsageError("门户只能是 ams 或 report_platform")
    table = Table("page", "element", "matched candidate")
    for page_name, elements in results.items():
        for element, matched in elements.items():
            shown = escape(matched) if matched else "[yellow]not shown[/]"
            table.add_row(escape(page_name), escape(element), shown)
    Console().print(table)
    # elements only shown in states a read-only visit never causes (a refused login, an empty
    # result) are not failures; the probe report says which elements are really missing
    missing = getattr(results, "missing", None)
    if missing is None:
        missing = [f"{p}.{e}" for p, elements in results.items() for e, m in elements.items() if m is None]
    if missing:
        names = [".".join(m) if isinstance(m, tuple) else str(m) for m in missing]
        Console(stderr=True).print(f"[red]no candidate matched:[/] {escape(', '.join(names))}")
    raise typer.Exit(1 if missing else 0)
