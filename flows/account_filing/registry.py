"""The one field registry of the filing flow: what every field of a filing means.

    >>> FIELDS["id_type"].label, FIELDS["id_type"].choice("身份证")
    ('证件种类', '居民身份证')
    >>> FIELDS["depositor_category"].choice("01"), FIELDS["id_type"].choice("7")
    ('企业法人', None)

Per field: its Chinese label (the export's canonical header, and the label AMS shows), its
type and limits, for a coded field its list of labels with the other words people write for
them (其他 for 其它, 身份证 for 居民身份证, names with and without 的), the codes the
core-banking export writes for some of them, and the element of the AMS form it fills
(selectors/ams.yaml). Field names are those config/header_aliases.yaml keys by.

Records carry labels, never codes: the portal's own codes are the portal's, read from its page
when the bot chooses an option by its visible label. Codes appear in one place only, the
explicit table of what the export writes (`export_codes`): a number not in it is refused, never
guessed. `action` and `account_kind` keep short keys (open, basic...) because rules and deadlines
are written with them; their labels are here too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from rpa.masking import FieldClass

FieldType = Literal["choice", "identifier", "text", "date", "amount"]

_SPACES = re.compile(r"\s+")
# "01-企业法人", "1．居民身份证", "07 其它" (spaces already gone): a code written before the label
_CODE_PREFIX = re.compile(r"^\d{1,2}[-.、:]?(?=\D)")


def plain(text: str) -> str:
    """How labels are compared: NFKC (full-width to half-width), no whitespace at all."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Choice:
    """One label of a coded field, the other words written for it, and (action, account_kind)
    the short key records carry instead of the label."""

    label: str
    aliases: tuple[str, ...] = ()
    key: str | None = None

    @property
    def value(self) -> str:
        """What a record holds for this choice."""
        return self.key or self.label


@dataclass(frozen=True)
class FieldSpec:
    """One field of a filing (see the module docstring)."""

    name: str
    label: str
    type: FieldType
    portal_element: str | None = None
    max_gbk_bytes: int | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] = ()
    export_codes: Mapping[str, str] = field(default_factory=dict)  # export code -> label
    code_width: int = 0  # export codes are zero-padded to this width ("1" -> "01")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.choices)

    @property
    def values(self) -> tuple[str, ...]:
        """Every value a record may hold for this field."""
        return tuple(c.value for c in self.choices)

    def choice(self, text: str) -> str | None:
        """The record's value for what a person or the export wrote: a label, an alias, a
        label with its code before it, or a code of the export's table. None when unknown."""
        written = plain(text)
        if written.isdigit():
            code = written.zfill(self.code_width) if self.code_width else written
            label = self.export_codes.get(code)
            return None if label is None else self.choice(label)
        bare = _CODE_PREFIX.sub("", written) or written
        words = self._words
        for candidate in (written, bare, written.lower()):
            if candidate in words:
                return None if candidate == bare and self.disagreeing(written) else words[candidate]
        return None

    def disagreeing(self, text: str) -> str:
        """`02-企业法人`, a code of the export's table before another choice's name (tester BA,
        2026-12-07: filed as 企业法人 by its name, the code dropped): both readings, else ""."""
        written = plain(text)
        prefix = _CODE_PREFIX.match(written)
        bare = _CODE_PREFIX.sub("", written)
        if prefix is None or bare not in self._words:
            return ""
        digits = re.sub(r"\D", "", prefix.group())
        coded = self.export_codes.get(digits.zfill(self.code_width) if self.code_width else digits)
        if coded is not None and self.choice(coded) == self._words[bare]:
            return ""
        value = self._words[bare]
        named = f"{self.export_code_of(value) or ''} {self.label_of(value)}".strip()
        return f"{digits}{f' {coded}' if coded else '（代码表中没有这个代码）'}、{named}"

    @cached_property
    def _words(self) -> dict[str, str]:
        """Every word written for a choice (label, aliases, key), normalised -> the record's value."""
        words: dict[str, str] = {}
        for choice in self.choices:
            for word in (choice.label, *choice.aliases, *((choice.key,) if choice.key else ())):
                words.setdefault(plain(word), choice.value)
        return words

    def label_of(self, value: str) -> str:
        """The label of a record's value (`basic` -> 基本存款账户); the value itself when unknown."""
        return next((c.label for c in self.choices if c.value == value), value)

    def export_code_of(self, value: str) -> str | None:
        """The export's code for a record's value, None when the export's table has none."""
        label = self.label_of(value)
        return next((code for code, name in self.export_codes.items() if name == label), None)


def _choices(*labels: str | tuple[str, tuple[str, ...]]) -> tuple[Choice, ...]:
    return tuple(Choice(x) if isinstance(x, str) else Choice(x[0], x[1]) for x in labels)


ACTION_CHOICES = (
    Choice("开户", ("新开户", "开立"), "open"),
    Choice("变更", ("账户变更",), "change"),
    Choice("撤销", ("销户", "撤户", "账户撤销"), "close"),
)
KIND_CHOICES = tuple(  # 帐户: the older spelling many core systems still print
    Choice(label, (label[:2], label[:2] + "户", label[:2] + "账户", label[:2] + "帐户",
                   label.replace("账", "帐")), key)
    for key, label in (
        ("basic", "基本存款账户"),
        ("general", "一般存款账户"),
        ("special", "专用存款账户"),
        ("temporary", "临时存款账户"),
    )
)
# 存款人类别 01-17 (DOMAIN.md): the export writes the code or the name.
_CATEGORIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("01", "企业法人", ()),
    ("02", "非法人企业", ()),
    ("03", "机关", ()),
    ("04", "实行预算管理的事业单位", ()),
    ("05", "非预算管理的事业单位", ()),
    ("06", "团级(含)以上军队及分散执勤的支(分)队", ()),
    ("07", "团级(含)以上武警部队及分散执勤的支(分)队", ()),
    ("08", "社会团体", ()),
    ("09", "宗教组织", ()),
    ("10", "民办非企业组织", ()),
    ("11", "外地常设机构", ()),
    ("12", "外国驻华机构", ()),
    ("13", "有字号个体工商户", ("有字号的个体工商户",)),
    ("14", "无字号个体工商户", ("无字号的个体工商户",)),
    ("15", "居民委员会、村民委员会、社区委员会", ()),
    ("16", "单位设立的独立核算的附属机构", ()),
    ("17", "其他组织", ("其它组织",)),
)
# 证件种类: the labels AMS-style forms list. Only 1 居民身份证 and 9 其它 are known export
# codes (DOMAIN.md); any other number is refused rather than guessed.
ID_TYPE_CHOICES = _choices(
    ("居民身份证", ("身份证", "第二代居民身份证", "二代身份证")),
    ("临时居民身份证", ("临时身份证",)),
    ("户口簿", ("户口本",)),
    "护照",
    "军官证",
    "文职干部证",
    "警官证",
    "士兵证",
    ("港澳居民来往内地通行证", ("港澳通行证", "回乡证", "港澳居民通行证")),
    ("台湾居民来往大陆通行证", ("台胞证", "台湾居民通行证")),
    ("外国人永久居留身份证", ("外国人永久居留证",)),
    ("其它", ("其他", "其它证件", "其他证件")),
)
CLOSE_REASON_CHOICES = _choices(
    "撤并",
    "解散",
    "宣告破产",
    "关闭",
    ("被吊销营业执照", ("吊销营业执照",)),
    "转户",
    ("其它", ("其他",)),
)

RESIDENT_ID = "居民身份证"  # the ID type whose numbers are checked (GB 11643)
# the ID types whose number may be the holder's 公民身份号码, as on their 居民身份证 (the service
# and police cards carry it too): under any other type a sound 居民身份证 number is the 证件种类
# cell's slip (a 护照, 港澳/台湾通行证 number is none)
CITIZEN_NUMBER_TYPES = frozenset(
    {RESIDENT_ID, "临时居民身份证", "户口簿", "军官证", "文职干部证", "警官证", "士兵证"}
)

_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("action", "业务类型", "choice", choices=ACTION_CHOICES),
    FieldSpec("account_no", "账号", "identifier", "account_no", pattern=r"\d{8,32}"),
    FieldSpec("account_kind", "账户性质", "choice", "account_kind", choices=KIND_CHOICES),
    FieldSpec("business_date", "开户日期", "date", "business_date"),
    FieldSpec("depositor_name", "存款人名称", "text", "depositor_name", max_gbk_bytes=128),
    FieldSpec(
        "depositor_category",
        "存款人类别",
        "choice",
        "depositor_category",
        choices=tuple(Choice(label, aliases) for _, label, aliases in _CATEGORIES),
        export_codes={code: label for code, label, _ in _CATEGORIES},
        code_width=2,
    ),
    FieldSpec("uscc", "统一社会信用代码", "identifier", "uscc", pattern=r"[0-9A-Z]{18}"),
    FieldSpec(
        "legal_rep_role",
        "法定代表人类别",
        "choice",
        "legal_rep_role",
        choices=_choices(("法定代表人", ("法人",)), ("单位负责人", ("负责人",))),
        export_codes={"1": "法定代表人", "2": "单位负责人"},
    ),
    FieldSpec("legal_rep_name", "法定代表人姓名", "text", "legal_rep_name"),
    FieldSpec(
        "id_type",
        "证件种类",
        "choice",
        "id_type",
        choices=ID_TYPE_CHOICES,
        export_codes={"1": RESIDENT_ID, "9": "其它"},
    ),
    FieldSpec("id_number", "证件号码", "identifier", "id_number"),
    FieldSpec("registered_address", "注册地址", "text", "registered_address"),
    FieldSpec("registered_capital_yuan", "注册资金(万元)", "amount", "registered_capital"),
    FieldSpec("business_scope", "经营范围", "text", "business_scope", max_gbk_bytes=1024),
    FieldSpec("bank_code", "开户银行机构代码", "identifier", "bank_code", pattern=r"\d{12}"),
    FieldSpec(
        "basic_account_permit", "基本存款账户编号", "identifier", "basic_account_permit", pattern=r"J\d{13}"
    ),
    FieldSpec("change_items", "变更事项", "text", "change_items"),
    FieldSpec("close_reason", "撤销原因", "choice", "close_reason", choices=CLOSE_REASON_CHOICES),
    FieldSpec("notice_date", "通知日期", "date"),
    FieldSpec("operator_id", "经办人", "text"),
)
FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}
CHOICE_FIELDS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.type == "choice")


def label_of(name: str, value: str) -> str:
    """The label of a record's value of field `name` (`account_kind` `basic` -> 基本存款账户)."""
    return FIELDS[name].label_of(value)


def name_is_owners(depositor_category: str | None, uscc: str | None = None) -> bool:
    """True when a depositor of this 存款人类别 (a label, an alias or the export's code) is named
    by its owner's own name, personal data: a 无字号个体工商户 (14) has no 字号 of its own. A row
    whose category is not given, or does not read, counts as one when its credit code is a
    个体工商户's (GB 32100: 9 市场监管, 2 个体工商户): his name and address are masked, not shown."""
    category = FIELDS["depositor_category"].choice(depositor_category or "")
    if category:
        return category == "无字号个体工商户"
    return str(uscc or "").strip().upper().startswith("92")


# the fields whose value is personal data, whatever the row: what each is, for rpa.masking
PERSONAL: dict[str, FieldClass] = {
    "account_no": FieldClass.ACCOUNT_NO,
    "uscc": FieldClass.CREDIT_CODE,
    "id_number": FieldClass.ID_NUMBER,
    "basic_account_permit": FieldClass.BASIC_ACCOUNT_PERMIT,
    "legal_rep_name": FieldClass.PERSON_NAME,
}


def personal_class(name: str, depositor_category: str | None, uscc: str | None = None) -> FieldClass | None:
    """What field `name`'s value is, for masking, in a row of this 存款人类别; None when it is
    not personal data. The one rule every diagnostic masks a row's fields by (report.html,
    复核, 异常处理, notes): the fields of `PERSONAL`, and 存款人名称 and 注册地址 when the depositor
    is named by its owner's own name (`name_is_owners`: a sole trader's address may be his home),
    or may be, the row giving neither its category nor its credit code.

    >>> personal_class("depositor_name", "14"), personal_class("depositor_name", "企业法人")
    (<FieldClass.PERSON_NAME: 'person_name'>, None)
    """
    if name in ("depositor_name", "registered_address"):  # an owner's name, and where he lives
        # a row giving neither category nor credit code (a 撤销 may: NOT_SENT_BY_CLOSE) could be his
        category = FIELDS["depositor_category"].choice(depositor_category or "")
        unknown = not category and not str(uscc or "").strip()
        return FieldClass.PERSON_NAME if unknown or name_is_owners(depositor_category, uscc) else None
    return PERSONAL.get(name)
