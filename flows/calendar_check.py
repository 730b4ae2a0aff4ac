"""The calendar check: warn when next year is missing from the working-day calendar.

The State Council publishes next year's holidays each November; until calendar.yaml (or the
installed chinesecalendar) knows that year, deadlines and schedules there are only estimates.
Scheduled daily from November (schedules.yaml). It has no work items: the run's exit code is
1 while the year is missing, 0 once it is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rpa.errors import BusinessError
from rpa.queue.work_queue import WorkItem
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.runs import RunContext, now_in
from rpa.workdays import WorkCalendar


class CalendarCheckFlow(Flow):
    """Check that the calendar knows next year (or `year`)."""

    name = "calendar-check"

    def __init__(self, year: int | None = None) -> None:
        self.year = year

    def prepare(self, ctx: RunContext) -> Prepared:
        year = self.year or now_in(ctx.settings).year + 1
        ctx.add_shaping_file(ctx.settings.calendar_file)
        calendar = WorkCalendar.load(ctx.settings.calendar_file)
        what = calendar.year_gap(year)
        known = calendar.covers_year(year)
        ctx.record("calendar.checked", year=year, known=known, provisional=known and what is not None)
        if what is None:
            return Prepared(enqueued=0, notes=[f"工作日历已有 {year} 年的安排"])
        ctx.log.warning(
            f"工作日历中 {year} 年{what}：请把公布的节假日和调休上班日写入 {ctx.settings.calendar_file}"
            f"（在此之前，{year} 年的期限和调度都是估计）"
        )
        # one item that ends as a business error, so the run's exit code says "needs attention"
        ctx.queue.enqueue(self.name, ctx.run_id, f"calendar:{year}:{ctx.run_id}", {"year": year})
        return Prepared(enqueued=1)

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        def handle(item: WorkItem) -> dict[str, object]:
            year = item.payload["year"]
            raise BusinessError(
                f"工作日历中没有 {year} 年公布的节假日安排", code="calendar_year_missing"
            )

        yield handle

    def finish(self, ctx: RunContext) -> list[Path]:
        return []
