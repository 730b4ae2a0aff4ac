"""CLI commands for the two bots: run, validate, extract, probe."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from rpa.cli import app, handles_errors, run_app, run_with_progress, settings

validate_app = typer.Typer(help="Validate an input file without touching any portal.", no_args_is_help=True)
portal_app = typer.Typer(help="Check a real (or mock) portal before a run.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")
app.add_typer(portal_app, name="portal")
SHEET_HELP = "Sheet name (default: the active sheet, else the first visible one with a header)."
ABSENT_HELP = (
    "The export has no such column (e.g. 注册资金): 开户 rows file it blank. Only for fields an 开户 "
    "may leave blank; recorded in the audit chain. Repeat for several."
)


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
) -> None:
    """File every valid row of the export into AMS, at most once each."""
    from rpa.errors import UsageError

    flow_params: dict[str, Any] = {}
    if input_file is not None:
        flow_params["input"] = str(input_file.resolve())
    elif not resume:
        raise UsageError("--input FILE is required (or --resume RUN)")
    if dry_run:
        flow_params["dry_run"] = True
    if sheet:
        flow_params["sheet"] = sheet
    if absent_columns:
        flow_params["absent_columns"] = absent_columns
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
            date.fromisoformat(report_date)
        flow_params["date"] = report_dates[0] if len(report_dates) == 1 else report_dates
    elif not resume:
        raise UsageError("--date YYYY-MM-DD is required (or --resume RUN)")
    if branches:
        flow_params["branches"] = branches
    if formats:
        flow_params["formats"] = formats
    if specs:
        pairs = [spec.partition("=") for spec in specs]
        if any(not name or not sep for _, sep, name in pairs):
            raise UsageError("--spec takes REPORT_TYPE=SPEC_NAME, e.g. branch_daily=branch_daily")
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
    """Report every row's problems (file, sheet, row, column, reason); exit 1 if any row is invalid."""
    from flows.account_filing.validate import validate_file
    from rpa.runs import now_in

    cfg = settings()
    as_of = date.fromisoformat(today) if today else now_in(cfg).date()
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


_PROBLEM_WORDS = {
    "missing": "缺失",
    "ambiguous": "匹配多个元素",
    "no_section": "所在区域缺失",
    "ambiguous_section": "所在区域匹配多个",
    "not_visited": "未访问",
    "state_only": "未显示",
}


@portal_app.command("probe")
@handles_errors
def portal_probe(
    portal: Annotated[str, typer.Argument(help="ams or report_platform")],
    account: Annotated[
        str | None, typer.Option(help="AMS: an account to look up (its history is read); default: "
                                 "the first one 备案业务清单 lists.")
    ] = None,
) -> None:
    """Log in read-only, visit every page the bot uses, report which selector candidate matched;
    exit 1 listing every element that is missing."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rpa.errors import UsageError

    cfg = settings()
    results: Mapping[str, Mapping[str, str | None]]
    if portal == "ams":
        from flows.account_filing.probe import probe_ams

        results = probe_ams(cfg, account=account)
    elif portal == "report_platform":
        from flows.report_extraction.flow import probe_report_platform

        results = probe_report_platform(cfg)
    else:
        raise UsageError("portal must be ams or report_platform")
    seen = getattr(results, "seen", None)
    table = Table("页面", "元素", "结果", title=f"{portal} 页面探测")
    for page_name, elements in results.items():
        for element, matched in elements.items():
            found = seen[page_name][element] if seen else None
            table.add_row(page_name, element, _probe_cell(found, matched))
    Console(width=160).print(table)
    # elements only shown in states a read-only visit never causes (a refused login, an empty
    # result) are not failures; the probe report says which elements are really missing
    missing = getattr(results, "missing", None)
    if missing is None:
        missing = [f"{p}.{e}" for p, elements in results.items() for e, m in elements.items() if m is None]
    if missing:
        names = [".".join(m) if isinstance(m, tuple) else str(m) for m in missing]
        Console(stderr=True, width=160).print(
            f"[red]探测未通过，{len(names)} 个元素有问题：[/]{escape('、'.join(names))}\n"
            "请按上表修改 selectors/ams.yaml（或 RPA_SELECTORS_DIR 下的副本），再运行本命令。"
        )
    raise typer.Exit(1 if missing else 0)


def _probe_cell(seen: Any, matched: str | None) -> str:
    """One result cell: found by which candidate, or the problem in words."""
    from rich.markup import escape

    if seen is None:
        return escape(matched) if matched else "[yellow]未显示[/]"
    if seen.problem is None:
        by = f"候选 {seen.number}：" if seen.number else ""
        return f"找到（{by}{escape(seen.candidate or '')}）"
    words = _PROBLEM_WORDS.get(seen.problem, seen.problem)
    if seen.problem == "ambiguous":
        words += f"（候选 {seen.number} 匹配 {seen.count} 个）" if seen.number else f"（{seen.count} 个）"
    colour = "yellow" if seen.problem in ("not_visited", "state_only") else "red"
    return f"[{colour}]{words}[/]" + (f"：{escape(seen.why)}" if seen.why else "")
