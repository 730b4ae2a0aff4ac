"""The code tables of AMS filings: the Chinese words of the export and the canonical codes.

Lookups accept the code itself, the full name, and the short forms the core-banking exports use
(`基本` for 基本存款账户, `销户` for 撤销). Keys are compared after normalisation (half-width,
no spaces), so callers pass cleaned text.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["open", "change", "close"]
AccountKind = Literal["basic", "general", "special", "temporary"]

ACTION_NAMES: dict[str, str] = {"open": "开户", "change": "变更", "close": "撤销"}
ACTION_WORDS: dict[str, str] = {
    "开户": "open",
    "新开户": "open",
    "开立": "open",
    "open": "open",
    "变更": "change",
    "账户变更": "change",
    "change": "change",
    "撤销": "close",
    "销户": "close",
    "撤户": "close",
    "账户撤销": "close",
    "close": "close",
}

KIND_NAMES: dict[str, str] = {
    "basic": "基本存款账户",
    "general": "一般存款账户",
    "special": "专用存款账户",
    "temporary": "临时存款账户",
}
KIND_WORDS: dict[str, str] = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{name[:2]: kind for kind, name in KIND_NAMES.items()},
    **{name[:2] + "户": kind for kind, name in KIND_NAMES.items()},
    **{name[:2] + "账户": kind for kind, name in KIND_NAMES.items()},
    **{kind: kind for kind in KIND_NAMES},
}

DEPOSITOR_CATEGORIES: dict[str, str] = {
    "01": "企业法人",
    "02": "非法人企业",
    "03": "机关",
    "04": "实行预算管理的事业单位",
    "05": "非预算管理的事业单位",
    "06": "团级(含)以上军队及分散执勤的支(分)队",
    "07": "团级(含)以上武警部队及分散执勤的支(分)队",
    "08": "社会团体",
    "09": "宗教组织",
    "10": "民办非企业组织",
    "11": "外地常设机构",
    "12": "外国驻华机构",
    "13": "有字号的个体工商户",
    "14": "无字号的个体工商户",
    "15": "居民委员会、村民委员会、社区委员会",
    "16": "单位设立的独立核算的附属机构",
    "17": "其他组织",
}

REP_ROLES: dict[str, str] = {"1": "法定代表人", "2": "单位负责人"}

# Only 1 (居民身份证) and 9 (其它) are fixed by DOMAIN.md; 2-8 follow a secondary source, and a
# numeric code is always accepted as it is.
ID_TYPES: dict[str, str] = {
    "1": "居民身份证",
    "2": "军官证",
    "3": "文职干部证",
    "4": "警官证",
    "5": "士兵证",
    "6": "户口簿",
    "7": "护照",
    "8": "港澳台居民通行证",
    "9": "其它",
}

CLOSE_REASONS: tuple[str, ...] = ("撤并", "解散", "宣告破产", "关闭", "被吊销营业执照", "转户", "其它")
_CLOSE_REASON_WORDS: dict[str, str] = {
    **{reason: reason for reason in CLOSE_REASONS},
    "其他": "其它",
    "吊销营业执照": "被吊销营业执照",
}


def _by_code_or_name(table: dict[str, str], text: str, width: int) -> str | None:
    if text.isdigit() and len(text) <= width:
        code = text.zfill(width)
        return code if code in table else None
    for code, name in table.items():
        if text == name:
            return code
    return None


def lookup_action(text: str) -> str | None:
    """开户/变更/撤销 (and short forms) -> open/change/close."""
    return ACTION_WORDS.get(text.lower() if text.isascii() else text)


def lookup_kind(text: str) -> str | None:
    """基本存款账户 (or 基本, 基本户) -> basic, and so on."""
    return KIND_WORDS.get(text.lower() if text.isascii() else text)


def lookup_category(text: str) -> str | None:
    """存款人类别 code `01`..`17` (also `1`) or its name -> the two-digit code."""
    code = _by_code_or_name(DEPOSITOR_CATEGORIES, text, 2)
    if code is not None:
        return code
    # names are written with and without 的: 有字号个体工商户 / 有字号的个体工商户
    compact = text.replace("的", "")
    for candidate, name in DEPOSITOR_CATEGORIES.items():
        if compact == name.replace("的", ""):
            return candidate
    return None


def lookup_rep_role(text: str) -> str | None:
    """法定代表人 / 单位负责人 (or 1 / 2) -> "1" / "2"."""
    return _by_code_or_name(REP_ROLES, text, 1)


def lookup_id_type(text: str) -> str | None:
    """证件种类 name or code -> "1".."9"; 身份证 is taken as 居民身份证."""
    if text == "身份证":
        return "1"
    return _by_code_or_name(ID_TYPES, text, 1)


def lookup_close_reason(text: str) -> str | None:
    """撤销原因 as AMS lists it, or None."""
    return _CLOSE_REASON_WORDS.get(text)
