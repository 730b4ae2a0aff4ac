"""Which fields a 变更's 变更事项 names, read strictly, item by item.

    >>> sorted(named_fields("注册地址、经营范围"))
    ['business_scope', 'registered_address']
    >>> unread_items("经营范围，未变更注册资金")
    ('未变更注册资金',)

A 变更 files the fields its 变更事项 names and leaves every other field of the 变更 form as AMS
holds it (`FilingRecord.kept_fields`): the export row's other cells are the bank's master data,
which may differ from AMS's without anyone having declared a change.

变更事项 is split on 、，,；;／/ 和 及 与 and spaces (full or half width); each item must be exactly
one of the words below, a 变更 before or after it allowed. Anything else (a negation such as
注册地址不变 or 除法定代表人外, a remark in brackets, an item the 变更 form has not, such as
财务负责人 or 经营地址) is not read into a field: `unread_items` lists it and the row check makes
the row an error. Words are never matched inside other words: 财务负责人 is not 负责人, 经营地址
is not 地址.
"""

from __future__ import annotations

import re
import unicodedata

_REP = ("legal_rep_role", "legal_rep_name", "id_type", "id_number")
_ID = ("id_type", "id_number")
# each word a 变更事项 may write for an item, and the fields it changes: DOMAIN.md's headers, the
# words of config/header_aliases.yaml that name the same field, and the 法定代表人 of the 变更 form
# (a new representative comes with their ID document)
CHANGE_ITEM_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("存款人名称", "名称", "单位名称", "企业名称", "账户名称", "户名", "更名"),
                    ("depositor_name",)),
    **dict.fromkeys(("存款人类别", "存款人类型", "单位类别"), ("depositor_category",)),
    **dict.fromkeys(("统一社会信用代码", "社会信用代码", "统一信用代码", "信用代码"), ("uscc",)),
    **dict.fromkeys(("法定代表人", "单位负责人", "负责人", "法定代表人(单位负责人)", "法定代表人或单位负责人",
                     "法定代表人姓名", "法定代表人类别", "法人代表", "法定代表人(负责人)"), _REP),
    **dict.fromkeys(("证件", "证件种类", "证件号码", "证件类型", "法定代表人证件"), _ID),
    **dict.fromkeys(("注册地址", "注册地", "住所", "地址", "住所(注册地址)", "注册地址(住所)"),
                    ("registered_address",)),
    **dict.fromkeys(("注册资金", "注册资本", "注册资本金"), ("registered_capital_yuan",)),
    **dict.fromkeys(("经营范围",), ("business_scope",)),
    **dict.fromkeys(("开户银行", "开户银行机构代码", "银行机构代码"), ("bank_code",)),
}  # fmt: skip
KNOWN_ITEMS = ("存款人名称、存款人类别、统一社会信用代码、法定代表人（单位负责人）、证件、"
               "注册地址、注册资金、经营范围、开户银行")
# \s: the full-width space too; a list's next number (注册地址2.经营范围, its space gone) starts an item
_SEPARATORS = re.compile(r"[、，,；;／/\s和及与]+|(?<=[^\d(（])(?=\d{1,2}[.、:)）])")


def items_of(text: str) -> tuple[str, ...]:
    """The items `text` lists, as written, the separators, blanks and a list's bare numbers
    (1、注册地址) dropped."""
    return tuple(item for item in _SEPARATORS.split(text) if item and not re.fullmatch(r"\d{1,2}", item))


_NUMBERING = re.compile(r"^(?:\d{1,2}[.、:)]|\(\d{1,2}\)|[①-⑳])")  # 1.注册地址 2.经营范围, （1）, ①
_END = re.compile(r"[。.]$")


def _word(item: str) -> str:
    """The known word an item is (compared in half-width form: 法定代表人（单位负责人）), with a
    变更 written before or after it (法定代表人变更, 变更经营范围), a list's number before it or a
    full stop after it; else the item itself."""
    item = _END.sub("", _NUMBERING.sub("", unicodedata.normalize("NFKC", item)))
    for word in (item, item.removeprefix("变更"), item.removesuffix("变更")):
        if word in CHANGE_ITEM_WORDS:
            return word
    return item


def unread_items(text: str) -> tuple[str, ...]:
    """The items of `text`, as written, that are none of the known words: a row with any is not
    filed."""
    return tuple(item for item in items_of(text) if _word(item) not in CHANGE_ITEM_WORDS)


def named_fields(text: str) -> frozenset[str]:
    """The fields the known items of `text` (a 变更事项) name; empty when it names none."""
    return frozenset(name for item in items_of(text) for name in CHANGE_ITEM_WORDS.get(_word(item), ()))


# the word filed into AMS's 变更事项 for an item, whichever word the export wrote (户名, 住所)
_FILED_WORD = {
    ("depositor_name",): "存款人名称", ("depositor_category",): "存款人类别", ("uscc",): "统一社会信用代码",
    _REP: "法定代表人（单位负责人）", _ID: "证件", ("registered_address",): "注册地址",
    ("registered_capital_yuan",): "注册资金", ("business_scope",): "经营范围", ("bank_code",): "开户银行",
}  # fmt: skip


def filed_items(text: str) -> str:
    """`text` as filed: each item as AMS's form names it, in the order written, each once
    (户名、住所 is filed 存款人名称、注册地址: tester AD saw the export's words in AMS). A text with an
    item that is no known word is returned as written (the row is refused, quoting it).

    >>> filed_items("户名 住所、法人代表变更"), filed_items("户名、财务负责人")
    ('存款人名称、注册地址、法定代表人（单位负责人）', '户名、财务负责人')
    """
    if unread_items(text):
        return text
    words = [_FILED_WORD[CHANGE_ITEM_WORDS[_word(item)]] for item in items_of(text)]
    return "、".join(dict.fromkeys(words)) or text


def same_items(ours: str | None, shown: str | None) -> bool:
    """Whether two 变更事项 name the same fields, every item known (住所、注册资本 is AMS's
    注册地址、注册资金): the look-up's words, not its spelling, make it one change."""
    ours, shown = ours or "", shown or ""
    if unread_items(ours) or unread_items(shown):
        return False
    return bool(named_fields(ours)) and named_fields(ours) == named_fields(shown)
