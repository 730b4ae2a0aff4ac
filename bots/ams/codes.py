"""The words of AMS's pages the bot reads, and the one normal form it compares them in.

The bot keeps no code table of the portal's coded fields (存款人类别, 证件种类 ...): records
carry labels, the bot chooses each option on the form by its visible label and learns the
portal's codes from the page, and 信息核对 compares the labels the portal shows (`option_label`
strips a `01-` code the portal writes before a label).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bots.form_fill import option_text
from rpa.errors import PortalChanged
from rpa.masking import FieldClass, mask

ACTION_WORDS: dict[str, str] = {"open": "开户", "change": "变更", "close": "撤销"}
ACTION_BY_WORD: dict[str, str] = {word: action for action, word in ACTION_WORDS.items()}


def action_of(word: str | None) -> str | None:
    """The business type a page shows (`开户`, `开户备案`, ` 变更 `) as the bot's action, None
    when it is none of AMS's three."""
    return ACTION_BY_WORD.get(option_text(word or "").removesuffix("备案"))


def action_word(action: str) -> str:
    """The business type as AMS and a clerk name it (开户, 变更, 撤销); an unknown one as given."""
    return ACTION_WORDS.get(action, action)


def filing_words(action: str, account_no: str) -> str:
    """A filing as messages name it: the business type and the masked account (`开户 ****5678`)."""
    return f"{action_word(action)} {mask(account_no, FieldClass.ACCOUNT_NO)}"

DATE_LABELS: dict[str, str] = {"open": "开户日期", "change": "变更日期", "close": "撤销日期"}

NO_CAPITAL_WORDS = ("未标明注册资金", "未标明")

_SPACES = re.compile(r"\s+")


def plain(text: str | None) -> str:
    """One normal form for comparing what a page shows with a record: NFKC (full-width to
    half-width), whitespace runs collapsed, trimmed; None is the empty string."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def account_shown(text: str | None) -> str:
    """An account number as a page shows it, for comparing: `plain`, spaces and hyphens out
    (6228 4800 1234-5678 is 622848001234 5678's); a masked one keeps its stars."""
    return re.sub(r"[\s-]", "", plain(text))


def filing_number(shown: str | None) -> str | None:
    """A filing number as a receipt shows it (`1000-20261204-000022`, spaces or hyphens between
    groups) -> `100020261204000022`; None when anything but letters and digits is left."""
    number = account_shown(shown)
    return number if re.fullmatch(r"[0-9A-Za-z]+", number) else None


def permit_shown(shown: str | None) -> str | None:
    """The one 基本存款账户编号 (J and 13 digits) a receipt shows among other words
    (`核准号：J1000000011301（请妥善保管）`); "" when none is shown (blank, 无, —: no digit),
    None when it does not read."""
    text = plain(shown)
    found = set(re.findall(r"(?<![0-9A-Za-z])J\d{13}(?!\d)", text))
    if not re.search(r"\d", text):
        return ""
    return found.pop() if len(found) == 1 else None


def option_label(shown: str | None) -> str:
    """A coded field's label as compared: NFKC, no whitespace, no `01-` code before it
    (`01-企业法人` and `企业法人 ` are both `企业法人`); the form filler's own normal form."""
    return option_text(shown or "")


def capital_yuan(shown: str | None) -> str:
    """注册资金 as shown (`5,000,000.00 元`, `人民币500.00万元`, `RMB5000000.00`, `0.05 亿元`,
    `未标明注册资金`) -> `5000000.00`, or "" when unmarked. Any other form (`伍佰万元整`, `见附件`)
    is PortalChanged: read as text it would differ from every amount, and a 变更 that changes
    nothing would be filed (tester BC, 2026-12-07)."""
    text = _CURRENCY.sub("", plain(shown).replace(",", "").replace(" ", "")).removesuffix("整")
    if not text or text in NO_CAPITAL_WORDS:
        return ""
    unit = next((scale for word, scale in _CAPITAL_UNITS if text.endswith(word)), 1)
    number = next((text.removesuffix(word) for word, _ in _CAPITAL_UNITS if text.endswith(word)), text)
    try:
        return str((Decimal(number) * unit).quantize(Decimal("0.01")))
    except InvalidOperation:
        raise PortalChanged(f"AMS 页面上的注册资金「{text}」读不出金额：请核对页面",
                            code="capital_unread") from None


_CURRENCY = re.compile(r"^(?:人民币|RMB|CNY|¥|￥)", re.IGNORECASE)
_CAPITAL_UNITS = (("亿元", 100_000_000), ("万元", 10_000), ("元", 1))


def capital_text(amount: Decimal | None) -> str:
    """A record's registered capital as the form takes it (元, two decimals), "" when None."""
    return "" if amount is None else str(amount.quantize(Decimal("0.01")))


NOT_FILED_WORDS = "该账户未备案"  # the look-up's answer for an account AMS does not know
CONFIRM_WORDS = "确认提交"  # what the confirm() before 确认提交 asks; any other dialog is dismissed
FAILED_PREFIX = "备案失败"  # the result page's refusal: 备案失败：<the portal's reason>
