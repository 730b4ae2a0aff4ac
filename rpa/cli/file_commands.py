"""CLI commands that read one file without touching any portal: `rpa validate account-filing`
(every row's problems) and `rpa extract` (one report's figures with their provenance)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rpa.cli.bot_commands import ABSENT_HELP, SHEET_HELP
from rpa.cli.common import app, command_group, date_option, handles_errors, settings

validate_app = command_group(
    help="校验输入文件，不访问任何门户。\n\nValidate an input file without touching any portal.",
    no_args_is_help=True,
)
app.add_typer(validate_app, name="validate")


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
    from flows.account_filing.validate import validate_export

    as_of = date_option("--today", today) if today else None
    report = validate_export(  # a report: outcomes need neither records nor cell texts
        file, settings(), today=as_of, sheet=sheet, absent_columns=absent_columns or (), keep_records=False)
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
    from flows.report_extraction.consolidate import CHECK_NAMES
    from flows.report_extraction.extract import extract_file
    from flows.report_extraction.numbers import is_money
    from flows.report_extraction.specs import load_spec

    cfg = settings()
    if report_date is not None:  # 20261130 as 2026-11-30 (ISO's basic form)
        report_date = date_option("--date", report_date).isoformat()
    loaded = load_spec(spec, cfg.config_dir / "specs")
    result = extract_file(file, loaded, report_date=report_date, branch=branch)
    if as_json:  # an undated report is not ok, as the exit code says (tester AJ)
        shown = {**result.to_json(), **({"ok": False} if result.report_date is None else {})}
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
    elif explain:
        _print_explained(result)
    else:
        of_branch = f"，机构 {result.branch}" if result.branch else ""
        typer.echo(f"报表日期 {result.report_date or '未印'}{of_branch}")
        for figure in result.figures:
            where = figure.provenance
            place = where.cell or (f"第{where.page}页" if where.page else "")
            typer.echo(
                f"{figure.branch or '-':<8} {figure.metric:<12} {figure.column:<6} {figure.value_yuan:>20} "
                f"{'元' if is_money(figure.unit) else figure.unit}"
                f"  ({where.sheet or ''}{'!' if where.sheet else ''}{place})"
                + ("  单位假定" if figure.unit_assumed else "")
            )
        for check in result.checks:
            name = CHECK_NAMES.get(check.name, check.name)
            typer.echo(f"{name}：{'通过' if check.ok else '不通过'} {check.message}")
    failed = [c for c in result.checks if not c.ok]
    if as_json:  # stdout is for the JSON: each failed check is one line on stderr
        for check in failed:
            typer.echo(f"{CHECK_NAMES.get(check.name, check.name)}：不通过 {check.message}", err=True)
    undated = result.report_date is None  # a report must print its day: figures of no known day
    if undated:
        period, which = ("月份", "个月") if loaded.period == "month" else ("日期", "一天")
        typer.echo(f"注意：{file.name}：报表上没有印报表{period}，读出的数字不知是哪{which}的；"
                   "请核对文件（加 --date 时这样的报表会被拒收）", err=True)
    raise typer.Exit(1 if failed or undated else 0)


def _print_explained(result: Any) -> None:
    """Every figure with its provenance, as a table a clerk checks against the paper."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from flows.report_extraction.consolidate import CHECK_NAMES

    console = Console()
    branch = f"  机构 {result.branch}" if result.branch else ""
    console.print(f"文件 {escape(result.file)}（规格 {escape(result.spec)}）"  # one line, piped or not
                  f"报表日期 {result.report_date or '未印'}{branch}", soft_wrap=True)
    headers = ("机构", "指标", "栏目", "位置", "原文", "单位", "单位出处", "倍数", "折合（元/户）",
               "机构出处")
    table = Table(*headers)
    rows = []
    for f in result.figures:
        where = f.provenance
        place = f"{where.sheet}!{where.cell}" if where.sheet else (
            f"第{where.page}页 {where.bbox}" if where.page else where.file)
        source = f"[yellow]{escape(f.unit_source)}[/]" if f.unit_assumed else escape(f.unit_source)
        rows.append((escape(f.branch or "-"), escape(f.metric), escape(f.column), escape(place),
                     escape(f.raw), f.unit, source, str(f.multiplier), str(f.value_yuan),
                     escape(f.branch_source or "-")))
        table.add_row(*rows[-1])
    if console.measure(table, options=console.options.update_width(10_000)).maximum <= console.width:
        console.print(table)
    else:  # a table cut to the terminal's width (…) cannot be checked against the paper
        for number, row in enumerate(rows, 1):
            console.print(f"{number}. " + "  ".join(f"{h}：{v}" for h, v in zip(headers, row, strict=True)),
                          soft_wrap=True)
    assumed = len(result.units_assumed)
    if assumed:
        console.print(f"[yellow]单位假定：{assumed} 个数字的单位报表未注明，按规格默认换算[/]")
    for note in result.notes:
        console.print(f"说明：{escape(note)}")
    for check in result.checks:
        verdict = "通过" if check.ok else "[red]不通过[/]"
        console.print(f"{escape(CHECK_NAMES.get(check.name, check.name))}：{verdict} {escape(check.message)}")
