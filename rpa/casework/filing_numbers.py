"""The filing number a person gives when marking a row filed by hand (异常处理): what can be one,
and the one AMS already showed for the row (`rpa.casework.actions`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rpa.casework.cases import ams_filing_of
from rpa.casework.taken_numbers import item_filing_ref, refuse_taken
from rpa.casework.words import LATER_FILING_NO
from rpa.errors import UsageError
from rpa.masking import scrub_text
from rpa.outcomes import OFF_THE_PAGE
from rpa.queue.aftercare import HELD_ON_REFILE
from rpa.queue.work_queue import WorkItem

if TYPE_CHECKING:
    from rpa.settings import Settings

_FILING_NO_LIMIT = 40  # rpa.masking keeps a reference (FieldClass.REFERENCE) of up to 40 whole
_FILING_NO = re.compile(rf"[0-9A-Za-z]{{1,{_FILING_NO_LIMIT}}}")


def looks_like_filing_no(settings: Settings, item: WorkItem, text: str) -> None:
    """Refuse a text that cannot be a filing number, unless it is the one AMS showed for the row.
    AMS's format is not documented (DOMAIN.md: "a filing number"; the mock AMS and the docs show
    digits, some with letters before them), so only that is asked: letters and digits (full-width
    ones read as half-width), at least one digit, no spaces or signs, within what the audit chain
    keeps whole. A number the bot knows for another filing is refused too (`taken_numbers`), but
    not AMS's own for the row: the row is held because AMS holds it under another date or content."""
    if not (ams_filing_of(item) and ams_filing_of(item).upper() == text.upper()):  # AMS's own says it
        refuse_odd_filing_no(_row(item), text)
        refuse_taken(settings, row=_row(item), filing_no=text, filing_ref=item_filing_ref(settings, item))


def refuse_odd_filing_no(row: int, text: str) -> None:
    """`looks_like_filing_no` for a row with no filing number AMS showed (a row put aside)."""
    if not _FILING_NO.fullmatch(text) or not any(ch.isdigit() for ch in text):
        shown = scrub_text(" ".join(text.split()))[:_FILING_NO_LIMIT] or "（空）"
        raise UsageError(f"第 {row} 行：“{shown}”不像 AMS 的备案编号：请照 AMS 的回执或备案历史"
                         "填写备案编号（只含字母和数字、至少一位数字，不含空格和符号，"
                         f"至多 {_FILING_NO_LIMIT} 个字符）")


def agrees_with_ams(item: WorkItem, filing_no: str, then: str) -> None:
    """Refuse a by-hand filing number other than the one AMS showed for the row's filing when
    the bot looked it up (`ams_filing_of`): AMS's record of that row is that filing; and the number
    of the later filing a row held as 晚到 was held behind (`LATER_FILING_NO`): not the row's."""
    later = str((item.result or {}).get(LATER_FILING_NO) or "").strip()
    if later and later.upper() == filing_no.upper():
        raise UsageError(f"第 {_row(item)} 行：{later} 是 AMS 中该账户更晚一笔业务的备案编号，不是本行的"
                         "（本行晚到，机器人未提交）：人工报备须填写在 AMS 办理本行业务后得到的备案编号")
    shown = ams_filing_of(item)
    if shown and shown.upper() != filing_no.upper():
        raise UsageError(f"第 {_row(item)} 行：机器人已在 AMS 中查到该行的备案，AMS 显示的备案编号为 "
                         f"{shown}（完整编号见异常处理页面或 rpa cases list），与人工报备的 {filing_no} "
                         f"不同：{then}")


def difference_note(item: WorkItem) -> str:
    """What the bot found before the mark (why it held or refused the row, or AMS's filing that
    differs), kept in the approved row's note (tester AD's F2: once approved the row read 人工报备
    with no word of the difference the clerk and checker had seen; tester BJ F3, 2026-12-07: so
    for any held row, its reason gone)."""
    earlier = " ".join(str((item.result or {}).get("note") or "").split())
    return f"；标记前机器人的发现：{scrub_text(earlier)}" if earlier else ""


def before_mark(item: WorkItem) -> dict[str, Any]:
    """The item's state and error code before the approved mark, with its result's word on where
    the hold was decided (`OFF_THE_PAGE`, `HELD_ON_REFILE`): result.xlsx still names the page the
    bot saw (`row_results.with_failure_shot`), or none when the hold was not decided on one."""
    result = item.result or {}
    kept = {name: result[name] for name in (OFF_THE_PAGE, HELD_ON_REFILE) if name in result}
    return {"state": item.state.value, "code": item.last_error_code or "", **kept}


def _row(item: WorkItem) -> int:
    return int(item.payload.get("row") or 0)
