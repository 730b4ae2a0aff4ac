"""Which fields a row must fill, by action and account kind (DOMAIN.md §1, the export table),
and which columns an export must have: a missing column is never a value.

- 开户: every field the form sends needs its column (a file with 开户 rows and no such column is
  refused), unless the field may be blank and the operator states the export has no such column
  (`--absent-column 注册资金`): then 开户 rows file it blank (注册资金: 未标明), recorded as such.
- 变更: a missing column of KEPT_WHEN_ABSENT means "not changed": AMS keeps its own value.
- 撤销: the fields its form does not send (NOT_SENT_BY_CLOSE) may be blank; 存款人类别 is asked
  for by the row check where it tells 备案 from 核准.
"""

from __future__ import annotations

from collections.abc import Iterable

from flows.account_filing.aliases import HeaderAliases
from flows.account_filing.records import KEPT_WHEN_ABSENT, NOT_SENT_BY_CLOSE, PERMIT_ACTIONS, PERMIT_KINDS
from flows.account_filing.vocabulary import ACTION_NAMES, KIND_NAMES
from rpa.errors import UsageError

ALWAYS_REQUIRED = (
    "action",
    "account_no",
    "account_kind",
    "business_date",
    "depositor_name",
    "depositor_category",
    "uscc",
    "legal_rep_role",
    "legal_rep_name",
    "id_type",
    "id_number",
    "bank_code",
)
REQUIRED_BY_ACTION: dict[str, tuple[str, ...]] = {
    "open": ("registered_address",),
    "change": ("change_items",),
    "close": ("close_reason",),
}


def required_fields(action: str | None, kind: str | None) -> dict[str, str]:
    """Required field -> why ("" when always required, else e.g. "（开户必填）")."""
    not_sent = NOT_SENT_BY_CLOSE if action == "close" else frozenset()
    required = {name: "" for name in ALWAYS_REQUIRED if name not in not_sent}
    if action is not None:
        for name in REQUIRED_BY_ACTION.get(action, ()):
            required[name] = f"（{ACTION_NAMES[action]}必填）"
    if kind in PERMIT_KINDS:
        required["basic_account_permit"] = f"（{KIND_NAMES[kind]}必填）"
    elif action in PERMIT_ACTIONS:
        required["basic_account_permit"] = f"（{ACTION_NAMES[action]}必填）"
    return required

# What the 开户 form sends (bots/ams/_forms.py): without its column an 开户 row would be filed
# with a made-up value, so a file with 开户 rows must have every one of these columns.
OPEN_FORM_FIELDS = (
    "account_no",
    "account_kind",
    "business_date",
    "depositor_name",
    "depositor_category",
    "uscc",
    "legal_rep_role",
    "legal_rep_name",
    "id_type",
    "id_number",
    "registered_address",
    "registered_capital_yuan",
    "business_scope",
    "bank_code",
    "basic_account_permit",
)
# The 开户 fields a row may leave blank: only these may be stated absent (`--absent-column`),
# and an 开户 row then files them blank (注册资金: 未标明).
MAY_BE_STATED_ABSENT = ("registered_capital_yuan", "business_scope", "basic_account_permit")
__all__ = ["KEPT_WHEN_ABSENT", "MAY_BE_STATED_ABSENT", "OPEN_FORM_FIELDS", "required_fields", "stated_absent"]


def stated_absent(names: Iterable[str], aliases: HeaderAliases) -> frozenset[str]:
    """The fields named by `--absent-column` (a header or any alias of it). UsageError for a
    name that is no column of the export, or a field an 开户 cannot leave blank."""
    fields: set[str] = set()
    allowed = "、".join(aliases.canonical_header(f) for f in MAY_BE_STATED_ABSENT)
    for name in names:
        found = aliases.named(name)
        if found is None:
            raise UsageError(f"--absent-column「{name}」不是报备导出的列名；可声明没有的列：{allowed}")
        if found.field not in MAY_BE_STATED_ABSENT:
            raise UsageError(
                f"--absent-column「{name}」：{aliases.canonical_header(found.field)}是开户必填项，"
                f"不能声明没有；可声明没有的列：{allowed}"
            )
        fields.add(found.field)
    return frozenset(fields)
