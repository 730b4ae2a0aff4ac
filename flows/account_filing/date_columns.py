"""Exports that give each action its own date column (开户日期, 变更日期 and 撤销日期 side by
side, `by_action` in config/header_aliases.yaml): a row's business date is read from the column
of its action only, never from another action's (a 变更 row's 开户日期 is when the account was
opened).

    >>> layout = PerActionDates.of(columns, aliases)   # None: the file has one date column
    >>> picked = layout.pick(values)                    # the cell, the column it came from

A row whose action has no column of its own in the file is marked (`DATE_COLUMN_MISSING`), its
date left unread, and so is a 变更 or 撤销 dated before its own row's 开户日期 (`BEFORE_OPENING`);
a row whose action does not read takes the earliest of its dates, so that its deadline is the
earliest it could have (the row is invalid anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flows.account_filing.aliases import HeaderAliases
from flows.account_filing.export_rows import Column, cell_at
from flows.account_filing.fields import FieldProblem, parse_field
from flows.account_filing.normalise import CellValue, cell_text
from flows.account_filing.registry import FIELDS

DATE_FIELD = FIELD = "business_date"
DATE_COLUMN_MISSING = "action_date_column_missing"
BEFORE_OPENING = "action_date_before_opening"


@dataclass(frozen=True, slots=True)
class Picked:
    """A row's business date cell, the column it was read from, and why it cannot be used."""

    value: CellValue
    column: Column
    bad: str | None = None

    @property
    def bad_cells(self) -> dict[str, str] | None:
        """As `RawRow.bad`: the date field marked when its column is missing."""
        return {FIELD: self.bad} if self.bad else None


@dataclass(frozen=True, slots=True)
class PerActionDates:
    """The file's date column for each action, and the header a missing one would have."""

    by_action: dict[str, Column]
    action_index: int | None
    headers: dict[str, str]

    @classmethod
    def of(cls, columns: Sequence[Column], aliases: HeaderAliases) -> PerActionDates | None:
        """The layout when the file has several date columns, each for another action; None
        otherwise (one date column, or two that are not one per action: refused by the reader)."""
        dates = [c for c in columns if c.field == FIELD]
        by_action: dict[str, Column] = {}
        for column in dates:
            action = aliases.action_of(FIELD, column.header)
            if action is None or action in by_action:
                return None
            by_action[action] = column
        if len(by_action) < 2:
            return None
        action_index = next((c.index for c in columns if c.field == "action"), None)
        headers = {a: aliases.action_header(FIELD, a) for a in FIELDS["action"].values}
        return cls(by_action, action_index, headers)

    def one_date(self, columns: list[Column]) -> list[Column]:
        """The columns with the first date column only: the others are the actions' own."""
        first = next(c for c in columns if c.field == FIELD)
        return [c for c in columns if c.field != FIELD or c is first]

    def pick_into(self, cells: dict[str, CellValue], values: Sequence[CellValue]) -> Picked:
        """Replace the action columns' cells (`columns_read`'s keys) by the row's date."""
        for action in self.by_action:
            del cells[f"{FIELD}:{action}"]
        picked = self.pick(values)
        cells[FIELD] = picked.value
        return picked

    def pick(self, values: Sequence[CellValue]) -> Picked:
        """The row's date: from its action's column; see the module docstring."""
        written = "" if self.action_index is None else cell_text(cell_at(values, self.action_index))
        action = FIELDS["action"].choice(written) if written.strip() else None
        if action is not None:
            column = self.by_action.get(action)
            if column is None:
                missing = Column(index=-1, letter="", header=self.headers[action], field=FIELD)
                return Picked(None, missing, DATE_COLUMN_MISSING)
            day, opened = cell_at(values, column.index), self.by_action.get("open")
            # a 变更/撤销 dated before the same row's 开户日期: one of the two is wrong (tester BE F9)
            opened_on = _day(cell_at(values, opened.index)) if opened and action != "open" else None
            if opened_on is not None and date.max > opened_on > _day(day):
                return Picked(day, column, BEFORE_OPENING)
            return Picked(day, column)
        written_dates = [(c, cell_at(values, c.index)) for c in self.by_action.values()]
        filled = [(c, v) for c, v in written_dates if cell_text(v).strip()]
        if not filled:
            return Picked(None, written_dates[0][0])
        column, value = min(filled, key=lambda pair: _day(pair[1]))
        return Picked(value, column)


def _day(value: CellValue) -> date:
    """A date cell's day for ordering; one that does not read comes last."""
    try:
        day = parse_field(FIELD, value, 1)
    except FieldProblem:
        return date.max
    return day if isinstance(day, date) else date.max


def columns_read(columns: list[Column], dates: PerActionDates | None) -> list[tuple[str, Column]]:
    """(key, column) of every column a row's cells are taken from: each field's, and with one
    date column per action, each of those under its own key until `pick_into`."""
    if dates is None:
        return [(c.field, c) for c in columns if c.field]
    read = [(c.field, c) for c in columns if c.field and c.field != FIELD]
    return read + [(f"{FIELD}:{action}", c) for action, c in dates.by_action.items()]
