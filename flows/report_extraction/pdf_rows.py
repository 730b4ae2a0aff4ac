"""Phrases, columns and rows of a borderless page, joined the way a reader's eye joins them.

- columns are the x-ranges of the body phrases that overlap; a phrase belongs to the column it
  overlaps most (or the nearest one);
- a sign printed at a cell's left edge with the digits right-aligned (Excel's accounting
  format: `-        23.40`, `(        23.40)`) stands in a column of its own that no header
  names: it is the sign of the figure right of it on the same line. A mark there with no figure
  right of it cannot be placed: the file is refused naming the page and the row;
- a row label wrapped over two lines is one row with the figures printed beside either line or
  between them: lines closer than most rows are apart are joined when one of them holds only
  the label. Figures left with no label beside them refuse the file, naming the page and the
  label above them: which row they belong to is not on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.report_extraction.numbers import normalise
from flows.report_extraction.tables import quoted
from rpa.errors import UnreadableFigure

_SIGNS = frozenset({"-", "(", "+"})
_MARKS = _SIGNS | frozenset({"—", "–", "——", "--", "/"})
_WRAP = 0.8  # lines of one wrapped row stand closer than this share of the row pitch


@dataclass
class Phrase:
    """Words a space apart on one line, with their box."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def columns_of(body: list[list[Phrase]]) -> list[tuple[float, float]]:
    """The x-ranges of the phrases that overlap, left to right."""
    spans = sorted((p.x0, p.x1) for line in body for p in line)
    merged: list[list[float]] = []
    for x0, x1 in spans:
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def column_of(phrase: Phrase, columns: list[tuple[float, float]]) -> int:
    """The column a phrase overlaps most, or the one whose centre is nearest."""
    overlaps = [min(phrase.x1, b) - max(phrase.x0, a) for a, b in columns]
    best = max(range(len(columns)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return best
    centre = (phrase.x0 + phrase.x1) / 2
    return min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - centre))


def _mark(text: str) -> str:
    return normalise(text).replace("\u2212", "-")


def _is_figure(text: str) -> bool:
    first = _mark(text)[:1]
    return first.isdigit() or first == "."


def _label(line: list[Phrase]) -> str:
    return line[0].text if line else ""


def attach_signs(body: list[list[Phrase]], header: list[Phrase], file: str,
                 page_number: int) -> list[list[Phrase]]:
    """The body lines with each sign of a headerless column of signs joined to the figure right
    of it (`-` and `23.40` -> `- 23.40`); raises UnreadableFigure for a mark that has none."""
    columns = columns_of(body)
    if not columns:
        return body
    named = {column_of(p, columns) for p in header}
    in_column: dict[int, list[Phrase]] = {}
    for line in body:
        for phrase in line:
            in_column.setdefault(column_of(phrase, columns), []).append(phrase)
    loose = {col for col, phrases in in_column.items()
             if col not in named and all(_mark(p.text) in _MARKS for p in phrases)}
    if not loose:
        return body
    result: list[list[Phrase]] = []
    for line in body:
        joined: list[Phrase] = []
        pending: tuple[Phrase, int] | None = None
        for phrase in sorted(line, key=lambda p: p.x0):
            col = column_of(phrase, columns)
            if pending is not None:
                sign, sign_col = pending
                if col != sign_col + 1 or not _is_figure(phrase.text):
                    raise _stray(sign, line, file, page_number)
                joined.append(Phrase(f"{sign.text} {phrase.text}", sign.x0, phrase.x1,
                                     min(sign.top, phrase.top), max(sign.bottom, phrase.bottom)))
                pending = None
            elif col in loose:
                if _mark(phrase.text) not in _SIGNS:
                    raise _stray(phrase, line, file, page_number)
                pending = (phrase, col)
            else:
                joined.append(phrase)
        if pending is not None:
            raise _stray(pending[0], line, file, page_number)
        result.append(joined)
    return result


def _stray(mark: Phrase, line: list[Phrase], file: str, page_number: int) -> UnreadableFigure:
    return UnreadableFigure(
        f"{file} 第{page_number}页 “{_label(line)}”行：“{mark.text}”单独印在格子左边，"
        "右边紧挨的格里没有数字，无法确定它是不是数字的符号；请核对这一行",
        details={"file": file, "page": page_number, "label": _label(line)})


def join_wrapped(body: list[list[Phrase]], columns: list[tuple[float, float]], label_col: int,
                 group_col: int | None, pitch: float, file: str, page_number: int) -> list[list[Phrase]]:
    """The body lines joined into rows: a label wrapped over lines closer than `_WRAP` of the
    row pitch is one row with the figures beside it. A line holding only group labels stays a
    line of its own. Raises UnreadableFigure for figures with no row label beside them."""
    rows: list[list[Phrase]] = []
    kinds: list[str] = []
    for line in body:
        kind = _kind(line, columns, label_col, group_col)
        if (rows and kind != "group" and kinds[-1] != "group" and pitch
                and row_centre(line) - row_centre(rows[-1]) < _WRAP * pitch and "label" in (kind, kinds[-1])):
            rows[-1] = rows[-1] + line
            kinds[-1] = _kind(rows[-1], columns, label_col, group_col)
        else:
            rows.append(line)
            kinds.append(kind)
    for index, (row, kind) in enumerate(zip(rows, kinds, strict=True)):
        if kind == "figures":
            above = next((_label(rows[i]) for i in range(index - 1, -1, -1) if kinds[i] in ("label", "row")),
                         "表头")
            text = " ".join(p.text for p in row)
            raise UnreadableFigure(
                f"{file} 第{page_number}页：“{quoted(text)}”有数字却没有行标签（上方是“{above}”行），"
                "无法确定这些数字属于哪一行；请核对这一行",
                details={"file": file, "page": page_number, "label": above})
    return rows


def _kind(line: list[Phrase], columns: list[tuple[float, float]], label_col: int,
          group_col: int | None) -> str:
    """group: only group labels; label: only the row label; row: the label and more; figures:
    digits and no row label; other: neither."""
    cols = {column_of(p, columns) for p in line} - {group_col}
    if not cols:
        return "group"
    if cols == {label_col}:
        return "label"
    if label_col in cols:
        return "row"
    return "figures" if any(ch.isdigit() for p in line for ch in p.text) else "other"


def row_centre(line: list[Phrase]) -> float:
    """The middle of a line's or a row's phrases, from the top."""
    return (min(p.top for p in line) + max(p.bottom for p in line)) / 2
