"""`rpa run report-extraction --date D [--date D2 ...] [--branches ...] [--spec TYPE=NAME]`.

    execute_run(settings, "report-extraction",
                {"flow_params": {"date": "2026-11-27", "formats": ["xlsx", "pdf"]}}, workers=2)
    execute_run(settings, "report-extraction",             # back-filling missed days in one run
                {"flow_params": {"date": ["2026-11-26", "2026-11-27"]}}, workers=2)

prepare() enqueues one item per report file (work_items.plan_days); each worker logs in to the
report platform with its own operator, downloads into the run folder's `downloads/` and extracts
(extraction results cached by file SHA-256); finish() reconciles the branch files with the
summary, checks day over day and writes consolidated.xlsx with the scorecard. A run of several
dates writes one workbook per date, consolidated_YYYY-MM-DD.xlsx, each what a run for that date
alone would write; the workers start and log in once for them all.

A workbook that is not the whole picture (a file not fetched or refused, a check failed, a
branch without figures) is named consolidated_不完整.xlsx (consolidated_YYYY-MM-DD_不完整.xlsx),
opens on a sheet 不完整 saying why and ranks nothing; a resumed run that completes writes the
whole one and removes it. Every check and refused file is also listed in run.json (`checks`),
which the run report shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bots.report_files import REPORT_FORMATS
from flows.report_extraction.cache import ExtractionCache
from flows.report_extraction.collect import Collected, collect
from flows.report_extraction.consolidate import CHECK_NAMES, write_consolidated
from flows.report_extraction.report_page import add_date
from flows.report_extraction.scorecard import load_scorecard_config, score_branches, withhold
from flows.report_extraction.specs import ExtractionSpec, load_spec
from flows.report_extraction.work_items import (
    BRANCH_REPORT,
    MONTHLY_REPORT,
    REPORT_NAMES,
    ReportItem,
    for_day,
    plan_days,
)
from rpa.config_files import read_yaml
from rpa.errors import ConfigError, UsageError
from rpa.masking import scrub_text
from rpa.outcomes import item_label
from rpa.queue.work_queue import NewItem
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.item_rows import ItemRow
from rpa.run.report_sections import FlowSections
from rpa.run.runs import RunContext, now_in
from rpa.settings import Settings

PORTAL = "report_platform"
CONSOLIDATED = "consolidated.xlsx"
INCOMPLETE_MARK = "_不完整"
BRANCHES_FILE = "branches.yaml"
SCORECARD_FILE = "scorecard.yaml"
_BRANCH_CODE = re.compile(r"^\d{6}$")

if TYPE_CHECKING:
    from bots.report_platform_probe import ProbeReport
    from rpa.queue.work_queue import WorkItem


def probe_report_platform(settings: Settings) -> ProbeReport:
    """`rpa portal probe report_platform`: see bots.report_platform_probe (imported late: it
    starts a browser, which a run's parent process never needs)."""
    from bots.report_platform_probe import probe_report_platform as probe

    return probe(settings)


def load_branches(config_dir: Path) -> dict[str, str]:
    """The bank's branches from config/branches.yaml: {code: name}, in the file's order."""
    path = config_dir / BRANCHES_FILE
    try:
        data = read_yaml(path)
        return {str(entry["code"]): str(entry["name"]) for entry in data["branches"]}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ConfigError(f"网点名单 {path} 读不出：{error}") from None


class ReportExtractionFlow(Flow):
    """Download a date's reports from the report platform, extract, check and consolidate them.

    `date` is one date or several (a list, or comma-separated); `branches` None means every
    branch of config/branches.yaml; `formats` the daily reports' formats (the first is the one
    consolidated; with two, they are checked against each other); `monthly_formats` those of the
    monthly fee-income report on month ends; `specs` maps a report type to another spec name in
    config/specs.
    """

    name = "report-extraction"
    portal = PORTAL
    finish_from_queue = True  # the workbooks: the done items' extractions

    def __init__(
        self,
        date: str | list[str],
        branches: list[str] | None = None,
        formats: list[str] | None = None,
        specs: dict[str, str] | None = None,
        monthly_formats: list[str] | None = None,
        day_over_day: bool = True,
    ) -> None:
        texts = _split([date] if isinstance(date, str) else list(date))
        try:
            self.report_dates = sorted({_parse_date(text) for text in texts})
        except ValueError:
            raise UsageError(f"--date 的值 {date!r} 不是日期：请写成 YYYY-MM-DD，例如 2026-11-27") from None
        if not self.report_dates:
            raise UsageError("请用 --date YYYY-MM-DD 给出报表日期")
        self.branches = list(dict.fromkeys(_split(branches))) if branches else None  # each once
        bad = [b for b in self.branches or [] if not _BRANCH_CODE.match(b)]
        if bad:
            raise UsageError(f"网点代码应为 6 位数字：{'、'.join(bad)}")
        self.formats = _formats(formats or ["xlsx"], "--format")
        self.monthly_formats = _formats(monthly_formats or ["pdf"], "monthly_formats")
        unknown = sorted(set(specs or {}) - set(REPORT_NAMES))
        if unknown:
            known = "、".join(sorted(REPORT_NAMES))
            raise UsageError(f"--spec 给出的报表类型 {'、'.join(unknown)} 不存在；可用的有 {known}")
        self.spec_names = {report: (specs or {}).get(report, report) for report in REPORT_NAMES}
        self.day_over_day = day_over_day
        self.problems: list[str] = []  # set by finish(): incomplete dates and failed checks
        self.sections: FlowSections | None = None  # set by finish(): report.html's 核对 and 评分卡

    def load_specs(self, settings: Settings) -> dict[str, ExtractionSpec]:
        """Every report type's extraction spec (ConfigError if one is missing or invalid)."""
        specs_dir = settings.config_dir / "specs"
        return {report: load_spec(name, specs_dir) for report, name in self.spec_names.items()}

    def _branch_list(self, settings: Settings) -> tuple[list[str], dict[str, str]]:
        known = load_branches(settings.config_dir)
        chosen = self.branches or list(known)
        unknown = [b for b in chosen if b not in known]
        if unknown:
            raise UsageError(f"网点代码 {'、'.join(unknown)} 不在网点名单中：见 {BRANCHES_FILE}")
        return chosen, known

    def check_setup(self, settings: Settings) -> None:
        """Every element the report platform bot uses, before anything is queued (`rpa.run.preflight`)."""
        from bots.report_setup import check_report_setup

        check_report_setup(settings)

    def prepare(self, ctx: RunContext) -> Prepared:
        settings = ctx.settings
        today = now_in(settings).date()
        future = [day.isoformat() for day in self.report_dates if day > today]
        if future:  # a platform may serve a report of a day to come: it is no day's record yet
            raise UsageError(f"报表日期 {'、'.join(future)} 在今天（{today.isoformat()}）之后，"
                             "还没有这一天的报表：请给出已过去的日期")
        self.load_specs(settings)  # an invalid spec stops the run before anything is downloaded
        load_scorecard_config(settings.config_dir / SCORECARD_FILE)
        branches, _ = self._branch_list(settings)
        for path in [*(settings.config_dir / "specs" / f"{n}.yaml" for n in self.spec_names.values()),
                     settings.config_dir / SCORECARD_FILE, settings.config_dir / BRANCHES_FILE,
                     settings.selectors_dir / f"{PORTAL}.yaml"]:
            ctx.add_shaping_file(path)
        items = plan_days(self.report_dates, branches, formats=self.formats,
                          monthly_formats=self.monthly_formats, day_over_day=self.day_over_day)
        entries = [NewItem(item.key(ctx.run_id), item.payload(), affinity=item.listed_with) for item in items]
        results = ctx.queue.enqueue_many(self.name, ctx.run_id, entries)
        days = "、".join(day.isoformat() for day in self.report_dates)
        note = f"{days}：{len(items)} 个报表文件，{len(branches)} 个网点，格式 {'、'.join(self.formats)}"
        if any(item.report == MONTHLY_REPORT for item in items):  # tester BF F3: said as taken
            last = "，含上月的一份（较上月核对）" if self.day_over_day else ""
            note += f"（月末的中间业务收入月报取 {'、'.join(self.monthly_formats)}{last}）"
        return Prepared.of(results, notes=[note])

    def worker_count(self, ctx: RunContext, requested: int) -> int:
        """One worker per operator at most (one live session each), and no more than the open items."""
        return max(1, min(super().worker_count(ctx, requested), self.open_items(ctx)))

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        from bots.report_platform import ReportPlatform
        from flows.report_extraction.fetch import ReportFetcher
        from rpa.run.portal_worker import portal_worker

        settings = wctx.settings
        specs = self.load_specs(settings)
        cache = ExtractionCache(settings.runs_dir / "_cache" / "extractions")
        with portal_worker(wctx, PORTAL, "报表平台") as work:  # logs out at the end
            platform = ReportPlatform(work.page, work.selectors, settings.reports_url,
                                      timeout_ms=settings.action_timeout_ms,
                                      download_timeout_ms=settings.answer_timeout_ms)
            fetcher = ReportFetcher(wctx, work, platform, specs, cache)
            work.log_in(platform.login, log_out=platform.logout)
            yield fetcher.handle

    def finish(self, ctx: RunContext) -> list[Path]:
        """Reconcile, check and write consolidated.xlsx (one per date) from whatever items are
        done (after a stop too: the files not fetched are listed among the checks)."""
        items = ctx.queue.items(ctx.run_id)
        if not items:  # refused before anything was enqueued
            return []
        several = len(self.report_dates) > 1
        self.problems = []
        self.sections = FlowSections()
        listed: list[dict[str, str]] = []
        paths = []
        for day in self.report_dates:
            name = f"consolidated_{day.isoformat()}.xlsx" if several else CONSOLIDATED
            chosen = for_day(items, day, self.formats, self.monthly_formats)
            paths.append(self._consolidate(ctx, chosen, day, name, listed))
        ctx.write_run_json(checks=listed)
        return paths

    def _consolidate(self, ctx: RunContext, items: list[WorkItem], day: date, file_name: str,
                     listed: list[dict[str, str]]) -> Path:
        settings = ctx.settings
        specs = self.load_specs(settings)
        config = load_scorecard_config(settings.config_dir / SCORECARD_FILE)
        branches, names = self._branch_list(settings)
        collected = collect(items, report_date=day.isoformat(),
                            formats=self.formats, specs=specs, column=config.column)
        figures = {b: collected.branch_figures[b] for b in branches if b in collected.branch_figures}
        reasons = {b: collected.branch_reasons.get(b, "没有该网点的经营日报数据")
                   for b in branches if b not in figures}
        why = collected.incomplete(branches)
        card = withhold(score_branches(figures, config, names=names, reasons=reasons), why)
        metrics = [row.name for row in specs[BRANCH_REPORT].rows]
        whole, partial = ctx.folder / file_name, ctx.folder / incomplete_name(file_name)
        path = write_consolidated(partial if why else whole, collected, card, branches=branches, names=names,
                                  metrics=metrics)
        (whole if why else partial).unlink(missing_ok=True)  # one picture per date: the latest
        failed = collected.failed_checks
        listed += check_lines(collected, day.isoformat())
        if self.sections is not None:
            add_date(self.sections, collected, card, names=names)
        ctx.record("consolidated", date=day.isoformat(), checks=len(collected.checks),
                   checks_failed=len(failed), refused=len(collected.refused), ranked=len(card.ranked),
                   unranked=len(card.unranked), incomplete="；".join(why))
        # each said once, when the run closes (rpa.run.close logs the problems; tester BI F9 saw both twice)
        if why:
            self.problems.append(f"{day.isoformat()}：{path.name} 不完整：{'；'.join(why)}")
        if failed:
            checks = f"{len(failed)} 项核对未通过（共 {len(collected.checks)} 项）"
            self.problems.append(f"{day.isoformat()}：{checks}：见 {path.name} 的校验表")
        return path


    def item_row(self, item: WorkItem) -> ItemRow:
        """任务详情's row: the report file the item fetches (报表, 网点, 日期, 格式), its word, its note."""
        result = item.result or {}
        return ItemRow(subject=ReportItem.from_payload(item.payload).describe(),
                       outcome=item_label(str(item.state), result),
                       note=scrub_text(str(result.get("note") or "")))

    def report_sections(self, ctx: RunContext) -> FlowSections | None:
        """Each date's reconciliation and scorecard for report.html (after finish)."""
        return self.sections

    def output_problems(self, ctx: RunContext) -> list[str]:
        """Dates whose consolidated workbook is incomplete or has failed checks (after finish)."""
        return list(self.problems)


def incomplete_name(file_name: str) -> str:
    """consolidated.xlsx -> consolidated_不完整.xlsx."""
    stem, dot, suffix = file_name.rpartition(".")
    return f"{stem}{INCOMPLETE_MARK}{dot}{suffix}"


def check_lines(collected: Collected, day: str) -> list[dict[str, str]]:
    """Every check and refused file of a date, as run.json lists them for the run report."""
    lines = [{"date": day, "check": CHECK_NAMES.get(c.name, c.name), "result": "通过" if c.ok else "不通过",
              "message": c.message} for c in collected.checks if c.name != "refused"]
    lines += [{"date": day, "check": CHECK_NAMES["refused"], "result": "拒收", "message": f"{file}: {why}"}
              for file, why in collected.refused]
    return lines


def _split(values: list[str]) -> list[str]:
    """["110101,110102"] or ["110101", "110102"]: a command line may give either."""
    return [part.strip() for text in values for part in str(text).split(",") if part.strip()]


def _parse_date(text: str) -> date:
    return date.fromisoformat(str(text))


def _formats(formats: list[str], what: str) -> list[str]:
    chosen = list(dict.fromkeys(f.lower() for f in _split(formats)))
    unknown = [f for f in chosen if f not in REPORT_FORMATS]
    if unknown or not chosen:
        given = "、".join(unknown) or "（没有给出）"
        raise UsageError(f"报表格式 {given} 不认识（{what}）：可选 {'、'.join(REPORT_FORMATS)}")
    return chosen
