"""信息核对 is confirmed only when it shows the row's filing: which filing it is, what it files,
and, for a 变更, AMS's own value for every field the 变更 does not change.

    ams = ams_now(record, history, detail)        # before the form: the 详情 of AMS's latest
    shown = bot.prepare_filing(record)
    check_page_agrees(record, shown, compared_fields(record), ams)   # or NeedsPerson

The page must show the row's 业务类型, 账号, 账户性质 and date (`CHECK_PAGE_KEY`): a portal that
swapped the account or shifted the date would file another filing than the row's (tester M's
drifting AMS closed another account four times). Then the fields the row files (`compared`)
must read as the row has them (`check_page_differs`). A 变更 types only the items its 变更事项
names and leaves the other fields as AMS filled the form in (`FilingRecord.kept_fields`): a form
that came prefilled wrong (a name cut short, a 经营范围 cut to four characters) would alter AMS's
record by a 变更 that names none of them. So each kept field the page shows is compared with AMS's
value from the 详情 of the account's latest 开户 or 变更 on or before the row's date (read by the
look-up already: `account_identity.standing_details`) (`check_page_alters_kept`); a field that
详情 leaves blank is not compared, and one 详情 holds that 信息核对 shows under no label the bot
knows stops the run as any unread field does (tester AX of 2026-12-07: 经营范围 shown as 主营业务,
the form blank, and AMS's 经营范围 was erased by a 变更 of 注册地址). Only a 基本存款账户's: the
depositor's data changes through its basic account, so a 一般/专用/临时 account's own latest 详情
may predate what AMS prefills its form with, and would hold a right form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bots.ams import differing_fields, record_content
from flows.account_filing.account_identity import standing_details
from flows.account_filing.notes import field_labels
from rpa.errors import NeedsPerson, PortalChanged

if TYPE_CHECKING:
    from bots.ams import AccountHistory, HistoryEntry
    from flows.account_filing.records import FilingRecord

CHECK_PAGE_KEY = ("action", "account_no", "account_kind", "business_date")
ALTERS_KEPT = "check_page_alters_kept"


def ams_now(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> dict[str, str] | None:
    """For a 变更, the 详情 of the account's latest 开户 or 变更 (read before the form is opened:
    one tab may hold both); None for another action or an account AMS shows no such filing of."""
    if record.action != "change" or record.account_kind != "basic":  # see the module docstring
        return None
    return next(standing_details(record, history, detail), None)


def check_page_agrees(
    record: FilingRecord, shown: dict[str, str], compared: Sequence[str], ams: dict[str, str] | None
) -> None:
    """Raise NeedsPerson (held) when 信息核对 (`shown`) is not the row's filing; `ams`: `ams_now`.
    A field it should show and shows under no label the bot knows is PortalChanged: the page
    changed, and every row would be held for it."""
    expected = record_content(record)
    unshown = [name for name in dict.fromkeys((*CHECK_PAGE_KEY, *compared)) if name not in shown and (
        ams.get(name) if ams is not None and name in record.kept_fields else
        name not in record.kept_fields and expected.get(name))]
    if unshown:
        raise PortalChanged(f"{record.masked_label()}：信息核对页上没有{field_labels(unshown)}一栏："
                            "AMS 的页面可能已改版，未提交：请在 AMS 中查看该页面并告知运维人员",
                            code="check_page_unread")
    differing = differing_fields(record, shown, (*CHECK_PAGE_KEY, *compared))
    if differing:
        raise NeedsPerson(
            f"{record.masked_label()}：信息核对页所示的{field_labels(differing)}与输入行不同，未提交",
            code="check_page_differs",
            details={"status": "held", "fields": differing},
        )
    altered = kept_fields_altered(record, shown, ams, compared)
    if altered:
        raise NeedsPerson(
            f"{record.masked_label()}：信息核对页所示的{field_labels(altered)}与AMS现值不同，未提交",
            code=ALTERS_KEPT,
            details={"status": "held", "fields": altered},
        )


def kept_fields_altered(
    record: FilingRecord, shown: dict[str, str], ams: dict[str, str] | None, fields: Sequence[str]
) -> list[str]:
    """The `fields` a 变更 keeps whose 信息核对 value is not AMS's (`ams`; none without it)."""
    if ams is None:
        return []
    kept = [name for name in fields if name in record.kept_fields and name in shown]
    return [name for name in kept if ams.get(name) and shown[name] != ams[name]]
