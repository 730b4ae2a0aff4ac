"""Matching the export's rows, our filing runs' filings and AMS's list by account, action and
business date, into the five classes of the reconciliation.

    lines = reconcile(rows, ours, listed)   # class -> its lines, in business order

Every key (action, account, business date) of the three sources is in exactly one class, so the
counts add up to the keys (`reconcile` refuses to return otherwise):

- an export row and a filing AMS lists under the key differ in a compared field: 数据不一致
  (each field, with the AMS filing and the export row it is about), whoever filed it; a key may
  have several export rows and AMS several filings: every row is compared with every filing,
  and the line names them all (its note saying how many), never the first alone;
- else AMS's filing and ours: 已报备已确认;
- else AMS's filing without ours: 非本行报送 (by hand, or by another branch), its note saying
  whether it matches an export row (the row is then reported, not by our runs) or none;
- ours without AMS's: 已报备但AMS无记录; an export row with neither: 应报未报 (its deadline and
  whether overdue).

A filing number is checked too: AMS listing filings under our key but none with the number our
run recorded is 数据不一致 on 备案编号; AMS listing our run's filing under another key (another
date, action or account) is 数据不一致 on the key's parts that differ, at the key AMS lists, while
our key stays 已报备但AMS无记录 (or its own class); both lines say where the other source has it.

Only what AMS's list page shows is compared (`SCOPE`): the key and the `COMPARED` fields
(compare.py: a name as registered, codes compacted; a blank in AMS's list where the export row
has a value is a difference). 注册资金, 法定代表人 and the rest are on a filing's detail page
only: unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from bots.ams import ListedFiling
from flows.account_filing.notes import ACTION_LABELS
from flows.account_reconciliation.compare import COMPARED, FILING_NO, Difference, differences

Key = tuple[str, str, str]  # (action, account number, business date yyyy-mm-dd)
CONFIRMED, DUE, NOT_IN_AMS = "已报备已确认", "应报未报", "已报备但AMS无记录"
NOT_OURS, DIFFERS = "非本行报送", "数据不一致"
CLASSES = (CONFIRMED, DUE, NOT_IN_AMS, NOT_OURS, DIFFERS)
NOT_COMPARED = ("存款人类别", "法定代表人类别及姓名", "证件种类及号码", "注册地址", "注册资金", "经营范围",
                "基本存款账户编号", "变更事项", "撤销原因", "通知日期")  # fmt: skip
SCOPE = (f"已核对：账号、业务类型、业务日期及{'、'.join(COMPARED.values())}（AMS 备案业务清单所列，"
         "存款人名称区分字母大小写，清单留空而导出行有值的算作不一致）；"
         f"未核对：{'、'.join(NOT_COMPARED)}（清单不列，须打开备案详情），"
         f"故{CONFIRMED}、{NOT_OURS}只表示已核对的字段相符")
_ORDER = {"open": 0, "change": 1, "close": 2}
_Keyed = TypeVar("_Keyed")


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
    item_key: str = ""  # its filing item's key (`FilingRecord.idempotency_key`); none when invalid
    invalid: bool = False  # matched by the key alone: the row did not validate (`note` says why)

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
    differences: tuple[Difference, ...] = ()  # each field that differs, and where
    note: str = ""
    unconfirmed: bool = False  # AMS would not show its account: not known to be a whole number

    @property
    def listed_twice(self) -> bool:
        """AMS lists two or more filings of this key (`ams_filing_no` joins their numbers with 、)."""
        return "、" in self.ams_filing_no


@dataclass
class Reconciled:
    """Each class's lines."""

    lines: dict[str, list[Line]] = field(default_factory=lambda: {name: [] for name in CLASSES})

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.lines[DUE])

    @property
    def total(self) -> int:
        return sum(len(lines) for lines in self.lines.values())

    @property
    def differing(self) -> int:
        return len(self.lines[DIFFERS])

    @property
    def estimated(self) -> int:
        """Lines whose deadline is counted through a year without an official calendar (`（估算）`)."""
        return sum(line.deadline.endswith("（估算）") for lines in self.lines.values() for line in lines)


def _grouped(items: Iterable[_Keyed], key_of: Callable[[_Keyed], Key]) -> dict[Key, list[_Keyed]]:
    """Every item of each key, in the order given (none dropped: a key may have several)."""
    grouped: dict[Key, list[_Keyed]] = {}
    for item in items:
        grouped.setdefault(key_of(item), []).append(item)
    return grouped


def _listed_key(filing: ListedFiling) -> Key:
    """A listed filing's key (action, account number, business date)."""
    return filing.action, filing.account_no, filing.business_date


def reconcile(
    rows: Iterable[ExportRow], ours: Iterable[OurFiling], listed: Iterable[ListedFiling]
) -> Reconciled:
    """Every key of the three sources, in business order, into its classes."""
    exported = _grouped(rows, lambda row: row.key)
    filed = {filing.key: filing for filing in ours}
    in_ams = _grouped(listed, _listed_key)
    elsewhere = _Elsewhere(filed.values(), [t for found in in_ams.values() for t in found])
    keys = sorted(set(exported) | set(filed) | set(in_ams), key=lambda k: (k[2], k[1], _ORDER.get(k[0], 9)))
    out = Reconciled()
    for key in keys:
        found, mine, theirs = exported.get(key, []), filed.get(key), in_ams.get(key, [])
        action, account_no, day = key
        notes = [*([f"导出文件中有 {len(found)} 行同一账号、业务类型和日期"] if found[1:] else []),
                 *([f"AMS 中有 {len(theirs)} 条同一账号、业务类型和日期的备案"] if theirs[1:] else []),
                 *elsewhere.notes(key, mine, theirs)]
        moved = elsewhere.ours_listed_here(key, theirs)
        whose = mine or (moved[0][1] if moved else None)
        base = Line(action, account_no, day, depositor_name=(found[0].depositor_name if found else "")
                    or (theirs[0].depositor_name if theirs else ""),
                    ams_filing_no="、".join(t.filing_no for t in theirs),
                    our_filing_no=whose.filing_no if whose else "", run_id=whose.run_id if whose else "",
                    source="；".join(row.source for row in found), note="；".join(notes))  # fmt: skip
        differing = (*(d for row in found for filing in theirs for d in differences(row, filing)),
                     *_number_differs(mine, theirs), *(d for pair in moved for d in _key_differs(*pair)))
        name = _class_of(mine, theirs, differing)
        out.lines[name].append(_line(name, base, found, differing))
    check_partition(out, keys)
    return out


def _number_differs(mine: OurFiling | None, theirs: list[ListedFiling]) -> tuple[Difference, ...]:
    """备案编号, when AMS lists filings under our key but none with the number our run recorded."""
    if mine is None or not mine.filing_no or not theirs or mine.filing_no in {t.filing_no for t in theirs}:
        return ()
    numbers = "、".join(t.filing_no for t in theirs)
    return (Difference(FILING_NO, mine.filing_no, numbers, numbers, f"本行报备运行 {mine.run_id}"),)


def _key_differs(listed: ListedFiling, ours: OurFiling) -> tuple[Difference, ...]:
    """Our run's filing that AMS lists under another key: the key's parts that differ (tester V's
    1.3: such a line was 非本行报送, its note saying the number is ours)."""
    action = ACTION_LABELS.get
    parts = (("业务类型", action(ours.action, ours.action), action(listed.action, listed.action)),
             ("账号", ours.account_no, listed.account_no),
             ("业务日期", ours.business_date, listed.business_date))
    return tuple(Difference(label, mine, theirs, listed.filing_no, f"本行报备运行 {ours.run_id}")
                 for label, mine, theirs in parts if mine != theirs)


class _Elsewhere:
    """Filing numbers that one source holds under another key than the other: the key's class
    stays its own, and the line says where the other source has the number."""

    def __init__(self, ours: Iterable[OurFiling], listed: Iterable[ListedFiling]) -> None:
        self.ours = {filing.filing_no: filing for filing in ours if filing.filing_no}
        self.listed = {filing.filing_no: filing for filing in listed if filing.filing_no}

    def ours_listed_here(self, key: Key, theirs: list[ListedFiling]) -> list[tuple[ListedFiling, OurFiling]]:
        """AMS's filings under `key` whose number our runs recorded for another key."""
        return [(filing, ours) for filing in theirs
                if (ours := self.ours.get(filing.filing_no)) is not None and ours.key != key]

    def notes(self, key: Key, mine: OurFiling | None, theirs: list[ListedFiling]) -> list[str]:
        found = []
        if mine is not None and (there := self.listed.get(mine.filing_no)) and _listed_key(there) != key:
            found.append(f"AMS 清单将此备案编号列为 {_said(_listed_key(there), key)}")
        for filing in theirs:
            if (ours := self.ours.get(filing.filing_no)) and ours.key != key:
                found.append(f"备案编号 {filing.filing_no} 是本行报备运行 {ours.run_id} 报送的 "
                             f"{_said(ours.key, key)}")
        return found


def _said(where: Key, key: Key) -> str:
    """Another key as a clerk reads it: 开户 2026-09-29 (with its account when that differs too)."""
    action, account_no, day = where
    other = f"（账号 {account_no}）" if account_no != key[1] else ""
    return f"{ACTION_LABELS.get(action, action)} {day}{other}"


def _class_of(mine: OurFiling | None, theirs: list[ListedFiling], differing: tuple[Difference, ...]) -> str:
    """The one class of a key, from what each source holds of it (the module's docstring): any
    export row of the key differing from any filing AMS lists under it is 数据不一致."""
    if not theirs:
        return NOT_IN_AMS if mine is not None else DUE
    if differing:
        return DIFFERS
    return CONFIRMED if mine is not None else NOT_OURS


def _line(name: str, base: Line, found: list[ExportRow], differing: tuple[Difference, ...]) -> Line:
    """A key's line with what its class needs."""
    if name == DUE and found:
        deadlines = [row.deadline for row in found if row.deadline]
        said = [row.note if not found[1:] else f"{row.source}：{row.note}" for row in found if row.note]
        return replace(base, deadline=min(deadlines, default=""), overdue=any(row.overdue for row in found),
                       note="；".join([*([base.note] if base.note else []), *said]))  # fmt: skip
    if name == DIFFERS:
        return replace(base, differences=differing)
    if name == NOT_OURS or (name in (CONFIRMED, NOT_IN_AMS) and not found):  # tester V's 1.2: an
        whose = ("导出文件中没有这一笔" if not found  # export cut short told nothing of our own filings
                 else "与导出行的已核对字段相符，非本行报备运行报送")
        return replace(base, note=f"{base.note}；{whose}" if base.note else whose)
    return base


def check_partition(out: Reconciled, keys: list[Key]) -> None:
    """Each key in exactly one class: the sheets' counts add up to the keys, or nothing is written."""
    placed = [(line.action, line.account_no, line.business_date) for lines in out.lines.values()
              for line in lines]  # fmt: skip
    if len(placed) != len(keys) or set(placed) != set(keys):
        raise AssertionError(f"核对分类有误：{len(keys)} 个键（账号、业务类型、业务日期）分入了 "
                             f"{len(placed)} 行，请报告此缺陷")
