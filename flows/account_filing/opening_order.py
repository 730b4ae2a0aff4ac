"""Nothing of an account comes before its 开户: a 变更 or 撤销 dated before the same file's 开户 of
its account goes to a person while validating, naming that 开户's row.

    order = OpeningOrder()
    outcome = order.noted(check.run(...), check.values)   # each row, as it is validated
    order.hold_rows_before_their_opening(result, outcomes)  # once every row is

Tester AK (2026-12-06): such a 变更 was filed first in business order, AMS answered 该账户未备案,
and the same-day 开户 was held behind it, a basic account left unfiled. One of the two dates is
wrong and only a person can say which: the 开户 is filed (`rows_aside` never holds an 开户 behind
a 变更 or 撤销 put aside), the other row is not. Rows are noted by what they parsed to, so
`rpa validate`, which keeps no records, sees them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flows.account_filing.export_rows import ExportReadResult
from flows.account_filing.issues import Severity, issue
from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.report import RowOutcome


class OpeningOrder:
    """The valid rows' 开户 dates by account, and their 变更/撤销 rows, as the rows are validated."""

    def __init__(self) -> None:
        self.opened: dict[str, tuple[date, int]] = {}  # account -> (its 开户's date, its row)
        self.later: list[tuple[str, date, int, str]] = []  # (account, date, row, action) of 变更/撤销

    def noted(self, outcome: RowOutcome, values: Mapping[str, object]) -> RowOutcome:
        """`outcome`, its row noted when valid (`values`: what its fields parsed to)."""
        account, day, action = values.get("account_no"), values.get("business_date"), values.get("action")
        if outcome.valid and isinstance(account, str) and isinstance(day, date):
            if action == "open":
                self.opened.setdefault(account, (day, outcome.row))
            elif action in ("change", "close"):
                self.later.append((account, day, outcome.row, str(action)))
        return outcome

    def hold_rows_before_their_opening(self, result: ExportReadResult, outcomes: list[RowOutcome]) -> None:
        """Each 变更/撤销 dated before its account's 开户 in this file: for a person."""
        by_row = {outcome.row: outcome for outcome in outcomes}
        column = result.column_for("business_date")
        for account, day, row, action in self.later:
            opening = self.opened.get(account)
            if opening is None or day >= opening[0]:
                continue
            outcome = by_row[row]
            header = outcome.read_from.get("business_date") or result.header_for("business_date")
            outcome.errors.append(issue(
                "before_its_opening", header, severity=Severity.NEEDS_PERSON, day=day, opening=opening[1],
                opened=opening[0], action=ACTION_LABELS.get(action, action),
                cell=f"{column.letter}{row}" if column and column.header == header else None))
            outcome.valid, outcome.needs_person = False, True
