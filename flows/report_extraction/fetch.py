"""The worker side of a report-extraction run: download one report file, then extract it.

    with portal_worker(wctx, PORTAL, "报表平台") as work:
        fetcher = ReportFetcher(wctx, work, platform, specs, cache)
        work.log_in(platform.login, log_out=platform.logout)
        result = fetcher.handle(item)     # or an exception from rpa.errors for the item loop

A lost session (用户登录信息失效) is met by one new login, inside the session's login window,
and the item goes back to the queue, whose backoff is the only retry (`rpa.run.portal_worker`); a
refused login is run-fatal and never tried again.
A downloaded PDF beyond the PDF limits (pages, seconds per page) or needing a password is
refused (an ExtractionError: the item ends 拒收 with the reason, never retried, since the same
file is refused the same way; consolidated.xlsx is then 不完整 and names it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.report_platform import HEAD_OFFICE, REPORT_CODES, ReportPlatform
from flows.report_extraction.cache import ExtractionCache
from flows.report_extraction.pdf_limits import PDF_LIMIT_CODES
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.work_items import PREVIOUS, ReportItem
from rpa.errors import ExtractionError, InputFileError, PortalRefusal
from rpa.run.runs import make_private_dir

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem
    from rpa.run.flow import WorkerContext
    from rpa.run.portal_worker import PortalWorker


class ReportFetcher:
    """One worker's logged-in platform and the handler of its items."""

    def __init__(
        self,
        wctx: WorkerContext,
        work: PortalWorker,
        platform: ReportPlatform,
        specs: dict[str, ExtractionSpec],
        cache: ExtractionCache,
    ) -> None:
        self.wctx = wctx
        self.work = work
        self.platform = platform
        self.specs = specs
        self.cache = cache
        self.downloads = make_private_dir(wctx.folder / "downloads")

    def handle(self, work_item: WorkItem) -> dict[str, Any]:
        """Download the item's report file and extract it; the result carries the extraction."""
        item = ReportItem.from_payload(work_item.payload)
        with self.work.evidence(work_item):
            path = self.work.with_relogin(lambda: self._download(item), work_item)
        if path is None:  # the day before's summary is only for comparing: its absence is a note
            return {"status": "done", "note": f"{item.describe()}：平台上没有", "figures": 0,
                    "report": item.report, "role": item.role}
        try:
            extraction, cached = self.cache.extract(path, self.specs[item.report], item.date, item.branch)
        except InputFileError as refused:
            if refused.code not in PDF_LIMIT_CODES:
                raise
            raise ExtractionError(refused.message, code=refused.code, details=refused.details) from refused
        failed = [check for check in extraction.checks if not check.ok]
        return {
            "status": "done",
            "report": item.report,
            "role": item.role,
            "file": str(path.relative_to(self.wctx.folder)),
            "sha256": extraction.sha256,
            "cached": cached,
            "figures": len(extraction.figures),
            "checks_failed": len(failed),
            "units_assumed": len(extraction.units_assumed),
            "note": f"{item.describe()}：{len(extraction.figures)} 个数字"
            + (f"，其中 {len(extraction.units_assumed)} 个单位假定（报表未注明，按规格默认）"
               if extraction.units_assumed else "")
            + ("（沿用已缓存的提取结果）" if cached else ""),
            "extraction": extraction.to_json(),
        }

    def _download(self, item: ReportItem) -> Path | None:
        org = item.branch or HEAD_OFFICE
        row = self.platform.find_report(REPORT_CODES[item.report], item.report_date, org)
        if row is None or item.fmt not in row.files:
            if item.role == PREVIOUS:
                return None
            raise PortalRefusal(f"报表平台上没有 {item.describe()}")
        return self.platform.download(row, item.fmt, self.downloads)
