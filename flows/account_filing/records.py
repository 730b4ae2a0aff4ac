"""The canonical account-filing record: one AMS filing, as the bot submits and the portal keeps it.

    >>> record = FilingRecord.model_validate(seed_item)      # JSON-shaped dict, dates as text
    >>> record.idempotency_key()
    'open:6228480012345678901:2026-11-20:3f0c2a9d41b7e5c8'

Field names and value forms are the shared interface of DOMAIN.md and the brief: the AMS mock
portal accepts seed filings in exactly this shape (plus an optional `filing_no`). The model checks
structure and check digits itself, so no invalid record exists whoever builds it; the friendly,
column-by-column Chinese messages come from `validate.py` before a record is built.
Coded fields (存款人类别, 法定代表人类别, 证件种类, 撤销原因) hold the field registry's labels
(`registry.py`), e.g. id_type `护照`, never a code: the portal's codes are the portal's.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_serializer,
    model_serializer,
    model_validator,
)

from flows.account_filing.change_items import named_fields
from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.registry import CITIZEN_NUMBER_TYPES, FIELDS, RESIDENT_ID, label_of
from flows.account_filing.resident_id import resident_id_problem
from flows.account_filing.uscc_check import uscc_checked
from flows.account_filing.vocabulary import AccountKind, Action
from rpa.masking import FieldClass, mask

# The content hash leaves out who typed the row: the same filing keyed by another operator is
# still the same filing.
NON_CONTENT_FIELDS = frozenset({"operator_id"})
PERMIT_KINDS = frozenset({"general", "special", "temporary"})
PERMIT_ACTIONS = frozenset({"change", "close"})
# The 变更 fields whose missing column means "not changed": the form leaves AMS's own value and
# the comparisons skip them. That is every field the 变更 form sends except those that identify
# the filing (账号, 业务日期, 变更事项, 基本存款账户编号), which stay required.
KEPT_WHEN_ABSENT = frozenset(
    {
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
    }
)
# The 撤销 form sends 账号, 基本存款账户编号, 撤销日期 and 撤销原因 only (bots/ams/_forms.py), so a
# close row may leave these blank (tester AK's F5 of 2026-12-06); 存款人名称 and 统一社会信用代码
# are compared with AMS's record where the row has them (account_identity), and 存款人类别, where
# it tells 备案 from 核准 (config/deadlines.yaml's approval), is asked for by the row check.
NOT_SENT_BY_CLOSE = frozenset(
    {"depositor_name", "depositor_category", "uscc", "legal_rep_role", "legal_rep_name", "id_type",
     "id_number"}
)
# Fields every record holds unless a 变更 leaves them to AMS (KEPT_WHEN_ABSENT) or a 撤销 does
# not send them and the row leaves them blank (NOT_SENT_BY_CLOSE)
_MAY_BE_BLANK = ("registered_address", "registered_capital_yuan", "business_scope")
_HELD_UNLESS_KEPT = tuple(name for name in sorted(KEPT_WHEN_ABSENT) if name not in _MAY_BE_BLANK)


def _valid_uscc(value: str) -> str:
    if uscc_checked(value)[0] is None:
        raise ValueError("统一社会信用代码无效")
    return value


def _fen(value: Decimal) -> Decimal:
    quantized = value.quantize(Decimal("0.01"))
    if quantized != value:
        raise ValueError("注册资金精确到分")
    return quantized


def _one_of(name: str) -> AfterValidator:
    """A coded field holds one of the registry's labels, exactly (never a code)."""
    allowed = FIELDS[name].values

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{FIELDS[name].label}不是已知的名称")
        return value

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(min_length=1)]


class FilingRecord(BaseModel):
    """One filing: open, change or close of a corporate settlement account."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    action: Action
    account_no: Annotated[str, StringConstraints(pattern=r"^\d{8,32}$")]
    account_kind: AccountKind
    business_date: date
    # None only where a 变更's export has no column for it (absent_fields)
    depositor_name: Text | None = None
    depositor_category: Annotated[str, _one_of("depositor_category")] | None = None
    uscc: (
        Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{18}$"), AfterValidator(_valid_uscc)] | None
    ) = None
    legal_rep_role: Annotated[str, _one_of("legal_rep_role")] | None = None
    legal_rep_name: Text | None = None
    id_type: Annotated[str, _one_of("id_type")] | None = None
    id_number: Text | None = None
    registered_address: str | None = None
    registered_capital_yuan: Annotated[Decimal, Field(ge=0), AfterValidator(_fen)] | None = None
    business_scope: str | None = None
    bank_code: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = None
    basic_account_permit: Annotated[str, StringConstraints(pattern=r"^J\d{13}$")] | None = None
    change_items: str | None = None
    close_reason: Annotated[str, _one_of("close_reason")] | None = None
    notice_date: date | None = None
    operator_id: str | None = None
    # 变更 only: fields the export has no column for, so AMS keeps its value (never "blank")
    absent_fields: frozenset[str] = frozenset()

    @field_serializer("absent_fields")
    def _sorted(self, value: frozenset[str]) -> list[str]:
        return sorted(value)  # a set's order changes between processes; hashes must not

    @model_serializer(mode="wrap")
    def _without_empty_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A full row dumps (and hashes) exactly as before `absent_fields` existed."""
        data: dict[str, Any] = handler(self)
        if not self.absent_fields:
            data.pop("absent_fields", None)
        return data

    @model_validator(mode="after")
    def _rules_across_fields(self) -> FilingRecord:
        if self.absent_fields:
            if self.action != "change" or not self.absent_fields <= KEPT_WHEN_ABSENT:
                raise ValueError("只有变更可以不提供账号、业务日期、变更事项、基本存款账户编号以外的项")
            if any(getattr(self, name) is not None for name in self.absent_fields):
                raise ValueError("未提供的项不能有值")
        missing = [
            FIELDS[name].label
            for name in _HELD_UNLESS_KEPT
            if getattr(self, name) is None and name not in self.kept_fields
        ]
        if missing:
            raise ValueError(f"须填写{'、'.join(missing)}")
        if (
            self.id_type == RESIDENT_ID
            and self.id_number is not None
            and resident_id_problem(self.id_number) is not None
        ):
            raise ValueError("居民身份证号码无效")
        if (
            self.id_type is not None  # None: a 变更 leaving 证件种类 to AMS
            and self.id_type not in CITIZEN_NUMBER_TYPES
            and self.id_number is not None
            and resident_id_problem(self.id_number) is None
        ):
            raise ValueError("证件号码是居民身份证号码，与证件种类不符")
        if self.action == "open" and not self.registered_address:
            raise ValueError("开户须填写注册地址")
        if self.action == "change" and not self.change_items:
            raise ValueError("变更须填写变更事项")
        if self.action == "close" and not self.close_reason:
            raise ValueError("撤销须填写有效的撤销原因")
        needs_permit = self.account_kind in PERMIT_KINDS or self.action in PERMIT_ACTIONS
        if needs_permit and not self.basic_account_permit:
            raise ValueError("须填写基本存款账户编号")
        return self

    @property
    def kept_fields(self) -> frozenset[str]:
        """The fields this filing leaves as AMS holds them: a 变更's fields its export has no
        column for (`absent_fields`) and those its 变更事项 does not name (`change_items`); a basic
        account's own 基本存款账户编号 at its 开户, which AMS issues (never typed: tester AF); a
        撤销's fields its form does not send, where the row leaves them blank."""
        if self.action == "open" and self.account_kind == "basic":
            return self.absent_fields | {"basic_account_permit"}
        if self.action == "close":
            return self.absent_fields | {name for name in NOT_SENT_BY_CLOSE if getattr(self, name) is None}
        if self.action != "change":
            return self.absent_fields
        return self.absent_fields | (KEPT_WHEN_ABSENT - named_fields(self.change_items or ""))

    @property
    def action_label(self) -> str:
        """业务类型 as AMS shows it: 开户, 变更 or 撤销."""
        return label_of("action", self.action)

    @property
    def account_kind_label(self) -> str:
        """账户性质 as AMS shows it: 基本存款账户 and so on."""
        return label_of("account_kind", self.account_kind)

    def content_hash(self) -> str:
        """sha256 of the normalised content fields (sorted JSON): equal content, equal hash."""
        content = self.model_dump(mode="json", exclude=set(NON_CONTENT_FIELDS))
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    def idempotency_key(self) -> str:
        """action:account_no:business_date:content-hash prefix. A record's key, not a diagnostic."""
        return f"{self.action}:{self.account_no}:{self.business_date.isoformat()}:{self.content_hash()[:16]}"

    def masked_label(self) -> str:
        """A short description safe for logs: `开户 ***************8901 2026-11-20`."""
        account = mask(self.account_no, FieldClass.ACCOUNT_NO)
        return f"{ACTION_LABELS.get(self.action, self.action)} {account} {self.business_date.isoformat()}"


ACTION_ORDER = {"open": 0, "change": 1, "close": 2}


def business_order(record: FilingRecord) -> tuple[date, int]:
    """Where a filing stands among its account's: by business date, then open, change, close."""
    return record.business_date, ACTION_ORDER[record.action]
