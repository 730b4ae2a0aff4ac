"""What differs between an export row (or our run's filing) and a filing AMS's list shows.

    found = differences(row, listed)   # (Difference(label, export, AMS, AMS filing no, row), ...)

Only the fields the list page shows are compared (`COMPARED`). 存款人名称 is compared as
registered (`normalise.as_registered`: width and spaces aside, letter case kept: 广州abc实业 is
not 广州ABC实业), the codes fully compacted (width, spaces and letter case aside). A blank export
cell is not compared (a 变更 row leaves its unchanged fields blank); a blank in AMS's list where
the export row has a value is a difference, shown as `BLANK`: AMS's list showing nothing is no
proof that AMS holds the export's value.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from bots.ams import ListedFiling
from flows.account_filing.normalise import as_registered, compact

COMPARED = {"depositor_name": "存款人名称", "account_kind": "账户性质", "uscc": "统一社会信用代码",
            "bank_code": "开户银行机构代码"}  # fmt: skip
_AS_REGISTERED = frozenset({"depositor_name"})  # names: letter case is a difference
BLANK = "（空）"  # AMS's list shows nothing in a field the export row fills
FILING_NO = "备案编号"


class Difference(NamedTuple):
    """One compared field that differs: its label, our value (the export row's, or our run's
    filing number), AMS's, the AMS filing it differs in, and which export row (or run) it is."""

    label: str
    export: str
    ams: str
    filing_no: str = ""
    source: str = ""


class Row(Protocol):
    """What `differences` reads of an export row (classify.ExportRow): where it is, and the
    compared fields."""

    @property
    def source(self) -> str: ...
    @property
    def depositor_name(self) -> str: ...
    @property
    def account_kind(self) -> str: ...
    @property
    def uscc(self) -> str: ...
    @property
    def bank_code(self) -> str: ...


def differences(row: Row, listed: ListedFiling) -> tuple[Difference, ...]:
    """The compared fields the export row fills and AMS's list shows otherwise (or not at all)."""
    found = []
    for name, label in COMPARED.items():
        mine, theirs = str(getattr(row, name)), str(getattr(listed, name))
        if not mine:
            continue  # not in the export row: nothing to compare
        same = as_registered if name in _AS_REGISTERED else compact
        if not theirs or same(mine) != same(theirs):
            found.append(Difference(label, mine, theirs or BLANK, listed.filing_no, row.source))
    return tuple(found)
