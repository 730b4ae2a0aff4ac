"""Checks on extracted figures: totals within one file, branch files against the summary (the
checks against the period before are `period_checks`). Tolerances follow the unit shown: a
figure printed to 0.01 万元 may be 50 元 off the truth, so n rounded rows may miss their rounded
total by 50 元 × (n + 1).
Counts (户, 个) are not rounded: their rows add up to their total exactly.
Messages are in Chinese (the 校验 sheet and the run report show them to clerks), each naming
the file, the figure and the place where it was read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flows.report_extraction.models import CheckResult, Extraction, Figure
from flows.report_extraction.numbers import UNIT_FACTORS, places_of, rounding_tolerance
from flows.report_extraction.specs import ExtractionSpec

TOTAL = "合计"


def amount_words(value: Decimal, unit: str) -> str:
    """`868189300.00 元` for money, `49 户` for counts."""
    return f"{value} {unit if UNIT_FACTORS[unit] == 1 and unit != '元' else '元'}"


def finest_places(figures: Sequence[Figure]) -> dict[str, int]:
    """The most decimal places printed in each unit among `figures`. A whole `4000` in a cell
    with no number format, beside figures printed to 0.01 万元, is not rounded to a whole 万元:
    its rounding is its neighbours', whatever its cell's format."""
    places: dict[str, int] = {}
    for figure in figures:
        places[figure.unit] = max(places.get(figure.unit, 0), places_of(figure.raw))
    return places


def _tolerance(parts: Sequence[Figure], total: Figure, fixed: Decimal | None) -> Decimal:
    if fixed is not None:
        return fixed
    finest = finest_places([*parts, total])
    return sum((rounding_tolerance(f.unit, finest[f.unit]) for f in [*parts, total]), Decimal(0))


def _compare(name: str, label: str, parts: list[Figure], total: Figure, fixed: Decimal | None) -> CheckResult:
    if not parts and total.value_yuan:  # nothing to add: not a sum of 0 元 against the total
        return CheckResult(
            name, False,
            f"{label}：{total.provenance.describe()} 有 {total.raw} {total.unit}，但表中没有一行有该项的数字"
            "（各行都是空的），无法核对；请向报送机构核实各行的数字",
            [total.provenance])
    added = sum((f.value_yuan for f in parts), Decimal(0))
    difference = total.value_yuan - added
    tolerance = _tolerance(parts, total, fixed)
    if abs(difference) <= tolerance:
        return CheckResult(name, True,
                           f"{label}：{len(parts)} 行相加为 {amount_words(added, total.unit)}，与之一致")
    return CheckResult(
        name, False,
        f"{label}：各行相加为 {amount_words(added, total.unit)}，但 {total.provenance.describe()} 显示 "
        f"{total.raw} {total.unit}；相差 {amount_words(abs(difference), total.unit)}"
        f"（合计比各行之和{'多' if difference > 0 else '少'}），"
        f"超过容差 {amount_words(tolerance, total.unit)}",
        [total.provenance, *(f.provenance for f in parts)])


def totals_checks(figures: list[Figure], spec: ExtractionSpec, file: str) -> list[CheckResult]:
    """Rows against their totals row (合计) and, where the report has them, subtotal rows (小计)."""
    fixed = spec.checks.tolerance_yuan
    results: list[CheckResult] = []
    by_key = {(f.branch, f.metric, f.column): f for f in figures}
    branches = [b for b in dict.fromkeys(f.branch for f in figures) if b != TOTAL]
    if any(f.branch == TOTAL for f in figures):
        for (branch, metric, column), total in by_key.items():
            if branch != TOTAL:
                continue
            parts = [by_key[(b, metric, column)] for b in branches if (b, metric, column) in by_key]
            results.append(_compare("totals", f"{TOTAL} {metric} {column}", parts, total, fixed))
        results += _unprinted_totals(figures, by_key, file)
    if spec.subtotal_label:
        subtotal = spec.subtotal_label
        for (branch, metric, column), total in by_key.items():
            if metric != subtotal:
                continue
            parts = [f for f in figures if f.branch == branch and f.column == column and f.metric != subtotal]
            results.append(_compare("subtotals", f"{branch} {subtotal} {column}", parts, total, fixed))
    failed = [r for r in results if not r.ok]
    if failed:
        return failed
    if results:
        return [CheckResult("totals", True, f"{file}：{len(results)} 项合计与各行之和一致")]
    return []


def _unprinted_totals(figures: list[Figure], by_key: dict[tuple[str | None, str, str], Figure],
                      file: str) -> list[CheckResult]:
    """A figure the rows have and the 合计 row does not print (`-`, blank): tester BF F15 (2026-12-07)
    saw 合计核对 pass on fewer items and the consolidated 合计 left empty, exit 0."""
    missing = dict.fromkeys((f.metric, f.column) for f in figures
                            if f.branch != TOTAL and (TOTAL, f.metric, f.column) not in by_key)
    return [CheckResult("totals", False, f"{file}：{TOTAL}行没有 {metric} {column} 的数字（报表为空或"
                        "「-」），各行之和无从核对，全辖合计缺此项：请向报送机构核实后重跑")
            for metric, column in missing]


@dataclass(frozen=True)
class SummaryPair:
    """One figure of a branch file beside the same branch's figure in the summary: `theirs`
    None when the summary has no row for the branch (or, `empty`, prints none in it), `ours` None
    when only the summary has the figure. `difference` is the summary's value less the branch
    file's, in 元 (counts: the count)."""

    branch: str | None
    metric: str
    column: str
    ours: Figure | None
    theirs: Figure | None
    tolerance: Decimal
    empty: bool = False

    @property
    def difference(self) -> Decimal | None:
        if self.ours is None or self.theirs is None:
            return None
        return self.theirs.value_yuan - self.ours.value_yuan

    @property
    def ok(self) -> bool:
        """Both figures there and no further apart than the tolerance."""
        difference = self.difference
        return difference is not None and abs(difference) <= self.tolerance


def pair_with_summary(branch_extractions: Sequence[Extraction], summary: Extraction, *,
                      tolerance_yuan: Decimal | None = None) -> list[SummaryPair]:
    """Every figure of the branch files that the summary also shows, paired with it, in the files'
    order; then the summary's figures of a branch that its file lacks; a branch the summary has
    no row for pairs each of its figures with None. `tolerance_yuan` None follows the units
    shown: the coarser rounding of the two figures (50 元 when either shows 0.01 万元), a figure
    printed with fewer places than the summary's column taken at the column's precision."""
    summary_figures = {(f.branch, f.metric, f.column): f for f in summary.figures}
    column_places = {(metric, column): finest_places([f for f in summary.figures
                                                      if (f.metric, f.column) == (metric, column)])
                     for _, metric, column in summary_figures}
    summary_branches = {f.branch for f in summary.figures} - {TOTAL}
    pairs: list[SummaryPair] = []
    for extraction in branch_extractions:
        branch = extraction.branch
        if branch not in summary_branches:
            pairs += [SummaryPair(branch, f.metric, f.column, f, None, tolerance_yuan or Decimal(0))
                      for f in extraction.figures]
            continue
        for figure in extraction.figures:
            theirs = summary_figures.get((branch, figure.metric, figure.column))
            if theirs is None and (figure.metric, figure.column) in column_places:  # `-` in its row
                pairs.append(SummaryPair(branch, figure.metric, figure.column, figure, None, Decimal(0),
                                         empty=True))
            if theirs is None:  # (tester BG F8, 2026-12-07: compared 17 of 18 and passed)
                continue
            shown = column_places[(figure.metric, figure.column)]  # the summary column's precision
            tolerance = tolerance_yuan if tolerance_yuan is not None else max(
                rounding_tolerance(f.unit, max(places_of(f.raw), shown.get(f.unit, 0)))
                for f in (figure, theirs))
            pairs.append(SummaryPair(branch, figure.metric, figure.column, figure, theirs, tolerance))
        own = {(f.metric, f.column) for f in extraction.figures}
        for (key_branch, metric, column), theirs in summary_figures.items():
            if key_branch == branch and (metric, column) not in own:
                pairs.append(SummaryPair(branch, metric, column, None, theirs, tolerance_yuan or Decimal(0)))
    return pairs


def reconcile(branch_extractions: Sequence[Extraction], summary: Extraction, *,
              tolerance_yuan: Decimal | None = None) -> list[CheckResult]:
    """Each branch file's figures against the same branch's row of the summary; a mismatch names
    both files and both places. Branch files without a summary row fail too.

    `tolerance_yuan` None follows the units shown: the coarser rounding of the two figures
    (50 元 when either shows 0.01 万元)."""
    pairs = pair_with_summary(branch_extractions, summary, tolerance_yuan=tolerance_yuan)
    summary_branches = {f.branch for f in summary.figures} - {TOTAL}
    results: list[CheckResult] = []
    compared = 0
    for extraction in branch_extractions:
        branch = extraction.branch
        if branch not in summary_branches:
            results.append(CheckResult(
                "reconcile", False,
                f"{extraction.file}：网点 {branch} 在汇总表 {summary.file} 中没有对应行"))
            continue
        for pair in (p for p in pairs if p.branch == branch):
            figure, theirs = pair.ours, pair.theirs
            if figure is None and theirs is not None:
                results.append(CheckResult(
                    "reconcile", False,
                    f"{summary.file} 有网点 {branch} 的 {pair.metric} {pair.column}，{extraction.file} 没有"))
                continue
            if theirs is None:
                results.append(CheckResult(
                    "reconcile", False, f"{extraction.file} 有网点 {branch} 的 {pair.metric} {pair.column}，"
                    f"{summary.file} 的该网点行没有（为空或「-」）：无从核对，全辖合计也可能缺此项"))
                continue
            assert figure is not None and theirs is not None
            compared += 1
            if not pair.ok:
                difference = figure.value_yuan - theirs.value_yuan
                results.append(CheckResult(
                    "reconcile", False,
                    f"{figure.metric} {figure.column}（网点 {branch}）：{extraction.file} 为 "
                    f"{amount_words(figure.value_yuan, figure.unit)}（{figure.raw} {figure.unit}），"
                    f"{summary.file} 为 {amount_words(theirs.value_yuan, theirs.unit)}"
                    f"（{theirs.raw} {theirs.unit}）；"
                    f"相差 {amount_words(abs(difference), figure.unit)}"
                    f"（汇总比网点文件{'少' if difference > 0 else '多'}），"
                    f"超过容差 {amount_words(pair.tolerance, figure.unit)}",
                    [figure.provenance, theirs.provenance]))
    by = "，容差按所示单位" if tolerance_yuan is None else f"，容差 {tolerance_yuan} 元"
    if not any(not r.ok for r in results):
        results.append(CheckResult("reconcile", True,
                                   f"{len(branch_extractions)} 个网点文件与 {summary.file} 一致"
                                   f"（比较 {compared} 项{by}）"))
    return results
