"""Tables drawn without borders: rebuilt from the positions of the words on the page.

Without ruling lines pdfplumber's text strategy splits CJK headers and misses the header rows,
so the rows and columns are rebuilt here, as a reader's eye does it:
- lines are words at the same height; words a space apart are one phrase;
- the table starts at the line holding the label column's header and ends at a footnote
  (a line starting with 注 / 说明 / 备注 / 制表) or at a gap much larger than a row;
- columns are the x-ranges of the body phrases that overlap (left-aligned labels share their
  left edge, right-aligned figures their right edge); header phrases join the column they
  overlap most;
- a phrase alone on its line in the group column names the block of rows it is centred on,
  as a merged, vertically centred cell is drawn;
- page numbers (第 2 页 共 3 页, - 2 -) are page furniture, never table rows.

A page that continues a table without repeating its header is read by `headless_grid`: the
lines below the page's own title, up to a footnote, each a row.
"""

from __future__ import annotations

import re
from statistics import median
from typing import Any

from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_rows import (
    Phrase,
    attach_signs,
    column_of,
    columns_of,
    join_wrapped,
    row_centre,
)
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.tables import Grid, GridCell

_LINE_TOLERANCE = 2.0  # points between the tops of words on one line
_SPACE = 4.0  # a gap narrower than this joins two words into one phrase
_WORD_TOLERANCE = 3.0  # pdfplumber's default x and y tolerance for words
_FOOTNOTE_MARKS = ("注", "说明", "备注", "制表")
_PAGE_FURNITURE = re.compile(r"^(第\d+页(共\d+页)?|共\d+页|-\d+-|\d+/\d+|page\d+(of\d+)?)$", re.IGNORECASE)


def is_page_furniture(text: str) -> bool:
    """True for a page number line: 第 2 页 共 3 页, 第2页, - 2 -, 2/3, Page 2 of 3."""
    return bool(_PAGE_FURNITURE.match(re.sub(r"[\s,，、]", "", normalise(text))))


def table_lines(page: Any) -> list[list[Phrase]]:
    """The page's lines of phrases (words a space apart), page numbers left out."""
    return char_lines(page.chars)


def char_lines(chars: list[dict[str, Any]]) -> list[list[Phrase]]:
    """Some characters' lines of phrases, from the top, page numbers left out."""
    lines = _lines(_words(chars))
    return [line for line in lines if not is_page_furniture(" ".join(p.text for p in line))]


def is_footnote(line: list[Phrase]) -> bool:
    """True for a line that starts a footnote (注 / 说明 / 备注 / 制表): the table ends above it."""
    return bool(line) and normalise(line[0].text).startswith(_FOOTNOTE_MARKS)


def _words(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Characters into words as pdfplumber's extract_words() makes them for upright text (lines
    by tops within 3 pt, a word broken by a blank or a gap over 3 pt), in a single pass over
    the characters the page has already parsed: extract_words() costs more than the rest of
    a borderless page's reading put together."""
    words: list[dict[str, Any]] = []
    line: list[dict[str, Any]] = []
    last_top = None
    for char in sorted(chars, key=lambda c: c["top"]):
        if last_top is not None and char["top"] - last_top > _WORD_TOLERANCE:
            _line_words(line, words)
            line = []
        line.append(char)
        last_top = char["top"]
    _line_words(line, words)
    return words


def _line_words(line: list[dict[str, Any]], words: list[dict[str, Any]]) -> None:
    word: dict[str, Any] | None = None
    for char in sorted(line, key=lambda c: c["x0"]):
        text = char["text"]
        if text.isspace():
            word = None
        elif word is not None and char["x0"] <= word["x1"] + _WORD_TOLERANCE:
            word["text"] += text
            word["x1"] = max(word["x1"], char["x1"])
            word["bottom"] = max(word["bottom"], char["bottom"])
        else:
            word = {"text": text, "x0": char["x0"], "x1": char["x1"], "top": char["top"],
                    "bottom": char["bottom"]}
            words.append(word)


def _lines(words: list[dict[str, Any]]) -> list[list[Phrase]]:
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    result: list[list[Phrase]] = []
    for line in lines:
        phrases: list[Phrase] = []
        for word in sorted(line, key=lambda w: w["x0"]):
            if phrases and word["x0"] - phrases[-1].x1 < _SPACE:
                last = phrases[-1]
                last.text, last.x1 = f"{last.text} {word['text']}", word["x1"]
                last.bottom = max(last.bottom, word["bottom"])
            else:
                phrases.append(Phrase(word["text"], word["x0"], word["x1"], word["top"], word["bottom"]))
        result.append(phrases)
    return result


def text_lines(chars: list[dict[str, Any]]) -> list[str]:
    """The text of some characters, line by line from the top (for titles and info lines)."""
    rows: list[list[dict[str, Any]]] = []
    for char in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if rows and abs(rows[-1][0]["top"] - char["top"]) <= _LINE_TOLERANCE:
            rows[-1].append(char)
        else:
            rows.append([char])
    return ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])) for row in rows]


def _has_digit(line: list[Phrase]) -> bool:
    return any(any(ch.isdigit() for ch in p.text) for p in line)


def _centre(phrase: Phrase) -> float:
    return (phrase.top + phrase.bottom) / 2


def borderless_grid(lines: list[list[Phrase]], chars: list[dict[str, Any]], file: str, page_number: int,
                    spec: ExtractionSpec) -> Grid:
    """The table of a page without ruling lines (`lines`: table_lines(page)); the whole page text
    as preamble if none is found."""
    grid = Grid(file=file)
    start = next((i for i, line in enumerate(lines) if any(spec.label_column.matches(p.text) for p in line)),
                 None)
    if start is None:
        grid.preamble = text_lines(chars)
        return grid
    grid.preamble = [" ".join(p.text for p in line) for line in lines[:start]]
    centres = [_centre(line[0]) for line in lines]
    body_start = start + 1
    while body_start < len(lines) and not _has_digit(lines[body_start]):
        body_start += 1
    pitches = [b - a for a, b in zip(centres[body_start:], centres[body_start + 1:], strict=False)]
    pitch = median(pitches) if pitches else 0.0
    end = len(lines)
    for i in range(body_start, len(lines)):
        footnote = normalise(lines[i][0].text).startswith(_FOOTNOTE_MARKS)
        if footnote or (i > body_start and pitch and centres[i] - centres[i - 1] > 3 * pitch):
            end = i
            break
    grid.below = [" ".join(p.text for p in line) for line in lines[end:]]  # the footnotes, a footer
    header = [p for line in lines[start:body_start] for p in line]
    body = attach_signs(lines[body_start:end], header, file, page_number)
    columns = columns_of(body) or columns_of(lines[start:end])
    label_col = next((column_of(p, columns) for p in header if spec.label_column.matches(p.text)), 0)
    group_col = None
    if spec.group_column is not None:
        group_col = next((column_of(p, columns) for p in header if spec.group_column.matches(p.text)), None)
    group_labels: list[Phrase] = []
    body_rows: list[tuple[int, float]] = []
    rows = join_wrapped(body, columns, label_col, group_col, pitch, file, page_number)
    for in_body, line in [(False, line) for line in lines[start:body_start]] + [(True, row) for row in rows]:
        by_column: dict[int, list[Phrase]] = {}
        for phrase in line:
            col = column_of(phrase, columns)
            if in_body and col == group_col:
                group_labels.append(phrase)
            else:
                by_column.setdefault(col, []).append(phrase)
        if not by_column:
            continue  # a line holding only a group label sits between rows
        row = grid.n_rows
        for col, phrases in by_column.items():
            grid.put(_cell(phrases, row, col, file, page_number))
        if in_body:
            one_line = all(abs(p.top - line[0].top) <= _LINE_TOLERANCE for p in line)
            body_rows.append((row, _centre(line[0]) if one_line else row_centre(line)))
    if group_col is not None:
        blocks = _blocks(grid, body_rows, label_col, spec.subtotal_label, pitch)
        _place_groups(grid, group_labels, blocks, group_col, file, page_number)
    return grid


def _blocks(grid: Grid, body_rows: list[tuple[int, float]], label_col: int, subtotal: str | None,
            pitch: float) -> list[tuple[list[int], float, float]]:
    """Row blocks a group label may name, with their vertical extent: delimited by subtotal rows
    when the report has them (a label then names the block it lies in, however aligned);
    otherwise one block per row, and labels are taken as centred on their block."""
    blocks: list[tuple[list[int], float, float]] = []
    current: list[tuple[int, float]] = []
    for row, centre in body_rows:
        current.append((row, centre))
        if subtotal is None or grid.text(row, label_col) == normalise(subtotal):
            blocks.append(([r for r, _ in current], current[0][1] - pitch / 2, current[-1][1] + pitch / 2))
            current = []
    if current:
        blocks.append(([r for r, _ in current], current[0][1] - pitch / 2, current[-1][1] + pitch / 2))
    return blocks


def _place_groups(grid: Grid, labels: list[Phrase], blocks: list[tuple[list[int], float, float]],
                  col: int, file: str, page_number: int) -> None:
    if not labels or not blocks:
        return
    per_row = all(len(rows) == 1 for rows, _, _ in blocks)
    ordered = sorted(labels, key=_centre)
    if per_row:
        # without subtotal rows: each label covers the rows it is centred on, blocks in sequence
        top = blocks[0][1]
        rows_at = [(rows[0], (upper + lower) / 2) for rows, upper, lower in blocks]
        for label in ordered:
            bottom = 2 * _centre(label) - top
            members = [row for row, centre in rows_at if top <= centre < bottom]
            if members:
                grid.put(_cell([label], members[0], col, file, page_number, row_span=len(members)))
            top = bottom
        return
    for label in ordered:
        centre = _centre(label)
        for rows, upper, lower in blocks:
            if upper <= centre < lower:
                grid.put(_cell([label], rows[0], col, file, page_number, row_span=rows[-1] - rows[0] + 1))
                break


def _cell(phrases: list[Phrase], row: int, col: int, file: str, page_number: int,
          row_span: int = 1) -> GridCell:
    text = " ".join(p.text for p in phrases)
    bbox = (round(min(p.x0 for p in phrases), 1), round(min(p.top for p in phrases), 1),
            round(max(p.x1 for p in phrases), 1), round(max(p.bottom for p in phrases), 1))
    return GridCell(text=text, value=text, row=row, col=col, row_span=row_span,
                    provenance=Provenance(file=file, page=page_number, bbox=bbox))


def headless_grid(lines: list[list[Phrase]], file: str, page_number: int) -> Grid:
    """A borderless page continuing a table without its header: every line from the first that
    looks like a row (two phrases or more, or a figure) down to a footnote is a row; the lines
    above it (a title such as 分行汇总日报（续）) are the preamble. Columns are the page's own
    x-ranges; the caller places them under the first page's columns."""
    grid = Grid(file=file)
    start = next((i for i, line in enumerate(lines) if len(line) > 1 or _has_digit(line)), len(lines))
    grid.preamble = [" ".join(p.text for p in line) for line in lines[:start]]
    end = next((i for i in range(start, len(lines))
                if normalise(lines[i][0].text).startswith(_FOOTNOTE_MARKS)), len(lines))
    grid.below = [" ".join(p.text for p in line) for line in lines[end:]]  # the footnotes, a footer
    body = attach_signs(lines[start:end], [], file, page_number)
    columns = columns_of(body)
    for line in body:
        by_column: dict[int, list[Phrase]] = {}
        for phrase in line:
            by_column.setdefault(column_of(phrase, columns), []).append(phrase)
        row = grid.n_rows
        for col, phrases in by_column.items():
            grid.put(_cell(phrases, row, col, file, page_number))
    return grid
