"""Which fields a row must fill, by action and account kind (DOMAIN.md §1, the export table)."""

from __future__ import annotations

from flows.account_filing.records import PERMIT_ACTIONS, PERMIT_KINDS
from flows.account_filing.vocabulary import ACTION_NAMES, KIND_NAMES

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
    required = dict.fromkeys(ALWAYS_REQUIRED, "")
    if action is not None:
        for name in REQUIRED_BY_ACTION.get(action, ()):
            required[name] = f"（{ACTION_NAMES[action]}必填）"
    if kind in PERMIT_KINDS:
        required["basic_account_permit"] = f"（{KIND_NAMES[kind]}必填）"
    elif action in PERMIT_ACTIONS:
        required["basic_account_permit"] = f"（{ACTION_NAMES[action]}必填）"
    return required
