"""What each row of the input ended as, in the run's two outputs: its line in result.xlsx
(`result_row`: the row's fields, its status and a clerk's note on why) and its row in
report.html (`input_row`: the account masked, the words of result.xlsx); and an item's row on
the console's 任务详情 (`item_row`: from the item alone, with the same status and note as
result.xlsx, `item_fate`, the same masking as report.html).

    >>> result_row(outcome, item, aliases.match, elsewhere="").status
    'filed'

A row that never became an item (invalid, or for a person before filing) has the reasons the
validation found; an item has the status and note its last attempt left, and a row another run
holds says what that run did with it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flows.account_filing.corrected_rows import corrected_fields, corrected_note, row_permit
from flows.account_filing.notes import done_note, field_labels, item_note
from flows.account_filing.registry import FIELDS, label_of, personal_class
from flows.account_filing.report import RowOutcome, masked_account
from flows.account_filing.result_book import ResultRow
from rpa.alerts.recount import shown_deadline
from rpa.approvals.words import APPROVED_BY, AWAITING_CODE, REJECTED_CODE
from rpa.casework.words import CORRECTED_BY, CORRECTED_FIELDS, FILED_BY_HAND
from rpa.masking import mask
from rpa.outcomes import outcome_label
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.run.item_rows import ItemRow
from rpa.run.report_evidence import last_failure_shot
from rpa.run.report_sections import InputRow
from rpa.run.runs import now_in

if TYPE_CHECKING:
    from rpa.run.runs import RunContext

_ITEM_STATUS = {
    ItemState.HELD: "held",
    ItemState.FAILED: "failed",
    ItemState.PENDING: "pending",
    ItemState.LEASED: "pending",
}


def item_status(item: WorkItem) -> tuple[str, dict[str, Any]]:
    """The row outcome code an item ended as (or stands at), and its result."""
    result = item.result or {}
    if item.state == ItemState.DONE:
        return str(result.get("status", "filed")), result
    if item.state == ItemState.BUSINESS_ERROR:
        if result.get("status") == REJECTED_CODE:  # a checker said no (maker-checker)
            return REJECTED_CODE, result
        return ("refused" if result.get("status") == "refused" else "rejected"), result
    if item.state == ItemState.HELD and item.last_error_code == AWAITING_CODE:
        return AWAITING_CODE, result
    return _ITEM_STATUS[item.state], result


def result_row(outcome: RowOutcome, item: WorkItem | None, match: Any, elsewhere: str,
               portal: str = "AMS") -> ResultRow:
    """The row's line in result.xlsx; `elsewhere` says what another run holding it did, `portal`
    names the system the item was worked in (its notes say AMS otherwise)."""
    # a date that does not read has no deadline to count (tester AK: a blank read as "none due")
    deadline = shown_deadline(outcome.deadline) if outcome.deadline is not None else "无法计算"
    shown = {**_shown_fields(outcome, match), **corrected_fields(item)}
    common: dict[str, Any] = {
        "sheet_row": outcome.row,
        "deadline": deadline,
        "overdue": outcome.overdue if outcome.deadline is not None else None,
        **shown,
    }
    if item is None:  # `elsewhere`: the row another run filed instead of this one put aside
        reasons = "；".join(p for p in (*(issue.message for issue in outcome.errors), elsewhere) if p)
        status = outcome.status if outcome.status != "valid" else "pending"
        return ResultRow(status=status, note=reasons, **common)
    absent = outcome.record.absent_fields if outcome.record is not None else frozenset()
    status, note = item_fate(item, absent, elsewhere, portal)
    result = item.result or {}
    filing_no, note = row_filing_no(item, note)
    return ResultRow(
        status=status,
        filing_no=filing_no,
        permit=str(result.get("permit") or row_permit(outcome, item)),
        portal_message=str(result.get("portal_message") or ""),
        evidence=str(result.get("evidence") or ""),
        note=note,
        run_id=item.run_id,
        **common,
    )


def with_failure_shot(row: ResultRow, item: WorkItem | None, ctx: RunContext) -> ResultRow:
    """A refused, held or failed row without evidence of its own gets the page the portal showed
    when it ended: the item's last failure screenshot, in the folder of the run that worked it;
    so does a row filed by hand, as the page the bot saw before the mark (tester BJ F3)."""
    by_hand = (item.result or {}).get("before") if item and row.status == FILED_BY_HAND else None
    if item is None or row.evidence or (item.state == ItemState.DONE and not isinstance(by_hand, dict)):
        return row
    held = item.result if item.state == ItemState.HELD else by_hand  # a later failure's page is its own
    shot = last_failure_shot(ctx.settings.runs_dir / item.run_id, ctx.item_ref(item.key), held)
    return replace(row, evidence=shot)


def from_this_folder(row: ResultRow, item: WorkItem | None, run_id: str) -> ResultRow:
    """result.xlsx's 证据文件 as a path from run `run_id`'s folder: evidence another run kept is
    `../<run>/evidence/…` (tester Q's Q8: `evidence/…` named a file this run's folder lacks)."""
    if item is None or not row.evidence or item.run_id == run_id:
        return row
    return replace(row, evidence=f"../{item.run_id}/{row.evidence}")


BY_CLOCK = "today_by_clock"  # a run's params: its day came from the clock, not a `today` given


def close_days(ctx: RunContext, run_day: date) -> tuple[date, Callable[[WorkItem], date]]:
    """The day result.xlsx judges a row not filed by, and the day a done item was filed: the
    clock's for a run whose day came from it (its resume or retry included: the run's first day
    is kept in its params), else the `today` the run was given, for both."""
    if not ctx.params.get(BY_CLOCK):
        return run_day, lambda _: run_day
    zone = ZoneInfo(ctx.settings.timezone)
    return now_in(ctx.settings).date(), lambda item: item.updated_at.astimezone(zone).date()


def overdue_at_close(row: ResultRow, outcome: RowOutcome, item: WorkItem | None, today: date,
                     filed_on: Callable[[WorkItem], date]) -> ResultRow:
    """是否逾期 as the row stands when result.xlsx is written, not when its run read the export
    (tester T's S5: a T+0 row read on its due day and filed after midnight said 否): a row the
    bot filed by when it filed it (`filed_on`), a row not done as of `today`; a row AMS already
    held, or a person filed, as its run judged it (when AMS stored it is not known here)."""
    if outcome.deadline is None:
        return row
    if item is not None and item.state == ItemState.DONE:
        if (item.result or {}).get("status") != "filed":
            return row
        return replace(row, overdue=filed_on(item) > outcome.deadline.due)
    return replace(row, overdue=today > outcome.deadline.due)


def item_fate(item: WorkItem, absent: Collection[str] = (), elsewhere: str = "",
              portal: str = "AMS") -> tuple[str, str]:
    """The row outcome code and the note of an item's row in result.xlsx: the words of its last
    attempt, who corrected or approved it, the fields the export did not have (`absent`), and
    what another run holding it did (`elsewhere`)."""
    status, result = item_status(item)
    if item.state == ItemState.DONE:
        note = done_note(status, result)
        corrected_by = item.payload.get(CORRECTED_BY)
        if corrected_by:  # filed as a person corrected it (异常处理), not as the row reads
            fields = "、".join(str(label) for label in item.payload.get(CORRECTED_FIELDS) or [])
            parts = (note, f"经 {corrected_by} 更正{fields}后报备", corrected_note(item))
            note = "；".join(part for part in parts if part)
    elif elsewhere and item.state in (ItemState.PENDING, ItemState.LEASED):
        note = ""  # that run's to finish: `elsewhere` says so
    else:  # the exception's text is run.log's, in English: a clerk reads the code's sentence
        note = item_note(status, item.last_error_code, result).replace("AMS", portal)
        if item.payload.get(CORRECTED_BY):  # its fields are as corrected, not as the row reads
            fields = "、".join(str(label) for label in item.payload.get(CORRECTED_FIELDS) or [])
            note = "；".join(part for part in (f"经 {item.payload[CORRECTED_BY]} 更正{fields}", note) if part)
    checker = item.payload.get(APPROVED_BY)
    if checker:  # a checker approved it, whatever came after (filed, refused by AMS, failed): who
        note = "；".join(part for part in (note, f"复核人 {checker} 批准") if part)
    if absent:
        kept = field_labels(name for name in FIELDS if name in absent)  # in the form's order
        note = f"{kept}：未提供（原值不变）" + (f"；{note}" if note else "")
    if elsewhere:
        note = f"{elsewhere}；{note}" if note else elsewhere
        if item.state in (ItemState.PENDING, ItemState.LEASED):
            status = "elsewhere"
    return status, note


def shown_name(name: str, category: str | None, uscc: object = None) -> str:
    """The depositor's name as report.html shows it: a 无字号个体工商户 is named by its owner's own
    name, personal data, masked like every person's name (`registry.name_is_owners`: so is a
    个体工商户's without a category read); an enterprise's name is shown."""
    kind = personal_class("depositor_name", category, str(uscc or ""))
    return mask(name, kind) if kind is not None else name


def row_filing_no(item: WorkItem, note: str) -> tuple[str, str]:
    """The row's 备案编号 column and note: the column holds the row's own filing only (filed, by
    the bot or by hand, or found already filed); a held row's number is AMS's other filing of the
    account (another date or content), named in the note so it is not read as the row's."""
    number = str((item.result or {}).get("filing_no") or "")
    if item.state == ItemState.DONE or not number:
        return number, note
    return "", "；".join(part for part in (note, f"AMS 中那笔报备的备案编号为 {number}") if part)


def item_row(item: WorkItem) -> ItemRow:
    """The item's row as result.xlsx has it, for 任务详情: read from its payload (the record as
    queued, masked once the run has ended: RPA_PAYLOAD_RETENTION) and its result; the account
    and the name masked as report.html masks them; who approved it, or who rejected it."""
    record = item.payload.get("record")
    record = record if isinstance(record, dict) else {}
    status, note = item_fate(item, record.get("absent_fields") or ())
    result = item.result or {}
    filing_no, note = row_filing_no(item, note)
    account = str(record.get("account_no") or "")
    checker = item.payload.get(APPROVED_BY) or (result.get("checker") if status == REJECTED_CODE else "")
    return ItemRow(
        sheet=str(item.payload.get("sheet") or ""),
        row=int(item.payload.get("row") or 0),
        action=label_of("action", str(record.get("action") or "")),
        account=masked_account(account) if account else "（无账号）",
        name=shown_name(str(record.get("depositor_name") or ""), record.get("depositor_category"),
                        record.get("uscc")),
        outcome=outcome_label(status),
        filing_no=filing_no,
        checker=str(checker or ""),
        note=note,
    )


def input_row(outcome: RowOutcome, item: WorkItem | None, row: ResultRow) -> InputRow:
    """The row as report.html shows it: the account masked, the words of result.xlsx."""
    account = outcome.account_masked or (masked_account(row.account_no) if row.account_no else "（无账号）")
    return InputRow(
        sheet=outcome.sheet,
        row=outcome.row,
        account=account,
        name=shown_name(row.depositor_name, row.depositor_category,
                        outcome.record.uscc if outcome.record else outcome.parsed.get("uscc")),
        action=row.action,
        outcome=row.status,
        filing_no=row.filing_no,
        portal_message=row.portal_message,
        note=row.note,
        attempts=0 if item is None else item.tries,
        evidence=row.evidence,
        evidence_run="" if item is None else item.run_id,  # another run's folder, when it settled the row
        due=row.deadline + ("，已逾期" if row.overdue else "") if row.deadline else "",
    )


def _shown_fields(outcome: RowOutcome, match: Any) -> dict[str, str]:
    """Action, account, name, date and coded fields as the record has them (labels, from the
    field registry), or as the row wrote them."""
    record = outcome.record
    if record is not None:
        return {
            "action": record.action_label,
            "account_no": record.account_no,
            "depositor_name": record.depositor_name or "",
            "account_kind": record.account_kind_label,
            "depositor_category": record.depositor_category or "",
            "id_type": record.id_type or "",
            "business_date": record.business_date.isoformat(),
            "change_items": record.change_items or "" if record.action == "change" else "",
            "close_reason": record.close_reason or "",
            "capital_yuan": "" if record.registered_capital_yuan is None or record.action == "close"
            or "registered_capital_yuan" in record.kept_fields else f"{record.registered_capital_yuan:.2f}",
        }
    raw: dict[str, str] = {}
    for header, text in outcome.raw.items():
        found = match(header)
        if found is None or found.field in raw:
            continue
        if outcome.read_from.get(found.field, header) == header:  # a 变更's date is not its 开户日期
            raw[found.field] = text
    return {
        "action": raw.get("action", ""),
        "account_no": raw.get("account_no", ""),
        "depositor_name": raw.get("depositor_name", ""),
        **{name: _as_label(name, raw.get(name, "")) for name in CODED},
        # a date that read, as every other row has it (tester AK: 2026年12月4日 beside 2026-12-04)
        "business_date": day.isoformat() if isinstance(day := outcome.parsed.get("business_date"), date)
        else raw.get("business_date", ""),
    }


CODED = ("account_kind", "depositor_category", "id_type")


def _as_label(name: str, written: str) -> str:
    """A coded cell of a row put aside as a valid row's is shown (`02` -> 企业法人), so one column
    reads one way; as written when it does not read."""
    value = FIELDS[name].choice(written)
    return written if value is None else label_of(name, value)

