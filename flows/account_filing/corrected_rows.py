"""A row a person corrected (异常处理, `rpa cases correct`) in result.xlsx: its fields as
corrected while its item's payload holds them; once its run has ended the payload is masked
(RPA_PAYLOAD_RETENTION), and result.xlsx written again (a retry, a resume) shows the row as the
export has it, its note saying the corrected values are no longer kept, never masked values
in the columns (tester AG saw 北********* there).
"""

from __future__ import annotations

from typing import Any

from flows.account_filing.registry import label_of
from flows.account_filing.report import RowOutcome
from rpa.casework.words import CORRECTED_BY
from rpa.masking import MASKED_MARK
from rpa.queue.work_queue import WorkItem


def _corrected_record(item: WorkItem | None) -> dict[str, Any] | None:
    """A corrected item's record (异常处理), while its payload still holds it: once its run has
    ended, the payload is masked (RPA_PAYLOAD_RETENTION) and result.xlsx, written again, shows
    the row as the export has it rather than masked values (tester AG: 北********* there)."""
    if item is None or not item.payload.get(CORRECTED_BY) or item.payload.get(MASKED_MARK):
        return None
    record = item.payload.get("record")
    return record if isinstance(record, dict) else None


def row_permit(outcome: RowOutcome, item: WorkItem | None) -> str:
    """基本存款账户编号 where AMS's answer gave none: as corrected, else as the export has it."""
    corrected = _corrected_record(item)
    if corrected is not None:
        return str(corrected.get("basic_account_permit") or "")
    if item is not None and item.payload.get(CORRECTED_BY):
        return ""  # corrected, its value masked since: not the export's uncorrected one
    if outcome.record is None or "basic_account_permit" in outcome.record.kept_fields:
        return ""  # a basic 开户's number is AMS's to issue: never the export's, which is not filed
    return outcome.record.basic_account_permit or ""


def corrected_fields(item: WorkItem | None) -> dict[str, str]:
    """A corrected item's fields as corrected (异常处理): what it files, or filed, not the row's."""
    record = _corrected_record(item)
    if record is None:
        return {}
    return {"depositor_name": str(record.get("depositor_name") or ""),
            "account_kind": label_of("account_kind", str(record.get("account_kind") or "")),
            "depositor_category": str(record.get("depositor_category") or ""),
            "id_type": str(record.get("id_type") or "")}


def corrected_note(item: WorkItem) -> str:
    """For a corrected row whose payload has been masked: where its corrected values are not."""
    if item.payload.get(CORRECTED_BY) and item.payload.get(MASKED_MARK):
        return ("更正后的值在运行结束后已按保留规定脱敏，不在本表：该行的名称等为导出原值，"
                "更正过的基本存款账户编号不显示，报备内容以 AMS 为准")
    return ""
