"""The worker side of a report-extraction run: download one report file, then extract it.

    fetcher = ReportFetcher(wctx, session, platform, specs, cache)
    fetcher.log_in()
    result = fetcher.handle(item)     # or an exception from rpa.errors for the item loop

A lost session (用户登录信息失效) is met by one new login, inside the session's login window,
and one more try of the same item; a refused login is run-fatal and never tried again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.report_platform import HEAD_OFFICE, REPORT_CODES, ReportPlatform
from flows.report_extraction.cache import ExtractionCache
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.work_items import PREVIOUS, ReportItem
from rpa.browser import BrowserSession
from rpa.errors import ConfigError, PortalRefusal, RpaError, SessionLost
from rpa.evidence import item_evidence
from rpa.masking import item_ref, mask_tail
from rpa.runs import make_private_dir

if TYPE_CHECKING:
    from rpa.flow import WorkerContext
    from rpa.queue import WorkItem


class ReportFetcher:
    """One worker's logged-in platform and the handler of its items."""

    def __init__(
        self,
        wctx: WorkerContext,
        session: BrowserSession,
        platform: ReportPlatform,
        specs: dict[str, ExtractionSpec],
        cache: ExtractionCache,
    ) -> None:
        if wctx.operator is None:
            raise ConfigError("报表提取需要一个报表平台操作员：请在 RPA_REPORTS_OPERATORS 中配置")
        self.wctx = wctx
        self.session = session
        self.platform = platform
        self.specs = specs
        self.cache = cache
        self.operator = wctx.operator
        self.downloads = make_private_dir(wctx.folder / "downloads")

    def log_in(self) -> None:
        """Log in once, inside the login window (no trace may hold the password)."""
        with self.session.login_window():
            self.platform.login(self.operator.code, self.operator.password.get_secret_value())
        self.wctx.record("login", None, operator=mask_tail(self.operator.code))

    def log_out(self) -> None:
        """Log out at the end, freeing the operator's one session; a failure only warns."""
        try:
            self.platform.logout()
        except RpaError as error:
            self.wctx.log.warning(f"退出报表平台失败：{error}")

    def handle(self, work_item: WorkItem) -> dict[str, Any]:
        """Download the item's report file and extract it; the result carries the extraction."""
        item = ReportItem.from_payload(work_item.payload)
        ref = item_ref(work_item.key, self.wctx.settings.audit_key_bytes())
        with item_evidence(self.session, self.platform.page, ref, attempt=work_item.attempts):
            try:
                path = self._download(item)
            except SessionLost as lost:
                self.wctx.log.info(f"{item.describe()}：{lost}；重新登录")
                self.log_in()
                self.wctx.record("relogin", work_item, reason=lost.code)
                path = self._download(item)
        if path is None:  # the day before's summary is only for comparing: its absence is a note
            return {"status": "done", "note": f"{item.describe()}：平台上没有", "figures": 0,
                    "report": item.report, "role": item.role}
        extraction, cached = self.cache.extract(path, self.specs[item.report], item.date, item.branch)
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
