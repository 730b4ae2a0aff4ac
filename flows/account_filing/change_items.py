"""Which fields a 变更's 变更事项 names, by the words a core-banking export writes for them.

    >>> sorted(named_fields("注册地址、经营范围"))
    ['business_scope', 'registered_address']

A 变更 files the fields its 变更事项 names and leaves every other field of the 变更 form as AMS
holds it (`FilingRecord.kept_fields`): the export row's other cells are the bank's master data,
which may differ from AMS's without anyone having declared a change.
"""

from __future__ import annotations

# how a 变更事项 names the fields a 变更 may leave to AMS
CHANGE_ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "depositor_name": ("存款人名称", "单位名称", "名称", "更名"),
    "depositor_category": ("存款人类别",),
    "uscc": ("统一社会信用代码", "信用代码"),
    "legal_rep_role": ("法定代表人", "负责人"),
    "legal_rep_name": ("法定代表人", "负责人"),
    # the ID document is the representative's: a new representative comes with theirs
    "id_type": ("证件", "法定代表人", "负责人"),
    "id_number": ("证件", "法定代表人", "负责人"),
    "registered_address": ("注册地址", "住所", "地址"),
    "registered_capital_yuan": ("注册资金", "注册资本"),
    "business_scope": ("经营范围",),
    "bank_code": ("开户银行", "银行机构代码"),
}
KNOWN_ITEMS = ("存款人名称、存款人类别、统一社会信用代码、法定代表人（单位负责人）、证件、"
               "注册地址、注册资金、经营范围、开户银行")


def named_fields(items: str) -> frozenset[str]:
    """The fields `items` (a 变更事项) names; empty when it names none the bot knows."""
    return frozenset(name for name, words in CHANGE_ITEM_WORDS.items() if any(w in items for w in words))
