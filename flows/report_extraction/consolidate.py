"""consolidated.xlsx: the run's figures, its checks and the branch scorecard with a bar chart.

    write_consolidated(run_folder / "consolidated.xlsx", collected, card,
                       branches=["110101", ...], names={"110101": "东城支行"}, metrics=[...])

Sheets: 数据 (branch × metric, money in 元, counts in their own unit), 校验 (every check with
its result and where it looked, then every refused file and why, then each file's reading notes:
a hidden row passed over, a row or column not used, a unit assumed), 评分 (rank, total, the
indicators' scores and values, the weights, a bar chart of the totals). An incomplete picture
(`card.incomplete`) gets a first sheet 不完整 saying why, and its 评分 says so at the top and
ranks nothing. The workbook is a record: written owner-only (0600), whole or not at all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.report_extraction.collect import Collected
from flows.report_extraction.scorecard import Scorecard
from rpa.atomic import atomic_write

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
SCORE_FORMAT = "0.00"
# flows.report_extraction.extract notes every blank row and footnote it passes: no line here
ROUTINE_NOTES = ("略过的空行", "略过的注释行")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
_TITLE_FONT = Font(bold=True, size=13)
_THIN = Side(style="thin", color="9BA8B8")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_consolidated(
    path: Path, collected: Collected, card: Scorecard, *, branches: Sequence[str], names: dict[str, str],
    metrics: Sequence[str],
) -> Path:
    """Write the workbook to `path` (0600) and return the path."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    if card.incomplete:
        first.title = INCOMPLETE
        _incomplete_sheet(first, collected, card)
        data = workbook.create_sheet("数据")
    else:
        data = first
        data.title = "数据"
    _data_sheet(data, collected, branches, names, metrics)
    _checks_sheet(workbook.create_sheet("校验"), collected)
    _scorecard_sheet(workbook.create_sheet("评分"), collected, card)
    workbook.properties.title = f"报表数据汇总 {collected.report_date}"
    buffer = io.BytesIO()  # zipped in memory: a disk that refuses the file leaves no zip half-closed
    workbook.save(buffer)
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return path


INCOMPLETE = "不完整"
CHECK_NAMES = {
    "totals": "合计核对", "subtotals": "小计核对", "reconcile": "网点与汇总核对",
    "formats_agree": "两种格式一致", "day_over_day": "日变动", "change_column": "较上日核对",
    "month_change": "较上月核对",
    "fetch": "下载", "refused": "拒收文件", "file_identity": "文件身份",
}


def _incomplete_sheet(sheet: Worksheet, collected: Collected, card: Scorecard) -> None:
    _title(sheet, f"{INCOMPLETE}：{collected.report_date} 的数据不是全貌，评分未排名", 2)
    _header(sheet, ["序号", "原因"])
    for number, why in enumerate(card.incomplete, 1):
        _row(sheet, [number, why], [])
    _row(sheet, ["—", "明细见“校验”表；未下载的文件用 rpa run report-extraction --resume <运行编号> "
                "续跑再取，平台改正了的拒收文件用 rpa runs retry <运行编号> 重新下载，"
                "即可得到完整的汇总与评分（运行编号即本文件所在文件夹的名字）"], [])
    _widths(sheet, [6, 90])


def _unit_label(unit: str) -> str:
    return f"（{unit}）"


def _number_format(unit: str) -> str:
    return MONEY_FORMAT if unit == "元" else COUNT_FORMAT


def _data_sheet(sheet: Worksheet, collected: Collected, branches: Sequence[str], names: dict[str, str],
                metrics: Sequence[str]) -> None:
    units = [collected.units[metric] for metric in metrics]
    headers = ["机构代码", "机构名称", *(m + _unit_label(u) for m, u in zip(metrics, units, strict=True))]
    monthly = bool(collected.monthly_fee)
    if monthly:
        headers.append("中间业务收入月报·本月小计（元）")
    headers.append("说明")
    _title(sheet, f"网点经营数据 {collected.report_date}（金额单位：元）", len(headers))
    _header(sheet, headers)
    formats = [*map(_number_format, units), *([MONEY_FORMAT] if monthly else [])]
    for branch in branches:
        own = collected.branch_figures.get(branch, {})
        values: list[Any] = [own.get(metric) for metric in metrics]
        if monthly:
            values.append(collected.monthly_fee.get(branch))
        note = collected.branch_reasons.get(branch, "" if own else "无数据")
        apart = {p.metric for pairs in collected.pairs.values() for p in pairs
                 if p.branch == branch and not p.ok}
        disputed = [metric for metric in metrics if metric in apart]
        if disputed and own:  # the bank copies this sheet on: a figure in dispute says so here
            disputes = f"{'、'.join(disputed)}与分行汇总日报对不上（数不同或一方没有），见校验表"
            note = "；".join(part for part in (note, disputes) if part)
        _row(sheet, [branch, names.get(branch, ""), *values, note], formats, first_number=3)
    if collected.totals:
        totals: list[Any] = [collected.totals.get(metric) for metric in metrics]
        if monthly:
            totals.append(collected.monthly_fee.get("合计"))
        left_out = len(set(names) - set(branches))  # a --branches run lists some branches only
        source = ("全辖合计，取自分行汇总日报" + (f"（含本表未列的 {left_out} 个机构，不是上列各行之和）"
                  if left_out else "") + ("；月报本月小计取自中间业务收入月报" if monthly else ""))
        _row(sheet, ["合计", "分行汇总日报", *totals, source], formats, first_number=3)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "C3"
    _widths(sheet, [10, 12, *([18] * (len(headers) - 3)), 40])


def _checks_sheet(sheet: Worksheet, collected: Collected) -> None:
    failed = collected.failed_checks
    title = (f"校验结果 {collected.report_date}：共 {len(collected.checks)} 项，未通过 {len(failed)} 项，"
             f"拒收文件 {len(collected.refused)} 个")
    _title(sheet, title, 5)
    _header(sheet, ["序号", "校验", "结果", "说明", "出处"])
    if failed:
        _row(sheet, ["—", "未通过", f"{len(failed)} 项", "未通过的校验列在前面", ""], [])
    else:
        count = len(collected.checks)
        _row(sheet, ["—", "全部通过", f"{count} 项", f"{count} 项校验全部通过", ""], [])
    ordered = [*failed, *(c for c in collected.checks if c.ok)]
    for number, check in enumerate(ordered, 1):
        where = "；".join(p.describe() for p in check.provenance)
        _row(sheet, [number, CHECK_NAMES.get(check.name, check.name), "通过" if check.ok else "不通过",
                     check.message, where], [])
    if collected.refused:
        at = sheet.max_row + 2
        sheet.cell(at, 1, "拒收文件").font = Font(bold=True)
        _row(sheet, ["序号", "文件", "原因"], [], at=at + 1)
        for number, (file, why) in enumerate(collected.refused, 1):
            _row(sheet, [number, file, why], [])
    _reading_notes(sheet, collected)
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    _widths(sheet, [6, 16, 10, 90, 60])


def _reading_notes(sheet: Worksheet, collected: Collected) -> None:
    """What each file held that was read but is not a figure (a hidden row passed over, a row or
    column not used, a unit assumed), for a clerk to look at; blank rows and footnotes are not."""
    notes = [(extraction.file, note) for extraction in collected.extractions.values()
             for note in extraction.notes if not note.startswith(ROUTINE_NOTES)]
    if not notes:
        return
    at = sheet.max_row + 2
    sheet.cell(at, 1, "读取说明（读到但未取数的内容，请核对）").font = Font(bold=True)
    _row(sheet, ["序号", "文件", "说明"], [], at=at + 1)
    for number, (file, note) in enumerate(notes, 1):
        _row(sheet, [number, file, note], [])


def _scorecard_sheet(sheet: Worksheet, collected: Collected, card: Scorecard) -> None:
    indicators = card.config.indicators
    units = [collected.units[i.metrics[0]] for i in indicators]
    headers = ["排名", "机构代码", "机构名称", "总分", *(f"{i.name}得分" for i in indicators),
               *(i.name + _unit_label(u) for i, u in zip(indicators, units, strict=True)), "说明"]
    title = f"网点竞争力评分 {collected.report_date}（各指标按最小-最大法折算为0-100分后加权求和）"
    if card.incomplete:  # said first, where the eye lands
        title = f"{INCOMPLETE}：{'；'.join(card.incomplete)}。本期不排名。"
    _title(sheet, title, len(headers))
    _header(sheet, headers)
    formats = [SCORE_FORMAT] * (1 + len(indicators)) + [_number_format(u) for u in units]
    for score in card.ranked:
        _row(sheet, [score.rank, score.branch, score.name, score.total,
                     *(score.scores[i.name] for i in indicators), *(score.values[i.name] for i in indicators),
                     ""], formats, first_number=4)
    for left_out in card.unranked:
        blanks = [None] * (1 + 2 * len(indicators))
        values = ["未排名", left_out.branch, left_out.name, *blanks, left_out.reason]
        _row(sheet, values, formats, first_number=4)
    last_row = sheet.max_row
    weights_at = last_row + 2
    sheet.cell(weights_at, 1, "指标权重").font = Font(bold=True)
    for offset, indicator in enumerate(indicators, 1):
        _row(sheet, [indicator.name, "+".join(indicator.metrics), float(indicator.weight)], [],
             at=weights_at + offset)
    sheet.cell(weights_at + len(indicators) + 1, 1,
               f"同分时按{card.config.tie_breaker}由高到低、再按机构代码排序；取数口径：{card.config.column}")
    sheet.freeze_panes = "D3"
    _widths(sheet, [8, 10, 12, 10, *([10] * len(indicators)), *([18] * len(indicators)), 50])
    if card.ranked:
        _chart(sheet, len(card.ranked), anchor_column=len(headers) + 2)


def _chart(sheet: Worksheet, ranked: int, *, anchor_column: int) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.title = "网点竞争力总分"
    chart.y_axis.title = "总分"
    chart.x_axis.title = "网点"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.add_data(Reference(sheet, min_col=4, min_row=2, max_row=2 + ranked), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=3, min_row=3, max_row=2 + ranked))
    chart.legend = None
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, f"{get_column_letter(anchor_column)}2")


def _title(sheet: Worksheet, text: str, span: int) -> None:
    sheet.cell(1, 1, text).font = _TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, span))


def _header(sheet: Worksheet, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, 1):
        cell = sheet.cell(2, column, text)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[2].height = 32


def _row(sheet: Worksheet, values: Sequence[Any], formats: Sequence[str], *, first_number: int = 1,
         at: int | None = None) -> None:
    row = at if at is not None else sheet.max_row + 1
    for column, value in enumerate(values, 1):
        cell = sheet.cell(row, column, value)
        cell.border = _BORDER
        index = column - first_number
        if 0 <= index < len(formats) and value is not None and not isinstance(value, str):
            cell.number_format = formats[index]


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
