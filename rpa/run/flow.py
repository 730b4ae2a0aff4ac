"""What a business flow gives the engine, and where flows are found by name.

A flow has two halves. In the parent process, `prepare()` turns its input into work items and
`finish()` writes its outputs. In each worker process, `open_worker()` sets up what the worker
keeps for the whole run (a browser, a logged-in portal session) and yields the function that
handles one item. That function returns the item's result or raises from `rpa.errors`; the
worker loop, not the flow, decides what each exception means for the item.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from rpa.errors import RunFatalError, UsageError
from rpa.masking import FieldClass, scrub_text
from rpa.run.flow_params import parameter_problem
from rpa.run.item_rows import ItemRow, input_item_row
from rpa.run.prepared import Prepared

if TYPE_CHECKING:
    from loguru import Logger

    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkItem, WorkQueue
    from rpa.run.report_sections import FlowSections, InputRow
    from rpa.run.runs import RunContext
    from rpa.run.service_window import ServiceHours
    from rpa.settings import OperatorCredential, Settings

ItemHandler = Callable[["WorkItem"], dict[str, Any]]


@runtime_checkable
class LooksAhead(Protocol):
    """A handler that can use the next item while it works on this one (read-only preparation,
    such as loading the next account's look-up). The worker then claims one item ahead and keeps
    both leases; `look_ahead(None)` means there is no next item."""

    def look_ahead(self, item: WorkItem | None) -> None: ...

# result and audit fields that hold a portal's own references, shown whole in diagnostics
REFERENCE_FIELDS: dict[str, FieldClass] = {"filing_no": FieldClass.REFERENCE}


@dataclass
class WorkerContext:
    """What one worker process knows: its identity, settings, run folder, audit, logger, operator."""

    run_id: str
    flow: str
    worker_index: int
    owner: str
    settings: Settings
    folder: Path
    audit: AuditLog
    log: Logger
    params: dict[str, Any]
    operator: OperatorCredential | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    queue: WorkQueue | None = None  # the queue this worker claims from (`before_irreversible`)
    # the flow's `payload_not_personal`: what of an item's payload a failure screenshot need not mask
    payload_not_personal: frozenset[str] | None = None

    @property
    def evidence_dir(self) -> Path:
        from rpa.run.runs import make_private_dir

        return make_private_dir(self.folder / "evidence")

    @property
    def trace_dir(self) -> Path:
        from rpa.run.runs import make_private_dir

        return make_private_dir(self.folder / "traces")

    def before_irreversible(self, item: WorkItem, hours: ServiceHours | None = None) -> None:
        """Call immediately before a step that cannot be undone (确认提交). Raises RunFatalError
        coded `service_window_closed` when `hours` say the portal's window is closed (the item
        goes back to pending uncounted and the run stops), and LeaseLost when this worker no
        longer holds the item under its fencing token (it must drop the item, submitting
        nothing); otherwise marks the item as being submitted, in one transaction."""
        from rpa.queue.work_queue import LeaseLost
        from rpa.run.runs import now_in
        from rpa.run.service_window import WINDOW_CLOSED

        if hours is not None:
            closed = hours.closed_message(now_in(self.settings))
            if closed is not None:
                raise RunFatalError(closed, code=WINDOW_CLOSED)
        if self.queue is None:
            raise RuntimeError("this WorkerContext has no queue to check the lease in")
        if not self.queue.begin_submit(item.id, self.owner, item.fence, claimed=item):
            raise LeaseLost(
                f"事项 {item.id} 的租约（令牌 {item.fence}）已不属于 {self.owner}：未提交即放弃",
                code="lease_lost_before_submit",
                details={"item_id": item.id, "owner": self.owner, "fence": item.fence},
            )

    def record(
        self,
        event: str,
        item: WorkItem | None = None,
        *,
        field_classes: Mapping[str, FieldClass] | None = None,
        **details: Any,
    ) -> None:
        """Append an audit event as this worker, joined to the item by its keyed hash.

        Details are masked by the audit log; `field_classes` says what a value is where free-text
        scrubbing would get it wrong (a filing number is a REFERENCE, not an account number)."""
        self.audit.append(
            self.run_id,
            self.owner,
            event,
            item_key=item.key if item else None,
            details=details,
            field_classes={**REFERENCE_FIELDS, **(field_classes or {})},
            files_root=self.folder,
        )


class Flow(ABC):
    """Base of every business flow."""

    name: ClassVar[str]
    portal: ClassVar[str | None] = None  # whose operator credentials workers take
    selectors: ClassVar[str | None] = None  # selectors/<name>.yaml, when not named after the portal
    # finish() needs nothing of the workers but the queue's settled items: the engine then runs
    # it as soon as no item is open, while the workers still log out and close their browsers
    finish_from_queue: ClassVar[bool] = False
    resume_may_change: ClassVar[frozenset[str]] = frozenset()  # parameters a resume may give anew
    # the flow's payloads hold personal data: the payload fields that are not (kept as they are
    # when the run's end masks the rest, RPA_PAYLOAD_RETENTION); None: nothing to mask
    payload_not_personal: ClassVar[frozenset[str] | None] = None
    # True: a run (or resume) with no open item starts no worker, so no browser starts and no
    # operator logs in just to find the queue empty
    workers_need_open_items: ClassVar[bool] = False
    # the words of the `action` codes in payloads of input rows (任务详情's 业务: `item_row`)
    row_actions: ClassVar[Mapping[str, str]] = {}
    # set by finish(): rows of this run's input held by another run's items that are not done;
    # the run's exit code is not 0 while there are any
    not_done_elsewhere: int = 0

    @abstractmethod
    def prepare(self, ctx: RunContext) -> Prepared:
        """Parent process: read the input and enqueue work items."""

    @abstractmethod
    def open_worker(self, wctx: WorkerContext) -> AbstractContextManager[ItemHandler]:
        """Worker process: set up (browser, login) and yield the per-item handler."""

    def finish(self, ctx: RunContext) -> list[Path]:
        """Parent process, at the end (also after a stop): write outputs; returns their paths."""
        return []

    def report_rows(self, ctx: RunContext) -> Sequence[InputRow] | None:
        """Every row of the input, in input order, for report.html (read after `finish()`);
        None for a flow whose input is not a file of rows."""
        return None

    def report_sections(self, ctx: RunContext) -> FlowSections | None:
        """What report.html shows beyond the items (reconciliations, rankings), read after
        `finish()`; None for a flow that has none."""
        return None

    def item_row(self, item: WorkItem) -> ItemRow | None:
        """The item as its row of the run's result file reads, for 任务详情 (`rpa.run.item_rows`): by
        default the input row its payload names; None for an item of no input row."""
        return input_item_row(item, self.row_actions)

    def input_row_values(self, settings: Settings, sheet: str, row: int) -> Mapping[str, Any] | None:
        """A row of the run's input as read, as an item's payload holds it (the personal values a
        person's reason about a row put aside is masked by); None for a flow of no such rows."""
        return None

    def case_fields(self, payload: Mapping[str, Any]) -> list[tuple[str, str, FieldClass | None, bool]]:
        """An item's fields as a person working exceptions sees them (`rpa.casework`): label,
        value (unmasked), what the value is (for masking) and whether it may be corrected, in
        the form's order; [] for a flow whose items have no such fields."""
        return []

    def corrected_payload(
        self, settings: Settings, payload: Mapping[str, Any], changes: Mapping[str, str]
    ) -> dict[str, Any]:
        """The item's payload with `changes` (label -> text) applied and validated by the same
        validator as the flow's input rows; UsageError naming the field it refuses."""
        raise UsageError(f"流程 {self.name} 的事项不能在此更正：请改正输入后重新运行")

    def correction_held(self, settings: Settings, queue: WorkQueue,
                        payload: Mapping[str, Any]) -> tuple[str, str] | None:
        """(code, note) when a corrected payload may not be filed yet: a gate the flow's fresh
        rows pass through before they are queued and the corrected row does not pass; None when
        it may be filed (the default)."""
        return None

    def output_problems(self, ctx: RunContext) -> list[str]:
        """What the outputs found wrong beyond the items (a failed check, an incomplete picture),
        one line each in Chinese; the run's exit code is not 0 while there are any (read after
        `finish()`)."""
        return []

    def operators(self, settings: Settings) -> list[OperatorCredential]:
        """The portal's operators workers may log in as: those configured, less those the portal
        refused at login before (`rpa.run.operators`); OperatorsRefused (run-fatal) when every one
        configured was refused."""
        if self.portal is None:
            return []
        from rpa.run.operators import usable_operators

        return usable_operators(settings, self.portal)

    def open_items(self, ctx: RunContext) -> int:
        """This run's items not yet ended (pending or leased)."""
        from rpa.queue.work_queue import ItemState

        counts = ctx.queue.counts(ctx.run_id)
        return counts.get(ItemState.PENDING, 0) + counts.get(ItemState.LEASED, 0)

    def worker_count(self, ctx: RunContext, requested: int) -> int:
        """How many workers to start: by default as requested, capped by operator credentials;
        none when nothing is open and the flow says so (`workers_need_open_items`)."""
        if self.workers_need_open_items and not self.open_items(ctx):
            return 0
        if self.portal is None:
            return requested
        available = len(self.operators(ctx.settings))
        if available == 0:
            raise UsageError(no_operators_message(self.portal))
        if available < requested:
            ctx.log.warning(
                f"要求 {requested} 个工作进程，但{_PORTAL_WORDS.get(self.portal, self.portal)}只有 "
                f"{available} 个操作员（每个操作员同时只能有一个会话）：只启动 {available} 个"
            )
            return available
        return requested


# portal -> the prefix of its operators' setting (RPA_<prefix>_OPERATORS)
OPERATOR_SETTINGS: dict[str, str] = {"ams": "AMS", "report_platform": "REPORTS", "enterprise_check": "CHECK"}
# the portals as a clerk names them
_PORTAL_WORDS = {"ams": "人民币账户管理系统（AMS）", "report_platform": "报表平台",
                "enterprise_check": "企业信息联网核查系统"}


def no_operators_message(portal: str) -> str:
    """Why a run of a flow on `portal` is refused when no operator is configured for it."""
    return (f"没有配置{_PORTAL_WORDS.get(portal, portal)}的操作员：请设置 "
            f"RPA_{OPERATOR_SETTINGS.get(portal, 'REPORTS')}_OPERATORS")


FLOWS: dict[str, str] = {
    "smoke": "flows.smoke:SmokeFlow",
    "account-filing": "flows.account_filing.flow:AccountFilingFlow",
    "report-extraction": "flows.report_extraction.flow:ReportExtractionFlow",
    "calendar-check": "flows.calendar_check:CalendarCheckFlow",
    "enterprise-check": "flows.enterprise_check.flow:EnterpriseCheckFlow",
    "account-reconciliation": "flows.account_reconciliation.flow:AccountReconciliationFlow",
}


def flow_class(name: str) -> type[Flow]:
    """A flow's class by its name; UsageError for an unknown one or one this install lacks."""
    target = FLOWS.get(name)
    if target is None:
        raise UsageError(f"没有名为 {name!r} 的流程；可用的流程：{'、'.join(sorted(FLOWS))}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(f"流程 {name!r} 在此安装中不可用（缺少 {exc.name}）") from None
    found: type[Flow] = getattr(module, class_name)
    return found


def load_flow(name: str, params: dict[str, Any] | None = None) -> Flow:
    """Instantiate a flow by its name, with its parameters. An unknown flow, a parameter the flow
    does not take, a missing one or a value it refuses (ValueError) is a UsageError naming it."""
    flow_type = flow_class(name)
    given = dict(params or {})
    problem = parameter_problem(flow_type, given)
    if problem:
        raise UsageError(f"流程 {name} 的参数有误：{problem}")
    try:
        flow: Flow = flow_type(**given)
    except ValueError as exc:  # a value the flow refuses (pydantic's ValidationError too)
        raise UsageError(f"流程 {name} 的参数有误：{scrub_text(str(exc))}") from None
    return flow
