"""AMS's own code tables, as its selects submit them and its pages show them.

The bot fills forms with codes and reads pages back into the canonical record's values, so both
directions live here. The tables copy what the portal's screens show (the regulator's
specification), not any other module of this project.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

ACTION_WORDS: dict[str, str] = {"open": "开户", "change": "变更", "close": "撤销"}
ACTION_BY_WORD: dict[str, str] = {word: action for action, word in ACTION_WORDS.items()}
DATE_LABELS: dict[str, str] = {"open": "开户日期", "change": "变更日期", "close": "撤销日期"}

# canonical account_kind -> (acctType option value, 账户性质 as shown)
ACCOUNT_KINDS: dict[str, tuple[str, str]] = {
    "basic": ("1", "基本存款账户"),
    "general": ("2", "一般存款账户"),
    "special": ("3", "专用存款账户"),
    "temporary": ("4", "临时存款账户"),
}
KIND_BY_LABEL: dict[str, str] = {label: kind for kind, (_, label) in ACCOUNT_KINDS.items()}

LEGAL_TYPES: dict[str, str] = {"1": "法定代表人", "2": "单位负责人"}
ID_TYPES: dict[str, str] = {
    "1": "居民身份证",
    "2": "军官证",
    "3": "文职干部证",
    "4": "警官证",
    "5": "士兵证",
    "6": "护照",
    "7": "港澳居民来往内地通行证",
    "8": "台湾居民来往大陆通行证",
    "9": "其它",
}
CLOSE_REASONS: dict[str, str] = {
    "01": "撤并",
    "02": "解散",
    "03": "宣告破产",
    "04": "关闭",
    "05": "被吊销营业执照",
    "06": "转户",
    "07": "其它",
}
CLOSE_REASON_CODES: dict[str, str] = {words: code for code, words in CLOSE_REASONS.items()}
NO_CAPITAL_WORDS = ("未标明注册资金", "未标明")

_SPACES = re.compile(r"\s+")
_CODE_PREFIX = re.compile(r"^(\d{1,2})\s*-")


def plain(text: str | None) -> str:
    """One normal form for comparing what a page shows with a record: NFKC (full-width to
    half-width), whitespace runs collapsed, trimmed; None is the empty string."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def code_prefix(shown: str) -> str:
    """`01-企业法人` -> `01`: the code a `code-label` option text starts with ("" if none)."""
    found = _CODE_PREFIX.match(plain(shown))
    return found.group(1) if found else ""


def code_for_label(table: dict[str, str], shown: str) -> str:
    """A label as shown back to its code (`居民身份证` -> `1`); "" when the table lacks it."""
    text = plain(shown)
    return next((code for code, label in table.items() if plain(label) == text), "")


def capital_yuan(shown: str | None) -> str:
    """注册资金 as shown (`5,000,000.00 元`, `未标明注册资金`) -> `5000000.00`, or "" when unmarked."""
    text = plain(shown).replace(",", "").removesuffix("元").strip()
    if not text or text in NO_CAPITAL_WORDS:
        return ""
    try:
        return str(Decimal(text).quantize(Decimal("0.01")))
    except InvalidOperation:
        return text  # shown as something else: compared as text, so it differs


def capital_text(amount: Decimal | None) -> str:
    """A record's registered capital as the form takes it (元, two decimals), "" when None."""
    return "" if amount is None else str(amount.quantize(Decimal("0.01")))


NOT_FILED_WORDS = "该账户未备案"  # the look-up's answer for an account AMS does not know
CONFIRM_WORDS = "确认提交"  # what the confirm() before 确认提交 asks; any other dialog is dismissed
FAILED_PREFIX = "备案失败"  # the result page's refusal: 备案失败：<the portal's reason>
