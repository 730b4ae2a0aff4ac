"""What a filing says, read the same way from a record and from AMS's pages.

AMS shows a filing as label/value rows (信息核对, 备案详情, the result page). `page_content()`
turns such rows into canonical field values; `record_content()` turns a record into the same
forms, so the two can be compared field by field:

    coded fields (业务类型, 账户性质, 存款人类别, 法定代表人类别, 证件种类, 撤销原因) as the label
    the portal displays (`codes.option_label`: no `01-` code, no whitespace), never a code:
    信息核对 compares what the portal shows with the record's label; dates ISO, 注册资金 in 元
    with two decimals ("" when 未标明), every other text NFKC-normalised with whitespace
    collapsed (`codes.plain`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from bots.ams import codes
from bots.ams._days import iso_day
from rpa.errors import PortalChanged


class CanonicalFiling(Protocol):
    """The canonical account-filing record, as far as the bot reads it."""

    @property
    def action(self) -> str: ...

    @property
    def action_label(self) -> str: ...

    @property
    def account_no(self) -> str: ...

    @property
    def account_kind_label(self) -> str: ...

    @property
    def account_kind(self) -> str: ...

    @property
    def business_date(self) -> date: ...

    @property
    def depositor_name(self) -> str | None: ...

    @property
    def depositor_category(self) -> str | None: ...

    @property
    def uscc(self) -> str | None: ...

    @property
    def legal_rep_role(self) -> str | None: ...

    @property
    def legal_rep_name(self) -> str | None: ...

    @property
    def id_type(self) -> str | None: ...

    @property
    def id_number(self) -> str | None: ...

    @property
    def registered_address(self) -> str | None: ...

    @property
    def registered_capital_yuan(self) -> Decimal | None: ...

    @property
    def business_scope(self) -> str | None: ...

    @property
    def bank_code(self) -> str | None: ...

    @property
    def basic_account_permit(self) -> str | None: ...

    @property
    def change_items(self) -> str | None: ...

    @property
    def close_reason(self) -> str | None: ...

    @property
    def kept_fields(self) -> frozenset[str]: ...


# label as AMS shows it -> canonical field
LABEL_FIELDS: dict[str, str] = {
    "业务类型": "action",
    "账号": "account_no",
    "账户性质": "account_kind",
    "开户日期": "business_date",
    "变更日期": "business_date",
    "撤销日期": "business_date",
    "业务日期": "business_date",
    "存款人名称": "depositor_name",
    "存款人类别": "depositor_category",
    "统一社会信用代码": "uscc",
    "法定代表人类别": "legal_rep_role",
    "法定代表人姓名": "legal_rep_name",
    "证件种类": "id_type",
    "证件号码": "id_number",
    "注册地址": "registered_address",
    "注册资金": "registered_capital_yuan",
    "经营范围": "business_scope",
    "开户银行机构代码": "bank_code",
    "基本存款账户编号": "basic_account_permit",
    "变更事项": "change_items",
    "撤销原因": "close_reason",
    "备案编号": "filing_no",
}


_PERSON_FIELDS = ("depositor_name", "depositor_category", "uscc", "legal_rep_role", "legal_rep_name",
                  "id_type", "id_number", "registered_address", "registered_capital_yuan", "business_scope",
                  "bank_code", "basic_account_permit")
# what every 详情 of a filing of that 业务类型 shows (blank or not): a label missing, or renamed
# beyond LABEL_FIELDS, would read as "AMS holds nothing there" (tester BB, 2026-12-07: a 变更 that
# changed nothing filed when 注册地址 was renamed 住所; a 撤销 at a bank AMS does not hold filed
# when 开户银行机构代码 was gone)
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "open": ("filing_no", "account_no", "account_kind", "business_date", *_PERSON_FIELDS),
    "change": ("filing_no", "account_no", "business_date", "change_items", *_PERSON_FIELDS),
    "close": ("filing_no", "account_no", "business_date", "basic_account_permit", "close_reason"),
}
FIELD_LABELS = {field: label for label, field in reversed(LABEL_FIELDS.items())}  # 开户日期 for the date


def missing_labels(content: dict[str, str]) -> list[str]:
    """The labels a 详情 of its 业务类型 shows and `content` (from `page_content`) lacks; the
    业务类型 itself when it does not read."""
    action = codes.action_of(content.get("action"))
    if action not in DETAIL_FIELDS:
        return ["业务类型"]
    return [codes.DATE_LABELS[action] if field == "business_date" else FIELD_LABELS[field]
            for field in DETAIL_FIELDS[action] if field not in content]


def label_key(text: str) -> str:
    """A label cell's words without the required-field star and the colon."""
    return codes.plain(text).replace("*", "").rstrip(":：").strip()


def pairs_from_rows(rows: Iterable[Sequence[str]]) -> dict[str, str]:
    """Label/value pairs of a table read row by row (cells 0-1, 2-3, ...): the first wins, but a
    label the bot reads (`LABEL_FIELDS`) shown twice with two values is PortalChanged: which one
    AMS holds cannot be known (the values are not quoted: they may be personal)."""
    pairs: dict[str, str] = {}
    for cells in rows:
        for i in range(0, len(cells) - 1, 2):
            label, value = label_key(cells[i]), codes.plain(cells[i + 1])
            if label and pairs.setdefault(label, value) != value and label in LABEL_FIELDS:
                raise PortalChanged(f"AMS 页面上「{label}」出现两次，内容不同：无法确定哪一个是 AMS 所记，"
                                    "请核对页面", code="label_twice")
    return pairs


CODED_FIELDS = frozenset(
    {"action", "account_kind", "depositor_category", "legal_rep_role", "id_type", "close_reason"}
)


def _shown_value(field: str, shown: str) -> str:
    if field == "action":  # 开户备案 is 开户
        return codes.action_word(codes.action_of(shown) or codes.option_label(shown))
    if field in CODED_FIELDS:
        return codes.option_label(shown)
    if field == "registered_capital_yuan":
        return codes.capital_yuan(shown)
    if field == "business_date":  # 2026/11/27, 2026年11月27日: the same day
        return iso_day(shown) or codes.plain(shown)
    if field in CODE_FIELDS:
        return _code(shown)
    return _text(shown) if field in TEXT_FIELDS else codes.plain(shown)


# numbers and codes: shown in groups (102 1000 99996, 6228-4800-…) they are the same (tester BB)
CODE_FIELDS = frozenset({"account_no", "uscc", "id_number", "bank_code", "basic_account_permit"})


def _code(value: str | None) -> str:
    return codes.account_shown(value).upper()


# free text a clerk types: a space beside a Chinese character is no part of it (北京市海淀区 新址路1号
# is 北京市海淀区新址路1号, as the export's reader takes it: tester BB), between two Latin words one
TEXT_FIELDS = frozenset({"depositor_name", "legal_rep_name", "registered_address", "business_scope"})
_SPACE_BY_CJK = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")  # as the export's reader


def _text(value: str | None) -> str:
    return _SPACE_BY_CJK.sub("", codes.plain(value))


def page_content(pairs: dict[str, str]) -> dict[str, str]:
    """Canonical field -> value for every known label among `pairs` (from `pairs_from_rows`). The
    date is the one its 业务类型's own label gives (a 变更 page may show the account's 开户日期
    above its 变更日期), else 业务日期, else the first date label shown."""
    content: dict[str, str] = {}
    for label, shown in pairs.items():
        field = LABEL_FIELDS.get(label)
        if field is not None and field not in content:
            content[field] = _shown_value(field, shown)
    action = codes.action_of(content.get("action"))
    for label in (codes.DATE_LABELS.get(action or "", ""), "业务日期"):
        if label in pairs:
            content["business_date"] = _shown_value("business_date", pairs[label])
            break
    return content


def record_content(record: CanonicalFiling) -> dict[str, str]:
    """The record's fields in the forms `page_content` produces."""
    text, label = codes.plain, codes.option_label
    return {
        "action": label(record.action_label),
        "account_no": _code(record.account_no),
        "account_kind": label(record.account_kind_label),
        "business_date": record.business_date.isoformat(),
        "depositor_name": _text(record.depositor_name),
        "depositor_category": label(record.depositor_category),
        "uscc": _code(record.uscc),
        "legal_rep_role": label(record.legal_rep_role),
        "legal_rep_name": _text(record.legal_rep_name),
        "id_type": label(record.id_type),
        "id_number": _code(record.id_number),
        "registered_address": _text(record.registered_address),
        "registered_capital_yuan": codes.capital_text(record.registered_capital_yuan),
        "business_scope": _text(record.business_scope),
        "bank_code": _code(record.bank_code),
        "basic_account_permit": _code(record.basic_account_permit),
        "change_items": text(record.change_items),
        "close_reason": label(record.close_reason),
    }


def differing_fields(record: CanonicalFiling, shown: dict[str, str], fields: Iterable[str]) -> list[str]:
    """The names (never the values) of `fields` whose page value differs from the record's.
    Fields the record leaves to AMS (`kept_fields`: AMS keeps its own) are not compared."""
    expected = record_content(record)
    compared = [name for name in dict.fromkeys(fields) if name not in record.kept_fields]  # once each
    return [name for name in compared if expected.get(name, "") != shown.get(name, "")]
