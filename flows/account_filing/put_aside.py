"""What the audit chain keeps of each input row the run validates, beyond where it is, its status
and its codes: the account masked, the filing, its deadline, whether a dry run read it and a keyed
hash of the filing (`rpa.alerts.findings.filing_ref`); for a row put aside while validating
(需人工处理 before filing: 核准, a name outside GBK...; or invalid) also the validator's reasons.

A row put aside never becomes a work item, so this is what 异常处理, `rpa cases list` and the
list of filings overdue read it from (`rpa.alerts.findings.put_aside_rows`), as result.xlsx shows
it. A valid row is enqueued after the run has read which AMS it files into (a login, which may
fail): until a filing item of the same account, action and business date stands for it, the list
of filings due and overdue names it from these details (`rpa.alerts.findings.read_everywhere`).

    ctx.record("row.validated", ..., **row_details(outcome, settings.audit_key_bytes(), dry_run))
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.report import RowOutcome
from rpa.alerts.findings import ANY_ACTION, filing_ref
from rpa.alerts.recount import counted_from


def row_details(outcome: RowOutcome, key: bytes, dry_run: bool) -> dict[str, Any]:
    """The details a row's `row.validated` carries besides sheet, row, status and codes; a valid
    row's have no reasons. Nothing personal unmasked: the account masked, the filing hashed."""
    action, account, day = filing_of_outcome(outcome)
    reasons = {} if outcome.valid else {"reasons": "；".join(issue.message for issue in outcome.errors)}
    return {
        **reasons,
        "account": outcome.account_masked,
        "action": ACTION_LABELS.get(action, action),
        "business_date": day,
        "deadline": outcome.deadline.due.isoformat() if outcome.deadline is not None else "",
        **counted_from(outcome.deadline),  # counted again under the calendar in force when read
        "dry_run": dry_run,
        "filing_ref": filing_ref(f"{action}:{account}:{day}", key) if action and account and day else "",
        # the account and date alone: a row whose 业务类型 does not read is one of that day's filings
        "filing_ref_any": filing_ref(f"{ANY_ACTION}:{account}:{day}", key) if account and day else "",
    }


def filing_of_outcome(outcome: RowOutcome) -> tuple[str, str, str]:
    """Action, account number and business date, from the record or what of an invalid row parsed."""
    if outcome.record is not None:
        record = outcome.record
        return record.action, record.account_no, record.business_date.isoformat()
    values = outcome.parsed
    day = values.get("business_date")
    return (str(values.get("action") or ""), str(values.get("account_no") or ""),
            day.isoformat() if isinstance(day, date) else "")
