"""Whether a cell shows the figure it stores, and the figure of a cell where an amount is expected.

The xlsx reader takes a number cell's stored value, but a person reads what its number format
shows, and some formats show another number: `0!.0000` prints 836308700 as 83630.8700,
`#,##0.00,,` divides by a million, `0.00%` multiplies by 100, `0.0E+00` and `# ?/?` print a
rounded or fractional form. Such a figure is refused, never guessed at. Ordinary formats
(`General`, `0.00`, `#,##0.00;(#,##0.00)`, `[Red]`, a `¥` or `"元"` before or after the digits)
show the stored number and are read as before. A percentage (`12.5%`, or a `%` format) is not
an amount in 万元 nor a count, and every unit a spec can name is one of those, so it is refused.
A format's sign is read as shown too: a negative number shown by a section without a minus,
brackets or red (`0;0` prints -5 as 5) and a positive one shown with a minus (`"-"0`) are refused.
A format showing another currency than 人民币 (`"US$"#,##0.00`, `[$€-407]`, `[$¥-411]` the yen)
is refused; a unit it shows (`#,##0"元"`) is the figure's own unit (`shown_unit`), which
figure_units weighs against the units the report states elsewhere.

    figure_in(836308700, "0!.0000", "万元", signs)  # NumberFormatError: 数字格式 0!.0000 在数字之间…
    figure_in("12.5%", "", "万元", signs)           # NumberFormatError: '12.5%' 是百分比，不是以万元计的金额…
    figure_in(83630.87, "#,##0.00;(#,##0.00)", "万元", signs)  # Decimal('83630.87')
"""

from __future__ import annotations

import re
from decimal import Decimal

from flows.report_extraction.numbers import (
    NumberFormatError,
    SignStyle,
    is_money,
    normalise,
    parse_figure,
    unit_list,
    unread_unit,
)

_BRACKET_OK = re.compile(r"(?i)black|blue|cyan|green|magenta|red|white|yellow|colou?r\d{1,2}|dbnum[1-4]|\$.*")
_DIGITS = "0#?"
_MULTIPLIER = re.compile(r"[十百千万亿]|[十百千]万")  # a bare multiplier, no unit: `0.00"万"`
_MINUS = "-−－△▲"  # a minus as reports print one (△ in some ledgers)
_FOREIGN = re.compile(r"(?:US|HK|AU?|CA?|S|NT|MOP)?\$|€|£|₩|₽|₹|USD|HKD|EUR|GBP|JPY|AUD|CAD|SGD|CHF|"
                      r"MOP|TWD|KRW|美元|港币|港元|澳门元|澳元|欧元|日元|英镑|加元|新元|外币", re.IGNORECASE)


def _tokens(number_format: str) -> list[list[tuple[str, str]]]:
    """The format's sections (`;`), each a list of (kind, text) tokens."""
    sections: list[list[tuple[str, str]]] = [[]]
    i, text = 0, number_format
    while i < len(text):
        ch, step = text[i], 1
        if ch in "\"[":
            end = text.find('"' if ch == '"' else "]", i + 1)
            end = len(text) if end < 0 else end
            token = ("literal" if ch == '"' else "bracket", text[i + 1:end])
            step = end + 1 - i
        elif ch in "\\!_*":  # an escaped character, a space as wide as one, a fill
            token = ("literal", text[i + 1:i + 2]) if ch in "\\!" else ("spacer", text[i:i + 2])
            step = 2
        elif text[i:i + 7].lower() == "general":
            token, step = ("general", text[i:i + 7]), 7
        elif ch in "eE" and text[i + 1:i + 2] in ("+", "-"):
            token, step = ("exponent", text[i:i + 2]), 2
        elif ch == ";":
            sections.append([])
            i += 1
            continue
        else:
            kinds = {".": "point", ",": "comma", "%": "percent", "/": "fraction", "@": "text"}
            kind = "digit" if ch in _DIGITS else kinds.get(ch, "date" if ch.lower() in "ymdhs" else "literal")
            token = (kind, ch)
        sections[-1].append(token)
        i += step
    return sections


def _section(sections: list[list[tuple[str, str]]], value: float) -> list[tuple[str, str]]:
    """The section a value is shown by: positive; negative; zero (Excel's order)."""
    if value < 0 and len(sections) > 1:
        return sections[1]
    if value == 0 and len(sections) > 2:
        return sections[2]
    return sections[0]


def _digits_problem(tokens: list[tuple[str, str]]) -> str | None:
    """Why the digits of one section show another number than stored, or None."""
    places = [i for i, (kind, _) in enumerate(tokens) if kind == "digit"]
    first, last = places[0], places[-1]
    if first > 0 and tokens[first - 1][0] == "point":
        first -= 1
    if last + 1 < len(tokens) and tokens[last + 1][0] == "point":
        last += 1
    points = 0
    for i, (kind, text) in enumerate(tokens):
        inside = first <= i <= last
        if kind == "comma":  # a thousands separator stands between integer digits; others scale
            if not (inside and points == 0 and tokens[i - 1][0] == tokens[i + 1][0] == "digit"):
                return "用数字后的逗号把数缩小显示（每个逗号缩小为千分之一）"
        elif kind == "point":
            points += inside
            if not inside or points > 1:
                return f"在数字中插入了字符“{text}”"
        elif inside and kind != "digit":
            return f"在数字之间插入了“{text}”"
    return None


def _sign_problem(sections: list[list[tuple[str, str]]], value: float) -> str | None:
    """Why the section a value is shown by prints a sign the value does not have, or None.
    Excel puts the minus itself only when the format has one section; a second one (negatives)
    must show it: a minus before or after the digits, brackets around them, or red."""
    tokens = _section(sections, value)
    places = [i for i, (kind, _) in enumerate(tokens) if kind == "digit"]
    if not places or value == 0:  # a zero shown as "-" is no sign
        return None
    before = "".join(text for kind, text in tokens[: places[0]] if kind == "literal")
    after = "".join(text for kind, text in tokens[places[-1] + 1 :] if kind == "literal")
    minus = any(c in _MINUS for c in before + after) or ("(" in before and ")" in after)
    if value > 0:
        return "把正数显示为负数（带负号或括号）" if minus else None
    if len(sections) == 1:
        return "给负数再加了一个负号（显示为两个负号）" if minus else None
    red = any(kind == "bracket" and text.lower() == "red" for kind, text in tokens)
    return None if minus or red else "显示负数时不带负号、括号或红色（负数看起来是正数）"


def shown_problem(number_format: str, value: float) -> tuple[bool, str | None]:
    """(shows a percentage, why the format shows another number than `value`, or None)."""
    sections = _tokens(number_format)
    tokens = _section(sections, value)
    percent = any(kind == "percent" or (kind == "literal" and "%" in normalise(text))
                  for kind, text in tokens)
    brackets = [text for section in sections for kind, text in section if kind == "bracket"]
    odd = next((b for b in brackets if not _BRACKET_OK.fullmatch(b)), None)
    kinds = {kind for kind, _ in tokens}
    if odd is not None:
        return percent, f"含有不能确定显示结果的代码 [{odd}]"
    for kind, reason in (("percent", "把数乘以 100 显示为百分比"), ("exponent", "以科学计数法显示"),
                         ("fraction", "把数显示为分数"), ("date", "把数显示为日期或时间")):
        if kind in kinds:
            return percent, reason
    if "general" in kinds or ("text" in kinds and "digit" not in kinds):
        return percent, None
    if "digit" not in kinds:
        return percent, None if value == 0 else "不显示数字"
    return percent, _digits_problem(tokens) or _sign_problem(sections, value)


def shown_red(number_format: str, value: object) -> bool:
    """True when the section of the format that shows a stored number paints it red (`[Red]`)."""
    if not number_format or not isinstance(value, int | float) or isinstance(value, bool):
        return False
    shown = _section(_tokens(number_format), value)
    return any(kind == "bracket" and text.lower() == "red" for kind, text in shown)


def affixes(number_format: str, value: float) -> tuple[str, str]:
    """The literal text the format prints before and after the digits of `value` (`#,##0"元"`
    -> ("", "元")), normalised."""
    tokens = _section(_tokens(number_format), value)
    places = [i for i, (kind, _) in enumerate(tokens) if kind == "digit"]
    if not places:
        return "", ""
    before = "".join(text for kind, text in tokens[: places[0]] if kind == "literal")
    after = "".join(text for kind, text in tokens[places[-1] + 1 :] if kind == "literal")
    return normalise(before), normalise(after)


def shown_currency(number_format: str, value: float) -> str | None:
    """The currency other than 人民币 a format shows (`"US$"#,##0.00` -> `$`), None for ¥ / 元 /
    none; `[$¥-411]` is the yen (Japanese locale)."""
    tokens = _section(_tokens(number_format), value)
    codes = [text[1:].split("-", 1) for kind, text in tokens if kind == "bracket" and text.startswith("$")]
    shown = normalise("".join(text for kind, text in tokens if kind == "literal")
                      + "".join(code[0] for code in codes))
    foreign = _FOREIGN.search(shown)
    if foreign is not None:
        return foreign.group(0)
    yen = "¥" in shown and any(len(code) > 1 and code[1].lstrip("0").lower() == "411" for code in codes)
    return "¥（日元）" if yen else None


def _refuse_currency(number_format: str, value: float) -> None:
    currency = shown_currency(number_format, value)
    if currency is not None:
        raise NumberFormatError(f"数字格式 {number_format} 显示币种“{currency}”，不是人民币；数字不能当作"
                                "人民币元读，整份报表不读，请向报送机构索取人民币报表或核实币种")


def shown_unit(number_format: str, value: float) -> str | None:
    """The unit a format prints beside the digits (`#,##0"元"` -> 元, `0"户"` -> 户), None for
    none; raises NumberFormatError for another currency than 人民币 (`#,##0"美元"`) or a unit
    word the tool does not know (`0"万户"`)."""
    _refuse_currency(number_format, value)
    before, after = affixes(number_format, value)
    for text in (after, before):
        if re.search(r"[/每]|人均|户均", text):  # 元/户, 万元/人: an average, not the figure's unit
            raise NumberFormatError(f"数字格式 {number_format} 显示“{text}”，是平均数的单位，不是金额的单位；"
                                    "不知数字如何换算，请将该列设为常规或数值格式后重新导出")
        units = unit_list(text)
        if units:
            return units[0]
        if _MULTIPLIER.fullmatch(re.sub(r"[\s()（）*]", "", text)):  # testers BF F10, BG F1: 20.78万 as 元
            raise NumberFormatError(f"数字格式 {number_format} 在数字旁印“{text.strip()}”，只是倍数，"
                                    "没说是元还是户，不知数字如何换算；请将该列设为常规或数值格式后重新导出")
        odd = unread_unit(f"({text})", []) if text else None
        if odd is not None:
            raise NumberFormatError(f"数字格式 {number_format} 显示的单位“{odd}”不是认得的单位，"
                                    "不知数字如何换算；请将该列设为常规或数值格式后重新导出")
    return None


def _stored(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def figure_in(value: object, number_format: str, unit: str, signs: frozenset[SignStyle]) -> Decimal | None:
    """The exact figure of a cell read as a figure in `unit` (see parse_figure); raises
    NumberFormatError for a percentage, a number its format shows as another number, or a
    count (户, 个) with a fraction."""
    what = f"以{unit}计的{'金额' if is_money(unit) else '数量'}"
    if isinstance(value, str) and "%" in normalise(value):
        raise NumberFormatError(f"{value!r} 是百分比，不是{what}，不能换算；"
                                f"请核对报表该格，填入{what}后重新导出")
    if isinstance(value, int | float) and not isinstance(value, bool) and number_format:
        _refuse_currency(number_format, value)
        percent, problem = shown_problem(number_format, value)
        if percent:
            raise NumberFormatError(f"存储的数 {_stored(value)} 按数字格式 {number_format} 显示为百分比，"
                                    f"不是{what}，不能换算；请核对报表该格，填入{what}后重新导出")
        if problem is not None:
            raise NumberFormatError(f"数字格式 {number_format} {problem}，显示的数与存储的数不同，"
                                    "无法确定数值；请将该列设为常规或数值格式后重新导出")
    figure = parse_figure(value, signs)
    if figure is not None and not is_money(unit) and figure != figure.to_integral_value():
        raise NumberFormatError(f"{value!r} 有小数，不是{what}（数量是整数）；请核对报表该格")
    return figure
