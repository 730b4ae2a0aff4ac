"""Matching the export's rows, our filing runs' filings and AMS's list by account, action and
business date, into the five classes of the reconciliation.

    lines = reconcile(rows, ours, listed)   # class -> its lines, in business order

A key with AMS's filing and ours is 已报备已确认; AMS's without ours is 非本行报送 (by hand, or
by another branch); ours without AMS's is 已报备但AMS无记录; an export row with neither is
应报未报 (its deadline and whether overdue). Wherever AMS's filing and an export row meet, a field
both show differently (width and spaces aside) is 数据不一致, naming the field; a confirmed
filing that differs is listed there only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from bots.ams import ListedFiling
from flows.account_filing.normalise import compact

Key = tuple[str, str, str]  # (action, account number, business date yyyy-mm-dd)
CONFIRMED, DUE, NOT_IN_AMS = "已报备已确认", "应报未报", "已报备但AMS无记录"
NOT_OURS, DIFFERS = "非本行报送", "数据不一致"
CLASSES = (CONFIRMED, DUE, NOT_IN_AMS, NOT_OURS, DIFFERS)
COMPARED = {"depositor_name": "存款人名称", "account_kind": "账户性质", "uscc": "统一社会信用代码",
            "bank_code": "开户银行机构代码"}  # fmt: skip
_ORDER = {"open": 0, "change": 1, "close": 2}


@dataclass(frozen=True)
class ExportRow:
    """A row of a core-banking export of the period, as validated (账户性质 as its label)."""

    source: str  # file, sheet and row: `export.xlsx 开户清单 第3行`
    action: str
    account_no: str
    business_date: str
    depositor_name: str = ""
    account_kind: str = ""
    uscc: str = ""
    bank_code: str = ""
    deadline: str = ""
    overdue: bool = False
    note: str = ""  # why it is not filed: a row for a person, or what a filing run made of it
    item_key: str = ""  # its filing item's key (`FilingRecord.idempotency_key`)

    @property
    def key(self) -> Key:
        return self.action, self.account_no, self.business_date


@dataclass(frozen=True)
class OurFiling:
    """A filing one of our account-filing runs made (its item done as 已报备)."""

    action: str
    account_no: str
    business_date: str
    filing_no: str
    run_id: str

    @property
    def key(self) -> Key:
        return self.action, self.account_no, self.business_date


@dataclass(frozen=True)
class Line:
    """One line of a class: the key, the name, the filing numbers, and what the class needs."""

    action: str
    account_no: str
    business_date: str
    depositor_name: str = ""
    ams_filing_no: str = ""
    our_filing_no: str = ""
    run_id: str = ""
    source: str = ""
    deadline: str = ""
    overdue: bool = False
    differences: tuple[tuple[str, str, str], ...] = ()  # (field label, export, AMS)
    note: str = ""


@dataclass
class Reconciled:
    """Each class's lines."""

    lines: dict[str, list[Line]] = field(default_factory=lambda: {name: [] for name in CLASSES})

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.lines[DUE])

    @property
    def differing(self) -> int:
        return len(self.lines[DIFFERS])


def differences(row: ExportRow, listed: ListedFiling) -> tuple[tuple[str, str, str], ...]:
    """The compared fields both show and show differently (a blank on either side is not shown)."""
    found = []
    for name, label in COMPARED.items():
        mine, theirs = str(getattr(row, name)), str(getattr(listed, name))
        if mine and theirs and compact(mine) != compact(theirs):
            found.append((label, mine, theirs))
    return tuple(found)


def _first(items: Iterable[ListedFiling]) -> dict[Key, list[ListedFiling]]:
    grouped: dict[Key, list[ListedFiling]] = {}
    for item in items:
        grouped.setdefault((item.action, item.account_no, item.business_date), []).append(item)
    return grouped


def reconcile(
    rows: Iterable[ExportRow], ours: Iterable[OurFiling], listed: Iterable[ListedFiling]
) -> Reconciled:
    """Every key of the three sources, in business order, into its classes."""
    exported: dict[Key, ExportRow] = {}
    for given in rows:
        exported.setdefault(given.key, given)
    filed = {filing.key: filing for filing in ours}
    in_ams = _first(listed)
    keys = sorted(set(exported) | set(filed) | set(in_ams), key=lambda k: (k[2], k[1], _ORDER.get(k[0], 9)))
    out = Reconciled()
    for key in keys:
        row, mine, theirs = exported.get(key), filed.get(key), in_ams.get(key, [])
        action, account_no, day = key
        base = Line(action, account_no, day, depositor_name=(row.depositor_name if row else "")
                    or (theirs[0].depositor_name if theirs else ""),
                    ams_filing_no="、".join(t.filing_no for t in theirs),
                    our_filing_no=mine.filing_no if mine else "", run_id=mine.run_id if mine else "",
                    source=row.source if row else "",
                    note=f"AMS 中有 {len(theirs)} 条同一账号、业务类型和日期的备案" if theirs[1:] else "")
        if not theirs:
            if mine is not None:
                out.lines[NOT_IN_AMS].append(base)
            elif row is not None:
                due = replace(base, deadline=row.deadline, overdue=row.overdue, note=row.note)
                out.lines[DUE].append(due)
            continue
        differ = differences(row, theirs[0]) if row is not None else ()
        if differ:
            out.lines[DIFFERS].append(replace(base, differences=differ))
        if mine is None:
            out.lines[NOT_OURS].append(base)
        elif not differ:
            out.lines[CONFIRMED].append(base)
    return out
