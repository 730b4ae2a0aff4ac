"""After the workers: the run's extractions gathered, and the checks across files run on them.

    collected = collect(queue.items(run_id), report_date="2026-11-27", formats=["xlsx", "pdf"],
                        specs=specs, column="本日")
    collected.checks            # each file's own, identity, reconciliation, formats, day over day
    collected.branch_figures    # {branch: {metric: value in 元 or a count}} from the branch files

Files that were not extracted (download or extraction failed) become failed checks naming the
file and the reason, so the checks sheet tells the whole story of the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from flows.report_extraction.cache import extraction_from_json
from flows.report_extraction.checks import SummaryPair, pair_with_summary, reconcile
from flows.report_extraction.models import CheckResult, Extraction, Figure, Provenance
from flows.report_extraction.period_checks import check_change_column, check_day_over_day
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.work_items import (
    BRANCH_REPORT,
    CURRENT,
    MONTHLY_REPORT,
    PREVIOUS,
    SUMMARY_REPORT,
    ReportItem,
)
from rpa.queue.work_queue import ItemState, WorkItem

MONEY_UNITS = frozenset({"元", "千元", "万元", "亿元"})
_STATE_WORDS = {"business_error": "拒收", "failed": "下载失败", "held": "需人工处理",
                "pending": "未取得（运行提前停止）", "leased": "未取得（运行提前停止）"}
TOTAL = "合计"


@dataclass
class Collected:
    """What the consolidated workbook is made of."""

    report_date: str
    formats: list[str]
    extractions: dict[ReportItem, Extraction] = field(default_factory=dict)
    misfiled: set[ReportItem] = field(default_factory=set)  # files about another branch or date
    checks: list[CheckResult] = field(default_factory=list)
    branch_figures: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    branch_reasons: dict[str, str] = field(default_factory=dict)  # branch -> why it has no figures
    units: dict[str, str] = field(default_factory=dict)  # metric -> 元 or the count's unit
    required: list[str] = field(default_factory=list)  # the branch report's metrics each branch must give
    totals: dict[str, Decimal] = field(default_factory=dict)  # the summary's 合计 row
    monthly_fee: dict[str, Decimal] = field(default_factory=dict)  # branch or 合计 -> 小计 本月
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why) for files the run refused
    unread: list[ReportItem] = field(default_factory=list)  # items not done: not fetched or refused
    previous_planned: set[str] = field(default_factory=set)  # reports compared with the period before
    # format -> each branch file's figures beside the summary's (the reconciliation, figure by figure)
    pairs: dict[str, list[SummaryPair]] = field(default_factory=dict)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.ok]

    def incomplete(self, branches: Iterable[str]) -> list[str]:
        """Why the figures are not the whole picture (empty when they are): files not fetched or
        refused, failed checks, branches without figures. One short Chinese line each."""
        why: list[str] = []
        if self.refused:
            why.append(f"{len(self.refused)} 个文件被拒收")
        not_fetched = [c for c in self.failed_checks if c.name == "fetch"]
        if not_fetched:
            why.append(f"{len(not_fetched)} 个文件未取得（下载失败或运行提前停止）")
        failed = [c for c in self.failed_checks if c.name not in ("fetch", "refused")]
        if failed:
            why.append(f"{len(failed)} 项校验未通过")
        missing = [b for b in branches if b not in self.branch_figures]
        if missing:
            why.append(f"{len(missing)} 个网点未得到数据（{'、'.join(missing)}）")
        for branch in (b for b in branches if b in self.branch_figures):  # tester BO F2 (2026-12-08):
            lacking = [m for m in self.required if m not in self.branch_figures[branch]]  # a `—` both sides
            if lacking:
                why.append(f"网点 {branch} 的{'、'.join(lacking)}没有数字（报表印为“—”或空白，见读取说明）")
        return why


def collect(
    items: Iterable[WorkItem], *, report_date: str, formats: list[str], specs: dict[str, ExtractionSpec],
    column: str = "本日",
) -> Collected:
    """Gather the items' extractions and run every check across files."""
    result = Collected(report_date, list(formats))
    result.units = declared_units(specs[BRANCH_REPORT], column)
    result.required = [row.name for row in specs[BRANCH_REPORT].rows if row.required]
    for work_item in items:
        item = ReportItem.from_payload(work_item.payload)
        if item.role == PREVIOUS:
            result.previous_planned.add(item.report)
        data = (work_item.result or {}).get("extraction")
        if work_item.state == ItemState.DONE and data:
            extraction = extraction_from_json(data)
            result.extractions[item] = extraction
            result.checks += extraction.checks
            identity = _identity(item, extraction)
            if identity:
                result.checks += identity
                result.misfiled.add(item)
        elif work_item.state != ItemState.DONE:
            result.unread.append(item)
            why = work_item.last_error_message or work_item.state
            refused = work_item.state == ItemState.BUSINESS_ERROR  # the file came but does not fit its spec
            if refused:
                result.refused.append((item.describe(), why))
            state = _STATE_WORDS.get(str(work_item.state), str(work_item.state))
            result.checks.append(CheckResult("refused" if refused else "fetch", False,
                                             f"{item.describe()}：{state}：{why}",
                                             [Provenance(item.describe())]))
            if item.report == BRANCH_REPORT and item.branch and item.fmt == formats[0]:
                result.branch_reasons[item.branch] = f"{item.describe()}: {why}"
    _cross_file_checks(result, specs)
    _month_over_month(result)
    _figures(result, column)
    return result


def declared_units(spec: ExtractionSpec, column: str) -> dict[str, str]:
    """Each metric's unit in the consolidated workbook, from the spec: money in 元, counts in
    their own unit (户, 个); never a default, so an empty workbook's headers are right too."""
    label = next((c for c in spec.columns if c.name == column), None)
    units = {row.name: spec.unit_for(row, label) for row in spec.rows}
    return {metric: "元" if unit in MONEY_UNITS else unit for metric, unit in units.items()}


def _identity(item: ReportItem, extraction: Extraction) -> list[CheckResult]:
    """The file is about the branch and date asked for (a monthly report shows its month)."""
    problems = []
    if item.branch is not None and extraction.branch != item.branch:
        problems.append(f"文件显示的网点是 {extraction.branch}")
    if extraction.report_date is not None and not item.date.startswith(extraction.report_date):
        problems.append(f"文件显示的日期是 {extraction.report_date}")
    if not problems:
        return []
    return [CheckResult("file_identity", False, f"{extraction.file} 是作为 {item.describe()} 下载的，但"
                        + "，".join(problems), [Provenance(extraction.file)])]


def _pick(result: Collected, report: str, fmt: str, role: str = CURRENT) -> dict[str | None, Extraction]:
    return {item.branch: result.extractions[item] for item in result.extractions
            if (item.report, item.fmt, item.role) == (report, fmt, role) and item not in result.misfiled}


def _cross_file_checks(result: Collected, specs: dict[str, ExtractionSpec]) -> None:
    for fmt in result.formats:
        branches = _pick(result, BRANCH_REPORT, fmt)
        summary = _pick(result, SUMMARY_REPORT, fmt).get(None)
        if branches and summary is not None:
            result.checks += reconcile(list(branches.values()), summary)
            result.pairs[fmt] = pair_with_summary(list(branches.values()), summary)
        elif branches:  # refused (its own line says why) or not on the platform (tester AZ's F6)
            refused = any((i.report, i.fmt, i.role) == (SUMMARY_REPORT, fmt, CURRENT) for i in result.unread)
            what = f"{fmt} 格式的分行汇总日报{'未能读出（原因见该文件的校验）' if refused else '平台上没有'}"
            result.checks.append(CheckResult("reconcile", False,
                                             f"{what}，{len(branches)} 个网点文件无从核对"))
    for report in (BRANCH_REPORT, SUMMARY_REPORT, MONTHLY_REPORT):
        by_format = {fmt: _pick(result, report, fmt) for fmt in ("xlsx", "pdf")}
        for branch in set(by_format["xlsx"]) & set(by_format["pdf"]):
            result.checks += _formats_agree(by_format["xlsx"][branch], by_format["pdf"][branch])
    today = _pick(result, SUMMARY_REPORT, result.formats[0]).get(None)
    before = _pick(result, SUMMARY_REPORT, result.formats[0], PREVIOUS).get(None)
    rules = specs[SUMMARY_REPORT].checks
    if today is None or rules.max_change_share is None:
        return
    if before is None:  # tester AZ (2026-12-07): a day republished passed when this read 通过
        result.checks += _not_compared(result, SUMMARY_REPORT, "前一日", "分行汇总日报", CheckResult(
            "day_over_day", False, f"{today.file}：未能比较，{{why}}：日变动和较上日核对无从做起（当日数据"
            "是否已更新无从确认），请确认平台已生成前一日的汇总后重跑"))
        return
    result.checks += check_day_over_day(today, before, max_share=rules.max_change_share,
                                        metrics=rules.day_over_day_metrics,
                                        columns=rules.day_over_day_columns)
    own_files = list(_pick(result, BRANCH_REPORT, result.formats[0]).values())
    result.checks += check_change_column(own_files, before, metrics=rules.day_over_day_metrics)


def _not_compared(result: Collected, report: str, period: str, name: str,
                  failed: CheckResult) -> list[CheckResult]:
    """`failed` (`{why}` in its message replaced by the reason) when the period before's `report`
    (`period` 前一日 or 上月, `name` its title) is not there to compare with: not read (refused,
    or not fetched), not of that period, or not listed; [] for a run that compares no period
    before (day_over_day off). Never a pass in silence."""
    unread = [i for i in result.unread if (i.report, i.role) == (report, PREVIOUS)]
    if unread:
        why = f"{period}的{name}（{unread[0].describe()}）没有读出，原因见该文件的校验"
    elif any((i.report, i.role) == (report, PREVIOUS) for i in result.misfiled):
        why = f"下载的{period}{name}不是{period}的（见该文件的校验）"
    elif report in result.previous_planned:
        why = f"报表平台上没有{period}的{name}"
    else:
        return []
    return [replace(failed, message=failed.message.replace("{why}", why))]


def _month_over_month(result: Collected) -> None:
    """The monthly report's 较上月 against its 本月 less last month's 本月, and (within a year) its
    本月 against its 本年累计 less last month's: tester AZ (2026-12-07) saw last month's report
    relabelled, and one whose unit lines said 万元 over figures in 元, consolidated with exit 0."""
    current = [e for fmt in ("pdf", "xlsx") for e in _pick(result, MONTHLY_REPORT, fmt).values()][:1]
    before = [e for fmt in ("pdf", "xlsx") for e in _pick(result, MONTHLY_REPORT, fmt, PREVIOUS).values()]
    if not current:
        return  # no monthly report this day
    if not before:
        result.checks += _not_compared(result, MONTHLY_REPORT, "上月", "中间业务收入月报", CheckResult(
            "month_change", False, f"{current[0].file}：未能比较，{{why}}：较上月核对无从做起（本月数据和单位"
            "是否无误无从确认），请确认平台已生成上月的月报后重跑"))
        return
    advice = "报表平台可能仍是上月的数据，或单位有误，请确认本月数据已更新后重跑"
    result.checks += check_change_column(current, before[0], change="较上月", base="本月",
                                         name="month_change", before_word="上月", advice=advice)
    if current[0].report_date and before[0].report_date and \
            current[0].report_date[:4] == before[0].report_date[:4]:  # 本年累计 starts again in January
        result.checks += check_change_column(current, before[0], change="本月", base="本年累计",
                                             name="month_change", before_word="上月", advice=advice)


def _formats_agree(xlsx: Extraction, pdf: Extraction) -> list[CheckResult]:
    """The xlsx and the PDF of one report carry the same figures."""
    theirs = {(f.branch, f.metric, f.column): f for f in pdf.figures}
    ours = {(f.branch, f.metric, f.column): f for f in xlsx.figures}
    failed: list[CheckResult] = []
    for key in ours.keys() | theirs.keys():
        mine, other = ours.get(key), theirs.get(key)
        if mine is not None and other is not None and mine.value_yuan == other.value_yuan:
            continue
        branch, metric, column = key
        xlsx_value = mine.value_yuan if mine else "无"
        pdf_value = other.value_yuan if other else "无"
        failed.append(CheckResult(
            "formats_agree", False,
            f"{metric} {column}{f'（网点 {branch}）' if branch else ''}：{xlsx.file} 为 {xlsx_value}，"
            f"{pdf.file} 为 {pdf_value}",
            [f.provenance for f in (mine, other) if f is not None]))
    return failed or [CheckResult("formats_agree", True,
                                  f"{xlsx.file} 与 {pdf.file} 的 {len(ours)} 项数字一致")]


def _figures(result: Collected, column: str) -> None:
    """Branch figures from the first format that has the branch's file, the summary's totals,
    and on a month end each branch's fee income of the month (小计 本月) from the monthly report."""
    for fmt in result.formats:
        for branch, extraction in _pick(result, BRANCH_REPORT, fmt).items():
            if branch is None or branch in result.branch_figures:
                continue
            result.branch_figures[branch] = _values(extraction.figures, column, result.units)
            result.branch_reasons.pop(branch, None)
        summary = _pick(result, SUMMARY_REPORT, fmt).get(None)
        if summary is not None and not result.totals:
            result.totals = _values([f for f in summary.figures if f.branch == TOTAL], column, result.units)
    for fmt in dict.fromkeys([*result.formats, "xlsx", "pdf"]):  # the monthly may come as PDF only
        monthly = _pick(result, MONTHLY_REPORT, fmt).get(None)
        if monthly is not None:
            result.monthly_fee = {f.branch: f.value_yuan for f in monthly.figures
                                  if f.metric == "小计" and f.column == "本月" and f.branch}
            break


def _values(figures: Iterable[Figure], column: str, units: dict[str, str]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for figure in figures:
        if figure.column == column:
            values[figure.metric] = figure.value_yuan
            units.setdefault(figure.metric, "元" if figure.unit in MONEY_UNITS else figure.unit)
    return values
