"""ResultPage: AMS's answer to 确认提交 (`selectors/ams.yaml`, page `result`): 成功 with the
filing number (and the 基本存款账户编号 AMS assigned to a basic account), or 失败 in its words.

    answer = ResultPage(screen).read(record, text)
    answer.filing_no, answer.permit, answer.message
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams._days import iso_day
from bots.ams._tables import read_table
from bots.ams.content import pairs_from_rows
from rpa.errors import ApplicationError, NeedsPerson

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages
    from bots.ams.content import CanonicalFiling


_DAY_LABELS = ("业务日期", "开户日期", "变更日期", "撤销日期")  # the answer's day, as AMS may label it


@dataclass(frozen=True)
class FilingAnswer:
    """AMS's 成功: the filing number, and the 基本存款账户编号 it assigned to a basic account."""

    filing_no: str
    permit: str | None
    message: str


class ResultPage:
    """The answer page in the tab worked in."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self.answer: FilingAnswer | None = None  # the last answer read

    def read(self, record: CanonicalFiling, text: str) -> FilingAnswer:
        """The answer `text` shows for this record: 失败 is the catalogue's error in AMS's words;
        成功 must name a filing number and this record's account."""
        screen = self.screen
        what = f"{codes.filing_words(record.action, record.account_no)} 的确认提交"
        refused = next((line for line in text.splitlines() if codes.FAILED_PREFIX in line), None)
        if refused is not None:
            reason = re.split(r"[：:]", refused.split(codes.FAILED_PREFIX, 1)[1], maxsplit=1)[-1].strip()
            raise screen.catalogue.error_for(reason or refused, context=what)
        result, _ = screen.expect("result", "success", text, what)
        pairs = pairs_from_rows(r.cells for r in read_table(result, "result_table"))
        filing_no, shown_account = pairs.get("备案编号", ""), codes.account_shown(pairs.get("账号"))
        if shown_account and "*" not in shown_account and shown_account != record.account_no:
            note = "AMS显示成功，但回执中是另一个账户：可能报备到了别的账户，未重试，请在AMS核实"
            raise NeedsPerson(f"{what}：{note}", code="answer_other_account",
                              details={"status": "held", "note": note})
        number, permit = codes.filing_number(filing_no), codes.permit_shown(pairs.get("基本存款账户编号"))
        shaped = number is not None and screen.selectors.page("result").shaped("filing_no", number)
        unread = ("没有备案编号" if not filing_no else "的备案编号读不出" if number is None
                  else "的备案编号与 AMS 备案编号的样式（selectors/ams.yaml）不符" if not shaped
                  else "读不出此账户的账号" if shown_account != record.account_no
                  else "的基本存款账户编号读不出" if permit is None else "")
        if unread:
            raise ApplicationError(f"{what}：AMS 显示成功，但回执中{unread}", code="answer_unreadable")
        _same_day(record, pairs, what, str(number))
        self.answer = FilingAnswer(str(number), permit or None, "成功")
        return self.answer

    def filing_number(self) -> str | None:
        """The filing number of the last answer read (None before one)."""
        return None if self.answer is None else self.answer.filing_no


def _same_day(record: CanonicalFiling, pairs: dict[str, str], what: str, number: str) -> None:
    """A 成功 whose 业务日期 (or 开户/变更/撤销日期) is not the row's is held, its number kept (tester
    BE F6, 2026-12-07: filed as 2026-12-03 while the row and result.xlsx said 2026-12-04, exit 0)."""
    shown = next((pairs[label] for label in _DAY_LABELS if pairs.get(label)), None)
    if shown is None or iso_day(shown) == record.business_date.isoformat():
        return
    note = (f"AMS显示成功，但回执中的业务日期为「{shown}」，不是输入行的 {record.business_date}："
            "可能以别的日期报备，未重试，请在AMS核实并更正")
    raise NeedsPerson(f"{what}：{note}", code="answer_other_date",
                      details={"status": "held", "note": note, "filing_no": number})
