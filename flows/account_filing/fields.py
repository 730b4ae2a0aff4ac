"""One parser per record field: a raw cell in, a normalised value out, or a FieldProblem.

Parsers return None for a blank cell (whether a blank is allowed is `requirements.py`'s
business) and never look at other fields; rules across fields live in `validate.py`.
`soft_findings` are the problems that leave a value usable: text outside GBK (the row goes to
a person), GBK length limits, a bank code whose check digit does not fit (a warning).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from stdnum.iso7064 import mod_11_10

from flows.account_filing.change_items import filed_items
from flows.account_filing.issues import Severity, shorten
from flows.account_filing.normalise import (
    CellValue,
    CommaNotThousands,
    cell_text,
    clean_text,
    compact,
    gbk_length,
    outside_gbk,
    parse_date,
    parse_decimal,
    wan_to_yuan,
)
from flows.account_filing.registry import CITIZEN_NUMBER_TYPES, FIELDS, RESIDENT_ID, FieldSpec
from flows.account_filing.resident_id import resident_id_problem
from flows.account_filing.shown_numbers import ShownOtherwise
from flows.account_filing.uscc_check import uscc_checked
from rpa.masking import FieldClass, mask

# Limits in GBK bytes (DOMAIN.md, kept in the registry); AMS counts bytes, not characters.
GBK_LIMITS: dict[str, int] = {s.name: s.max_gbk_bytes for s in FIELDS.values() if s.max_gbk_bytes}
# Text a person would type into the portal: outside GBK it cannot be typed as it is.
PORTAL_TEXT_FIELDS = (
    "depositor_name",
    "legal_rep_name",
    "registered_address",
    "business_scope",
    "change_items",
)
# the ID number problems whose message quotes the number (masked): a sound number of the wrong kind
_NAMES_THE_NUMBER = frozenset({"id_hmt_residence", "id_region_province"})
_LARGEST_EXACT_FLOAT = 10**15  # Excel keeps 15 significant digits
_LARGEST_CAPITAL_YUAN = 10**16  # beyond any registered capital; keeps Decimal within its precision


@dataclass
class FieldProblem(Exception):
    """A cell that cannot be used; `code` is the issue code, `params` fill its message."""

    code: str
    severity: Severity = Severity.ERROR
    params: dict[str, object] = field(default_factory=dict)


def _blank(value: CellValue) -> bool:
    return cell_text(value).strip() == ""


def _identifier(value: CellValue) -> str:
    """Digits of a number-like identifier. A number cell of 16 digits or more has already lost
    digits in Excel, which keeps 15: 6222020200012345 typed in is stored as 6222020200012340.
    openpyxl reads such a cell as an int when its XML holds all the digits, as a float when it
    holds an exponent; either way the digits are not the account's, so either is refused."""
    if isinstance(value, float):
        if abs(value) >= _LARGEST_EXACT_FLOAT:
            raise FieldProblem("number_as_numeric")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return compact(cell_text(value))
    if isinstance(value, (int, Decimal)) and not -_LARGEST_EXACT_FLOAT < value < _LARGEST_EXACT_FLOAT:
        raise FieldProblem("number_as_numeric")
    return compact(cell_text(value))


def _word(value: CellValue) -> str:
    return clean_text(cell_text(value), punctuation=True)


def _choice(spec: FieldSpec, code: str) -> Callable[[CellValue, int], str]:
    """A coded field: the registry's label (or key) for a label, an alias or an export code.
    A number the export's code table does not hold is refused, never guessed."""

    # a column holds a handful of distinct words: each is looked up once (the cache is bounded,
    # so a column of 200,000 different words costs no more memory than a few hundred)
    lookup = lru_cache(maxsize=256)(lambda text: spec.choice(_word(text)))

    def parse(value: CellValue, _multiplier: int) -> str:
        found = lookup(value) if isinstance(value, str) else spec.choice(_word(value))
        if found is not None:
            return found
        text = _word(value)
        if compact(text).isdigit():
            codes = list(spec.export_codes)
            known = (
                f"{codes[0]}至{codes[-1]}"
                if len(codes) > 4
                else "、".join(f"{c} {label}" for c, label in spec.export_codes.items()) or "无"
            )
            raise FieldProblem("code_unknown", params={"value": shorten(text), "known": known})
        if meant := spec.disagreeing(text) or _labels_holding(spec, text):
            raise FieldProblem("choice_ambiguous", params={"value": shorten(text), "meant": meant})
        raise FieldProblem(code)

    return parse


def _labels_holding(spec: FieldSpec, text: str) -> str:
    """The labels a word is part of, when more than one (事业单位: 04 实行预算管理的事业单位 or
    05 非预算管理的事业单位; 个体工商户: 13 or 14): which one is meant is not guessed (tester AD)."""
    codes = {label: code for code, label in spec.export_codes.items()}
    held = [c.label for c in spec.choices if len(text) >= 2 and text in c.label]
    return "、".join(f"{codes.get(label, '')} {label}".strip() for label in held) if len(held) > 1 else ""


def _pattern(spec: FieldSpec, code: str) -> Callable[[CellValue, int], str]:
    compiled = re.compile(spec.pattern or ".*")

    def parse(value: CellValue, _multiplier: int) -> str:
        text = _identifier(value)
        if not compiled.fullmatch(text):
            raise FieldProblem(code)
        return text

    return parse


def _text(value: CellValue, _multiplier: int) -> str:
    return clean_text(cell_text(value))


# whitespace between two words, not before or after 变更 (法定代表人 变更 is one item)
_ITEM_GAP = re.compile(r"(?<=[^、，,；;／/\s])(?<!变更)\s+(?!变更)(?=[^、，,；;／/\s])")


def _items(value: CellValue, _multiplier: int) -> str:
    """变更事项: a space or a line break between two items separates them (tester AD: 注册地址 经营范围
    read as one unknown item once the text's stray spaces were taken out); each item as AMS
    names it (`filed_items`)."""
    return filed_items(clean_text(_ITEM_GAP.sub("、", cell_text(value).strip())))


# a gap in a 经营范围: whitespace of any kind, or an invisible zero-width character
_GAP = re.compile(r"[\s\u3000\u200b\u200c\u200d\u2060\ufeff]+")
_GAP_AT_ENDS = re.compile(rf"^{_GAP.pattern}|{_GAP.pattern}$")
_ITEM_SEPARATORS = frozenset("、，,；;。.：:")


def _half(char: str) -> str:
    return unicodedata.normalize("NFKC", char)
_SHOWN_GAP = str.maketrans({"\n": "⏎", "\r": "", "\t": "⇥", " ": "␣", "\u3000": "␣", "\u200b": "‸",
                            "\u200c": "‸", "\u200d": "‸", "\u2060": "‸", "\ufeff": "‸"})


def _scope(value: CellValue, _multiplier: int) -> str | None:
    """经营范围: a gap inside it may be where a separator was (技术开发⏎技术咨询, tester AC's N7; a
    tab, AA; 软件开发 APP开发, 技术开发⏎5G通信, （…） 技术咨询, a zero-width space: AF). Taking it
    out, as in a name, would join two items into one the registration does not have; keeping it
    is not the registered text either: refused, unless it stands by a separator (、；。：), after
    a closing bracket or before an opening one (the clause joins its item as registered), or
    between two Latin words or numbers (`IT service`), which keep one space."""
    text = _GAP_AT_ENDS.sub("", cell_text(value))
    for gap in _GAP.finditer(text):
        left, right = text[gap.start() - 1], text[gap.end()]
        latin = _half(left).isascii() and _half(right).isascii() and not gap.group().strip(" \t\u00a0\u3000")
        if left in _ITEM_SEPARATORS or left in ")）" or right in _ITEM_SEPARATORS or right in "(（" or latin:
            continue
        around = text[max(gap.start() - 4, 0) : gap.end() + 4].translate(_SHOWN_GAP)
        raise FieldProblem("scope_gap", params={"excerpt": around})
    return clean_text(text) if text else None  # a cell of zero-width characters alone: blank


def _date(value: CellValue, _multiplier: int) -> object:
    try:
        return parse_date(value)
    except ValueError:
        raise FieldProblem("date_invalid", params={"value": shorten(cell_text(value))}) from None


def _uscc(value: CellValue, _multiplier: int) -> str:
    code, problem = uscc_checked(_identifier(value))
    if code is None:
        raise FieldProblem(problem or "uscc_format")
    return code


def _capital(value: CellValue, multiplier: int) -> Decimal:
    units = ("万元", "万") if multiplier == 10_000 else ("元",)
    try:
        amount = parse_decimal(value, strip_units=units)
    except CommaNotThousands:
        raise FieldProblem("capital_comma", params={"value": shorten(cell_text(value))}) from None
    except ValueError:
        raise FieldProblem("capital_invalid") from None
    if amount < 0 or amount * multiplier > _LARGEST_CAPITAL_YUAN:
        raise FieldProblem("capital_invalid")
    try:
        return wan_to_yuan(abs(amount), multiplier)  # `-0` is 0, never a signed zero filed
    except ValueError:
        raise FieldProblem("capital_precision") from None


PARSERS: dict[str, Callable[[CellValue, int], object]] = {
    "action": _choice(FIELDS["action"], "action_unknown"),
    "account_no": _pattern(FIELDS["account_no"], "account_no_format"),
    "account_kind": _choice(FIELDS["account_kind"], "account_kind_unknown"),
    "business_date": _date,
    "depositor_name": _text,
    "depositor_category": _choice(FIELDS["depositor_category"], "category_unknown"),
    "uscc": _uscc,
    "legal_rep_role": _choice(FIELDS["legal_rep_role"], "rep_role_unknown"),
    "legal_rep_name": _text,
    "id_type": _choice(FIELDS["id_type"], "id_type_unknown"),
    "id_number": lambda value, _m: _identifier(value),
    "registered_address": _text,
    "registered_capital_yuan": _capital,
    "business_scope": _scope,
    "bank_code": _pattern(FIELDS["bank_code"], "bank_code_format"),
    "basic_account_permit": _pattern(FIELDS["basic_account_permit"], "permit_format"),
    "change_items": _items,
    "close_reason": _choice(FIELDS["close_reason"], "close_reason_unknown"),
    "notice_date": _date,
    "operator_id": _text,
}


def parse_field(name: str, value: CellValue, multiplier: int = 1) -> object | None:
    """The field's normalised value, None for a blank cell; FieldProblem when unusable."""
    if _blank(value):
        return None
    if isinstance(value, ShownOtherwise):  # its number format shows it otherwise: shown_numbers
        code = "capital_format_shown" if FIELDS[name].type == "amount" else "number_format_shown"
        raise FieldProblem(code, params={"format": shorten(value.number_format, 30)})
    try:
        return PARSERS[name](value, multiplier)
    except (ValueError, ArithmeticError):  # a cell no parser foresaw (1e400, NaN): still one row's error
        raise FieldProblem("value_invalid") from None


# names and the address: no `?` in them is ever the registered text (tester BA, 2026-12-07: 北京?测试
# 科技有限公司, 王?, from a 生僻字 an Excel CSV save could not write, were filed)
_NAME_LIKE = frozenset({"depositor_name", "legal_rep_name", "registered_address"})


def soft_findings(name: str, value: object) -> list[FieldProblem]:
    """Problems that leave the value usable (or hand the row to a person)."""
    findings: list[FieldProblem] = []
    if isinstance(value, str) and name in PORTAL_TEXT_FIELDS:
        size = gbk_length(value)
        strange = outside_gbk(value) if size is None else []
        if strange:
            # a person's name is personal data: say how many characters, not which
            chars = f"{len(strange)}个字" if name == "legal_rep_name" else "".join(strange)
            findings.append(FieldProblem("outside_gbk", Severity.NEEDS_PERSON, {"chars": chars}))
        elif name in GBK_LIMITS and size is not None and size > GBK_LIMITS[name]:
            findings.append(FieldProblem("gbk_too_long", params={"limit": GBK_LIMITS[name], "actual": size}))
    if name in _NAME_LIKE and isinstance(value, str) and ("?" in value or "？" in value):
        # a character an ANSI save (Excel's CSV) could not encode became ?: never filed mangled
        findings.append(FieldProblem("replaced_char", Severity.NEEDS_PERSON))
    if name == "bank_code" and isinstance(value, str) and not mod_11_10.is_valid(value):
        findings.append(FieldProblem("bank_code_checksum", Severity.WARNING))
    return findings


def check_resident_id(id_number: str, today: date | None = None) -> None:
    """GB 11643 checks of a 居民身份证 number (`resident_id.py`): FieldProblem when unsound."""
    problem = resident_id_problem(id_number, today)
    if problem in _NAMES_THE_NUMBER:  # masked: only its last digits, enough to find the cell's value
        raise FieldProblem(problem, params={"value": mask(id_number, FieldClass.ID_NUMBER)})
    if problem is not None:
        raise FieldProblem(problem)


def check_id_number(id_type: str, id_number: str, today: date | None = None) -> None:
    """A row's 证件号码 by its 证件种类: a 居民身份证's by GB 11643 (`check_resident_id`); under a
    type that carries no 公民身份号码 (护照, 港澳/台湾通行证, 其它...), a sound 居民身份证 number
    is the wrong type, the 证件种类 cell's slip. Other types' own numbers are not judged."""
    if id_type == RESIDENT_ID:
        check_resident_id(id_number, today)
    elif id_type not in CITIZEN_NUMBER_TYPES and resident_id_problem(id_number, today) is None:
        params: dict[str, object] = {"value": mask(id_number, FieldClass.ID_NUMBER), "id_type": id_type}
        raise FieldProblem("id_type_resident_number", params=params)
