"""The account-filing flow: core-banking export in, AMS filings and result.xlsx out.

    rpa run account-filing --input accounts.xlsx [--workers N] [--dry-run] [--resume RUN]
                           [--absent-column 注册资金] [--approval]

`prepare()` (parent process) reads and validates every row, records each row's outcome in the
audit log and enqueues the valid rows, keyed by `FilingRecord.idempotency_key()`: enqueuing a
file again adds nothing, and rows an earlier run took stay that run's (result.xlsx says so),
unless that run was for another AMS (`portal_scope`: UAT, then production). Which AMS a run
files into is the system code AMS shows after login, whatever URL reaches it (`portal_identity`:
the first run through a URL logs in once in `prepare()` to read it).
A dry run's items carry their run id in the key, so a dry run never stands in for a filing.
The rows of one account share an order group (the account number) and are enqueued in business
order (date, then open, change, close), so they are filed one at a time in that order, whatever
the file's order: AMS refuses a change or close of an account it does not hold as open.
Each worker (`ams_worker`) logs in with its own operator, files items with `filing.FilingHandler` (through the
`RPA_AMS_STRATEGY` strategy, `bots.ams.strategies`) and logs out when it ends: normally, on a
stop request and after a run-fatal error.
`finish()` writes result.xlsx, one row per input row (`closing`; each row's line and report row:
`row_results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

from flows.account_filing.check_gate import hold_unchecked
from flows.account_filing.checks import check_lines
from flows.account_filing.other_runs import OtherRuns, settle_other_runs
from flows.account_filing.portal_identity import DRY_RUN_PREFIX, establish_identity
from flows.account_filing.portal_scope import PORTAL_FIELD, PortalKeys, keys_for_portal
from flows.account_filing.put_aside import row_details
from flows.account_filing.records import FilingRecord, business_order
from flows.account_filing.report import RowOutcome, ValidationReport
from flows.account_filing.result_book import write_result_book
from flows.account_filing.row_results import (
    BY_CLOCK,
    item_row,
)
from flows.account_filing.rows_aside import ASIDE_BEFORE, rows_aside_before
from rpa.alerts.aside_by_hand import approved_by_hand
from rpa.alerts.findings import put_aside_everywhere
from rpa.alerts.recount import COUNTED_FROM, WORKING_DAYS, counted_from
from rpa.approvals.words import APPROVAL_FIELD, APPROVED_AT, APPROVED_BY, MAKER_PARAM, REQUIRED
from rpa.casework.words import CORRECTED_AT, CORRECTED_BY, CORRECTED_FIELDS
from rpa.errors import InputFileError
from rpa.masking import FieldClass
from rpa.queue.work_queue import ItemState, NewItem, WorkItem, WorkQueue
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.item_rows import ItemRow
from rpa.run.report_sections import InputRow
from rpa.run.runs import RunContext, now_in
from rpa.settings import Settings

RESULT_FILE = "result.xlsx"
SHAPING_FILES = ("header_aliases.yaml", "deadlines.yaml", "ams_messages.yaml")


class AccountFilingFlow(Flow):
    """File the valid rows of a core-banking export into AMS, each at most once."""

    name = "account-filing"
    portal = "ams"
    finish_from_queue = True  # result.xlsx: the validation report and the queue's items
    # what stays readable of a done item's payload once the run has ended (the rest, names,
    # account, ID and credit numbers, addresses, is masked: RPA_PAYLOAD_RETENTION)
    payload_not_personal = frozenset({
        PORTAL_FIELD, "sheet", "row", "deadline", "deadline_estimated", "overdue", "action", "account_kind",
        "business_date", "depositor_category", "legal_rep_role", "id_type", "bank_code", "notice_date",
        "change_items", "close_reason", "registered_capital_yuan",  # item names, a reason, an amount
        COUNTED_FROM, WORKING_DAYS,
        "absent_fields", APPROVAL_FIELD, APPROVED_BY, APPROVED_AT,
        CORRECTED_BY, CORRECTED_AT, CORRECTED_FIELDS,
    })

    def __init__(
        self,
        input: str,
        dry_run: bool = False,
        sheet: str | None = None,
        today: str | None = None,
        absent_columns: list[str] | None = None,
        portal_identity: str | None = None,
        approval: bool = False,
    ) -> None:
        self.input = input
        self.approval = approval  # maker-checker: each row waits for a checker before the form
        self.portal_identity = portal_identity  # set by prepare(): the AMS the run files into
        self.dry_run = dry_run
        self.sheet = sheet
        self.today = today
        self.absent_columns = list(absent_columns or [])  # --absent-column: the export has no such column
        self.report: ValidationReport | None = None
        self.keys: dict[int, str] = {}  # sheet row -> the key its item was enqueued under
        self.input_rows: list[InputRow] = []  # every input row for report.html (set by finish())

    # -- parent process ----------------------------------------------------------------------
    def check_setup(self, settings: Settings) -> None:
        """Every element and message the AMS bot uses, before anything is queued (`rpa.run.preflight`)."""
        from bots.ams.setup import check_ams_setup

        check_ams_setup(settings)

    def prepare(self, ctx: RunContext) -> Prepared:
        from flows.account_filing.validate import validate_export

        path = Path(self.input)
        if not path.is_file():
            raise InputFileError(f"输入文件 {path} 不存在或不是文件：请检查 --input")
        settings = ctx.settings
        today = self.today_of(settings)
        ctx.params.setdefault("flow_params", {})["today"] = today.isoformat()  # a resume keeps it
        ctx.params.setdefault(BY_CLOCK, self.today is None)  # whether it was the clock's (close_days)
        ctx.add_input(path)
        for name in SHAPING_FILES:
            ctx.add_shaping_file(settings.config_dir / name)
        report = validate_export(path, settings, today=today, sheet=self.sheet,
                                 absent_columns=self.absent_columns)
        self.report = report
        if settings.filing_require_check:
            ctx.record("rows.check_required", held=hold_unchecked(report, ctx.queue, self.name))
        if report.absent_stated or report.kept_on_change:
            ctx.record(
                "input.columns_absent",
                stated=report.absent_stated,  # --absent-column: 开户 rows file these blank
                kept_on_change=report.kept_on_change,  # 变更 rows leave these to AMS
            )
        if report.footer_rows:  # 合计, 制表人 under the data: passed over, no rows to file
            ctx.record("input.footer_rows", rows=[f.row for f in report.footer_rows])
        for outcome in report.outcomes:
            ctx.record(
                "row.validated",
                sheet=outcome.sheet,
                row=outcome.row,
                status=outcome.status,
                codes=[issue.code for issue in outcome.errors],
                **row_details(outcome, settings.audit_key_bytes(), self.dry_run),  # 异常处理, 逾期
            )
        valid = [(o, o.record) for o in report.outcomes if o.valid and o.record is not None]
        valid.sort(key=lambda pair: business_order(pair[1]))  # stable: file order otherwise
        identity = self._identity(ctx) if valid else settings.ams_identity()
        chosen = PortalKeys([self.item_key(record, ctx.run_id) for _, record in valid])
        if not self.dry_run:  # a dry run's keys are its own
            chosen = keys_for_portal(ctx.queue, self.name, chosen.keys, identity=identity, run_id=ctx.run_id)
        elsewhere = put_aside_everywhere(settings)  # other runs' rows put aside (this run's are in report)
        aside = rows_aside_before(report, elsewhere, ctx.run_id, settings.audit_key_bytes())
        entries = [
            NewItem(key, _payload(o, identity, approval=self.approval, aside=aside.get((o.sheet, o.row))),
                    order_group=record.account_no)
            for key, (o, record) in zip(chosen.keys, valid, strict=True)
        ]
        results = ctx.queue.enqueue_many(self.name, ctx.run_id, entries)
        self.keys = {o.row: key for key, (o, _) in zip(chosen.keys, valid, strict=True)}
        others = OtherRuns() if self.dry_run else settle_other_runs(ctx, self.name, chosen.keys)
        counts = report.counts
        notes = [
            f"共 {counts['rows']} 行：有效 {counts['valid']} 行，无效 {counts['invalid']} 行，"
            f"需人工处理 {counts['needs_person']} 行；已过报备期限 {counts['overdue']} 行",
            *others.notes,
        ]
        if report.absent_stated:
            stated = "、".join(report.absent_stated)
            notes.append(f"已声明没有的列（--absent-column）：{stated}；开户行报备时留空")
        if report.kept_on_change:
            notes.append(f"没有 {'、'.join(report.kept_on_change)} 列：变更行沿用 AMS 中的值")
        for other, rows in chosen.taken_elsewhere.items():
            ctx.record("rows.taken_for_another_ams", rows=rows, other_ams=other, this_ams=identity)
            notes.append(f"{rows} 个有效行曾由早先的运行为另一个 AMS（{other}）办理："
                         f"在本 AMS（{identity}）上重新查询并报备")
        if self.dry_run:
            notes.append("演练：只在 AMS 中查询，不提交任何报备")
        elif self.approval:
            maker = ctx.params.get(MAKER_PARAM) or "未记录"
            notes.append(f"本次运行须复核：待报备的行查询后暂停为待复核，由发起人（{maker}）以外的"
                         "复核人批准后才报备（rpa approvals list / approve / reject）")
        return Prepared.of(results, notes=notes, warnings=[*report.sheet_warnings(), *others.warnings])

    def _identity(self, ctx: RunContext) -> str:
        """The AMS this run files into (`portal_identity`): read from AMS itself the first time
        a URL is used (a short read-only login), not in a dry run; kept for the workers."""
        from flows.account_filing.probe import read_system_code

        settings = ctx.settings
        reader = None if self.dry_run else (lambda: read_system_code(settings, run_id=ctx.run_id))
        identity = establish_identity(settings, ctx.queue, self.name, read_code=reader)
        ctx.params.setdefault("flow_params", {})["portal_identity"] = identity
        self.portal_identity = identity
        ctx.record("ams.identity", identity=identity, url=settings.ams_url_identity())
        return identity

    def worker_count(self, ctx: RunContext, requested: int) -> int:
        """As many as asked for (capped by operators), or none when this run has nothing open:
        no browser is started and no operator logs in just to find the queue empty."""
        counts = ctx.queue.counts(ctx.run_id)
        if not counts.get(ItemState.PENDING, 0) and not counts.get(ItemState.LEASED, 0):
            return 0
        return super().worker_count(ctx, requested)

    def item_key(self, record: FilingRecord, run_id: str) -> str:
        """The work item key: the record's idempotency key (a dry run's own, by run)."""
        key = record.idempotency_key()
        return f"{DRY_RUN_PREFIX}{run_id}:{key}" if self.dry_run else key

    def finish(self, ctx: RunContext) -> list[Path]:
        if self.report is None:
            return []
        from flows.account_filing.closing import close_rows

        def key_of(outcome: RowOutcome, record: FilingRecord) -> str:  # as enqueued, or would be
            return self.keys.get(outcome.row) or self.item_key(record, ctx.run_id)

        closed = close_rows(ctx, self.report, key_of, self.today_of(ctx.settings), self.name)
        self.input_rows, self.not_done_elsewhere = closed.input_rows, closed.not_done_elsewhere
        path = write_result_book(ctx.folder / RESULT_FILE, closed.rows, check_lines(self.report))
        ctx.log.info(f"已写出结果表：{path}")
        return [path]

    def today_of(self, settings: Settings) -> date:
        """The run's day: its `today` parameter (a run given one files on that day too), else
        today in the run's time zone."""
        return date.fromisoformat(self.today) if self.today else now_in(settings).date()

    def output_problems(self, ctx: RunContext) -> list[str]:
        """Rows of the input that were never items (invalid, or for a person before filing):
        nobody files them, so the run is no "all done" (their reasons are in result.xlsx)."""
        done = approved_by_hand(ctx.settings, ctx.run_id)  # filed by hand since, a checker approving
        return self.report.put_aside("报备", RESULT_FILE, done) if self.report is not None else []

    def report_rows(self, ctx: RunContext) -> list[InputRow] | None:
        return self.input_rows if self.report is not None else None

    def item_row(self, item: WorkItem) -> ItemRow:
        """As result.xlsx has the row: 业务, account and name masked, 备案编号, 复核人, the note."""
        return item_row(item)

    def input_row_values(self, settings: Settings, sheet: str, row: int) -> Mapping[str, Any] | None:
        from flows.account_filing.validate import validate_export

        report = validate_export(Path(self.input), settings, today=self.today_of(settings), sheet=self.sheet,
                                 absent_columns=self.absent_columns)
        found = (o for o in report.outcomes if (o.sheet, o.row) == (sheet, row))
        return next(({"record": o.record.model_dump(mode="json")} if o.record else dict(o.parsed)
                     for o in found), None)

    def case_fields(self, payload: Mapping[str, Any]) -> list[tuple[str, str, FieldClass | None, bool]]:
        from flows.account_filing.corrections import case_fields

        return case_fields(payload)

    def corrected_payload(
        self, settings: Settings, payload: Mapping[str, Any], changes: Mapping[str, str]
    ) -> dict[str, Any]:
        """Validated as the run's rows were: its configuration, and its own "today" (deadlines)."""
        from flows.account_filing.corrections import corrected_payload

        today = self.today_of(settings)
        return corrected_payload(payload, changes, config_dir=settings.config_dir,
                                 calendar_file=settings.calendar_file, today=today)

    def correction_held(self, settings: Settings, queue: WorkQueue,
                        payload: Mapping[str, Any]) -> tuple[str, str] | None:
        """RPA_FILING_REQUIRE_CHECK: the corrected row passes the gate a fresh row does (`corrections`)."""
        from flows.account_filing.corrections import correction_held

        return None if self.dry_run else correction_held(settings, queue, payload)

    # -- worker process ----------------------------------------------------------------------
    def open_worker(self, wctx: WorkerContext) -> AbstractContextManager[ItemHandler]:
        from flows.account_filing.ams_worker import open_filing_worker

        return open_filing_worker(wctx, dry_run=self.dry_run, portal_identity=self.portal_identity)


def _payload(outcome: RowOutcome, portal: str, *, approval: bool,
             aside: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    assert outcome.record is not None
    deadline = outcome.deadline
    return {
        **({APPROVAL_FIELD: REQUIRED} if approval else {}),
        **({ASIDE_BEFORE: aside} if aside else {}),  # rows of the account put aside before it
        PORTAL_FIELD: portal,
        "record": outcome.record.model_dump(mode="json"),
        "sheet": outcome.sheet,
        "row": outcome.row,
        "deadline": deadline.due.isoformat() if deadline else None,
        "deadline_estimated": bool(deadline and deadline.estimated),
        **counted_from(deadline),  # counted again under the calendar in force when judged later
        "overdue": outcome.overdue,
    }
