"""Text normalisation, units and the parsing of printed figures into exact Decimals."""

from __future__ import annotations

import re
import unicodedata
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum

from flows.report_extraction.figure_marks import footnote_mark, split_digits

UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1), "千元": Decimal(1_000), "万元": Decimal(10_000), "亿元": Decimal(100_000_000),
    "户": Decimal(1), "个": Decimal(1), "笔": Decimal(1), "人": Decimal(1),  # counts are kept as counts
}
MONEY_UNITS, _CENT = frozenset({"元", "千元", "万元", "亿元"}), Decimal("0.01")
_UNITS = "|".join(sorted(UNIT_FACTORS, key=len, reverse=True))
_UNIT_SUFFIX = re.compile(r"^(?P<label>.*?)\((?:(?:金额)?单位[:：]?)?(?P<unit>(?:人民币)?(?:" + _UNITS
                          + r")(?:[,、/;](?:人民币)?(?:" + _UNITS + r"))*)\)$")
# 单位：元 / 单位：人民币万元 / 金额单位：千元 / （单位：亿元，户） / 注：金额单位为元
_STATED = re.compile(r"单位(?:[:：]|为|是)")
_PART = re.compile(r"^(?:人民币)?(" + _UNITS + r")(?![\u4e00-\u9fff])")
# a word that reads as a unit, known or not: a multiplier and a currency before a measure word
# (万户, 百万元, 美元, 千人, 张); 含个体工商户 or 含贴现 are no unit words
_STATEMENT = r"^(?:(?:金额|数量)?单位(?:[:：]|为|是)?)?(?:人民币)?"
_UNIT_WORD = re.compile(_STATEMENT + r"[十百千万亿]*(?:美|港|欧|日|英|澳)?"
                        r"[元户个笔人张台次份件家股只条项套](?:人民币)?$")
# what follows 单位： when it reads as a unit the tool does not know: 百万元, 万美元, the bare
# multipliers 亿 / 千; 填报单位：万达支行 or 单位：个人金融部 are no unit words
_ODD_UNIT = re.compile(r"^(?:人民币)?(?:[十百千万亿]*(?:美|港|欧|日|英|澳)?[元户个笔人张台次份件家股只条项套]"
                       r"|[十百千万亿]+)(?:人民币)?(?![\u4e00-\u9fff])")
# a row's unit in a cell of its own: （元） / （单位：元）, 以元为单位 / 以万元计
_ALONE = re.compile(r"^\((?:(?:金额|计量)?单位[:：]?)?(?:人民币)?(" + _UNITS + r")\)$")
_IN_UNIT = re.compile(r"以(?:人民币)?(" + _UNITS + r")(?:为(?:计量)?单位|计)")
# the subjects of a 以…为单位 said of the whole table (中间业务收入以元为单位 is one row's)
TABLE_SUBJECTS = frozenset({"", "注", "金额", "本表", "表内", "表中", "报表", "数据", "各项", "本表金额",
                             "本表数据", "表内金额", "表中金额", "报表金额", "各项金额"})
_SPACE_AFTER_UNIT = re.compile(r"(?<=[元户个笔人])\s+(?!民)")  # not 人 民 币 spaced out
_MONEY_START = re.compile(r"^(?:人民币)?[十百千万亿]*元")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_TAIL = re.compile(r"^(?P<label>.+?)\((?P<inner>[^()]*)\)$")
_PLAIN = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$", re.ASCII)
# a sign printed raised or lowered: with a digit beside a figure, a footnote's mark (NFKC folds them)
_NO_FIGURE = frozenset({"-", "—", "–", "——", "--", "/", "－"})


class SignStyle(StrEnum):
    """How a report prints negative figures."""

    PARENTHESES = "parentheses"  # (1,234.56)
    MINUS = "minus"  # -1,234.56
    TRAILING_MINUS = "trailing_minus"  # 1,234.56-
    TRIANGLE = "triangle"  # △1,234.56 or ▲1,234.56, written as text (some ledgers' minus)


class NumberFormatError(ValueError):
    """A printed figure that is not a number in the report's conventions."""


def normalise(text: str) -> str:
    """Text as compared: full-width folded to half-width (NFKC), every kind of space removed; the
    radical ⼾ an Office or WPS PDF's text layer writes for 户 read as 户 (NFKC: 戶; tester BL F11)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.replace("\u2f3e", "户")))


def is_money(unit: str) -> bool:
    """True for 元 / 千元 / 万元 / 亿元, False for the count units."""
    return unit in MONEY_UNITS


def unit_list(text: str) -> list[str]:
    """The units a unit statement lists, in order: `人民币万元` -> [万元], `亿元，户` -> [亿元, 户].

    Reading stops at the first part that is not a unit (`万元，保留两位小数` -> [万元])."""
    units: list[str] = []
    for part in re.split(r"[,、/;。]", normalise(text)):
        match = _PART.match(part)
        if match is None:
            break
        units.append(match.group(1))
    return units


def split_unit(text: str) -> tuple[str, str | None]:
    """`客户数（户）` -> (`客户数`, `户`); the unit is None when the text names none. With two
    units (`（亿元，户）`) the money one is answered. A suffix stating a unit not known here is
    left off the label with no unit: `客户（万户）` -> (`客户`, None)."""
    flat = normalise(text)
    match = _UNIT_SUFFIX.match(flat)
    if match is None:
        # an unknown unit (客户（万户）) is no part of the label: the caller refuses it (unread_unit)
        tail = _TAIL.match(flat)
        if tail is not None and unread_unit(f"({tail.group('inner')})", []) is not None:
            return tail.group("label"), None
        return flat, None
    units = unit_list(match.group("unit"))
    return match.group("label"), next((u for u in units if is_money(u)), units[0])


def _apart(text: str) -> str:
    """`text` normalised, a space after a unit word kept as a comma: `单位：万元 万户` ->
    `单位:万元、万户` and `单位：万元 数据日期：…` (two cells) -> `单位:万元、数据日期:…`, so
    neither unit is lost where normalise would glue the words (`万元万户`, `万元数据日期`)."""
    return normalise(_SPACE_AFTER_UNIT.sub("、", text))


def labelled_units(text: str) -> list[str]:
    """The units a line states after 单位：/ 单位为 (`（单位：亿元，户）` -> [亿元, 户]) only."""
    flat = _apart(text)
    found: list[str] = []
    for match in _STATED.finditer(flat):
        rest = re.split(r"[)）]", flat[match.end():], maxsplit=1)[0]
        found.extend(u for u in unit_list(rest) if u not in found)
    return found


def stated_units(text: str) -> list[str]:
    """The units a line states after 单位：/ 单位为 (`labelled_units`) or as `以万元为单位`, or a
    title's unit suffix (`网点经营日报（万元）` -> [万元]); [] when it states none."""
    flat = normalise(text)
    found = labelled_units(text) + [u for s, u in in_units(flat) if s in TABLE_SUBJECTS]  # 金额以万元为单位
    if not found:
        suffix = _UNIT_SUFFIX.match(flat)
        if suffix is not None and suffix.group("label"):
            found = unit_list(suffix.group("unit"))
    return found


def in_units(text: str) -> list[tuple[str, str]]:
    """Each `以万元为单位` / `以元计` a line states, with its subject: `注：中间业务收入以元为单位`
    -> [(中间业务收入, 元)]; `金额以万元为单位` -> [(金额, 万元)]; `以万元为单位` -> [("", 万元)]."""
    flat = normalise(text)
    found = []
    for match in _IN_UNIT.finditer(flat):
        subject = re.split(r"[,;:。()]", flat[:match.start()])[-1]
        found.append((subject, match.group(1)))
    return found


def unknown_stated_unit(text: str) -> str | None:
    """The unit word a line states after 单位：/ 单位为 that is not one the tool knows
    (`单位：百万元` -> `百万元`, `单位：亿` -> `亿`), None when every statement is known or is no
    unit word at all (`填报单位：西城支行`). Every unit a statement lists is looked at, not the
    first only: `单位：万元、万户` -> `万户` (a money unit and a count unit stated together), and
    a statement that starts with a money unit but does not read (`单位:万元万户`, printed apart
    in a PDF whose spaces are lost) is answered whole: a unit stated is never read as none."""
    flat = _apart(text)
    for match in _STATED.finditer(flat):
        rest = re.split(r"[)）]", flat[match.end():], maxsplit=1)[0]
        for part in re.split(r"[,、/;。]", rest):
            if _PART.match(part):
                continue
            odd = _ODD_UNIT.match(part)
            if odd is not None:
                return odd.group(0)
            if _MONEY_START.match(part):
                return part
            break  # 万元，保留两位小数: the statement's units end here
    return None


def remark_units(text: str) -> list[str]:
    """The units a cell beside a row's figures (its 备注) states about them: `单位：元`, `（元）`,
    `以元为单位`, `以万元计`, or a known unit alone (`元`, `户`); [] for other words."""
    flat = normalise(text)
    found = labelled_units(flat) + [m.group(1) for m in (_ALONE.match(flat), _IN_UNIT.search(flat)) if m]
    return list(dict.fromkeys(found + ([flat] if flat in UNIT_FACTORS else [])))


def stated_unit(text: str) -> str | None:
    """The money unit an information line states (`单位：人民币万元` -> `万元`), else its count
    unit, else None."""
    units = stated_units(text)
    return next((u for u in units if is_money(u)), units[0] if units else None)


def unit_in(text: str) -> str | None:
    """The unit a header names, e.g. `存款与资产（万元）` or `单位：元`."""
    _, unit = split_unit(text)
    return unit or stated_unit(text)


def unread_unit(text: str, read: list[str]) -> str | None:
    """A unit statement in the text's parentheses that `read` (the units the caller took from
    the text) does not account for: `客户（万户）` -> `万户`, `余额（单位：美元）` -> `单位：美元`,
    `本日（含税，万元）` with nothing read -> `含税，万元`. None for a known unit read or for
    parentheses that state no unit (`贷款（含贴现）`, `个人（含个体工商户）`)."""
    for group in _PARENTHESES.findall(normalise(text)):
        words = [part for part in re.split(r"[,、/;]", group) if _UNIT_WORD.match(part)]
        unknown = [word for word in words if re.sub(_STATEMENT, "", word) not in UNIT_FACTORS]
        if unknown:
            return unknown[0]
        if (words or "单位" in group) and not read:
            return group
    return None


def is_no_figure(raw: object) -> bool:
    """True for what a report prints where it has no figure: blank, `-`, `—`."""
    if raw is None:
        return True
    return isinstance(raw, str) and normalise(raw) in _NO_FIGURE | {""}


_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")  # refusals quote a cell on one line (tester BI F9)


def parse_figure(raw: object, signs: frozenset[SignStyle]) -> Decimal | None:
    """The exact value of a printed or stored figure in its unit; None for an empty cell.

    Numbers stored as numbers keep their shortest decimal form (`repr`), so 86818.93 stays
    86818.93 and never becomes a binary fraction. A percentage is refused: no spec's unit is one,
    and so is a figure with a footnote mark beside it (`①52,345.67`, `52,345.67¹`): see
    footnote_mark.
    Raises NumberFormatError otherwise."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberFormatError(f"{raw!r} 是真/假值，不是数字")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    if not isinstance(raw, str):
        raise NumberFormatError(f"{raw!r} 不是数字")
    said = f"'{_BREAKS.sub(' / ', raw)}'"  # '★ / 24.57 / 业务专用章', not three lines
    mark = footnote_mark(raw)
    if mark is not None:  # refused, not stripped: which digits are the mark's is not certain
        raise NumberFormatError(f"{said} 带有脚注标记“{mark}”，标记不是数字，不能当作数的一位；"
                                "请报送机构把标记从数字格中移到项目名或备注后重新报送")
    if split_digits(raw):  # tester BF F4 (2026-12-07): `28 1` read as 281
        raise NumberFormatError(f"{said} 的数字中间有空格，又不是三位一组：不知是一个数还是几个数")
    text = normalise(raw).replace("\u2212", "-")  # U+2212 MINUS SIGN as printed by some systems
    if text == "":
        return None
    if "%" in text:  # every unit a spec can name is money or a count: a share is no figure
        raise NumberFormatError(f"{said} 是百分比，不是金额或数量")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        if SignStyle.PARENTHESES not in signs:
            raise NumberFormatError(f"{said}：本报表不用括号表示负数（规格 signs 未含 parentheses）")
        text, negative = text[1:-1], True
    elif text.startswith("-"):
        if SignStyle.MINUS not in signs:
            raise NumberFormatError(f"{said}：本报表不用负号表示负数（规格 signs 未含 minus）")
        text, negative = text[1:], True
    elif text.endswith("-") and len(text) > 1:
        if SignStyle.TRAILING_MINUS not in signs:
            raise NumberFormatError(f"{said}：本报表不用尾随负号表示负数（规格 signs 未含 trailing_minus）")
        text, negative = text[:-1], True
    elif text[:1] in ("△", "▲") and len(text) > 1:
        if SignStyle.TRIANGLE not in signs:
            raise NumberFormatError(f"{said}：本报表不用 △ 表示负数（规格 signs 未含 triangle）")
        text, negative = text[1:], True
    elif text.startswith("+"):
        text = text[1:]
    if not _PLAIN.match(text):  # tester BO F12: said with what to do (a unit typed in the cell, say)
        raise NumberFormatError(f"{said} 不是数字：数字格只写数字（单位写在表头或单位列），请报送机构改正")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern above admits only digits
        raise NumberFormatError(f"{said} 不是数字") from error
    return -value if negative else value


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """A value in `unit` converted to 元 (counts unchanged), exactly; money to the 分 at least, as
    its column's other figures (tester AL: 2.20 万元 read 22000.0 元 beside 12340000.00 元)."""
    yuan = value * UNIT_FACTORS[unit]  # below, a wide context: quantize never raises for its size
    cents = yuan.quantize(_CENT, context=Context(prec=80)) if yuan.adjusted() < 70 else yuan
    return yuan if not is_money(unit) else cents if cents == yuan else yuan.normalize()


def places_of(raw: str) -> int:
    """Decimal places printed in a figure's text: `1,234.56` -> 2."""
    text = normalise(raw).strip("()+-%")
    # only the digits count: a unit or a sign a format prints after them (2,345.60元) is none
    return len(re.sub(r"[^0-9].*", "", text.split(".", 1)[1])) if "." in text else 0


def rounding_tolerance(unit: str, places: int) -> Decimal:
    """Half of the last printed digit, in 元: 0.01 万元 shown -> 50 元. A count (户, 个) is
    printed as counted, never rounded: its tolerance is nothing."""
    if not is_money(unit):
        return Decimal(0)
    return UNIT_FACTORS[unit] * Decimal(1).scaleb(-places) / 2


def bare_unit(text: str) -> str | None:
    """A cell that is a unit word and nothing else (`亿元`, `（户）`, `单位：万元`, `万户`), as a
    row of units under a table's headers writes them: the word, known or not; None otherwise."""
    flat = normalise(text)
    inner = _PARENTHESES.fullmatch(flat)
    word = inner.group(1) if inner else flat
    return re.sub(_STATEMENT, "", word) if word and _UNIT_WORD.match(word) else None
