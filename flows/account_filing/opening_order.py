"""Nothing of an account comes before its 开户: a 变更 dated before the same file's earliest 开户
of its account, with no 撤销 of it in the file between them, goes to a person while validating,
naming that 开户's row.

    order = OpeningOrder()
    outcome = order.noted(check.run(...), check.values)   # each row, as it is validated
    order.hold_rows_before_their_opening(result, outcomes)  # once every row is

Tester AK (2026-12-06): such a 变更 was filed first in business order, AMS answered 该账户未备案,
and the same-day 开户 was held behind it, a basic account left unfiled. One of the two dates is
wrong and only a person can say which: the 开户 is filed (`rows_aside` does not hold an 开户 behind
a row put aside for this, `BEFORE_ITS_OPENING`), the 变更 is not. An account closed and opened again
under its number (the code review of 2026-12-06) is no such case: a 撤销 before a 开户 is its
previous life's, and so is a 变更 with a 撤销 between it and the 开户. Rows are noted by what they
parsed to, so `rpa validate`, which keeps no records, sees them too. So does a 一般/专用/临时 开户
dated before the same file's 开户 of its depositor's basic account (same 统一社会信用代码): it
quotes a 基本存款账户编号 AMS issues at that 开户 (tester BE F5, 2026-12-07).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flows.account_filing.export_rows import ExportReadResult
from flows.account_filing.issues import Severity, issue
from flows.account_filing.report import RowOutcome

BEFORE_ITS_OPENING = "before_its_opening"
BEFORE_ITS_BASIC = "before_its_basic"


class OpeningOrder:
    """The valid rows' 开户 and 撤销 dates by account, and their 变更 rows, as rows are validated."""

    def __init__(self) -> None:
        self.opened: dict[str, tuple[date, int]] = {}  # account -> (its earliest 开户's date, its row)
        self.closed: dict[str, list[date]] = {}  # account -> its 撤销 rows' dates
        self.changes: list[tuple[str, date, int]] = []  # (account, date, row) of each 变更
        self.basic: dict[str, tuple[date, int]] = {}  # credit code -> its basic account's 开户 (date, row)
        self.others: list[tuple[str, date, int]] = []  # (credit code, date, row) of 一般/专用/临时 开户

    def noted(self, outcome: RowOutcome, values: Mapping[str, object]) -> RowOutcome:
        """`outcome`, its row noted when valid (`values`: what its fields parsed to)."""
        account, day, action = values.get("account_no"), values.get("business_date"), values.get("action")
        if outcome.valid and isinstance(account, str) and isinstance(day, date):
            code = values.get("uscc")
            if action == "open" and (account not in self.opened or day < self.opened[account][0]):
                self.opened[account] = (day, outcome.row)
            if action == "open" and isinstance(code, str):  # the depositor's accounts, by credit code
                kind = values.get("account_kind")
                if kind == "basic" and (code not in self.basic or day < self.basic[code][0]):
                    self.basic[code] = (day, outcome.row)
                elif kind != "basic":
                    self.others.append((code, day, outcome.row))
            if action == "close":
                self.closed.setdefault(account, []).append(day)
            elif action == "change":
                self.changes.append((account, day, outcome.row))
        return outcome

    def hold_rows_before_their_opening(self, result: ExportReadResult, outcomes: list[RowOutcome]) -> None:
        """Each 变更 dated before its account's earliest 开户 in this file, no 撤销 between: for a person."""
        by_row = {outcome.row: outcome for outcome in outcomes}
        for account, day, row in self.changes:
            opening = self.opened.get(account)
            if opening is None or day >= opening[0]:
                continue
            if any(day <= closed <= opening[0] for closed in self.closed.get(account, ())):
                continue  # the account's previous life: closed, then opened again
            outcome = by_row[row]
            header = outcome.read_from.get("business_date") or result.header_for("business_date")
            column = next((c for c in result.columns if c.header == header), None)
            outcome.errors.append(issue(
                BEFORE_ITS_OPENING, header, severity=Severity.NEEDS_PERSON, day=day, opening=opening[1],
                opened=opening[0], cell=f"{column.letter}{row}" if column and column.letter else None))
            outcome.valid, outcome.needs_person = False, True
        for code, day, row in self.others:  # tester BE F5: an account quoting a permit not yet issued
            basic = self.basic.get(code)
            if basic is not None and day < basic[0]:
                outcome = by_row[row]
                header = outcome.read_from.get("business_date") or result.header_for("business_date")
                outcome.errors.append(issue(BEFORE_ITS_BASIC, header, severity=Severity.NEEDS_PERSON, day=day,
                                            opening=basic[1], opened=basic[0]))
                outcome.valid, outcome.needs_person = False, True
