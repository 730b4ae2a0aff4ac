"""Branch blocks of a report whose table has a group column (机构 written once per block of rows):
the body rows cut into blocks at blank rows and subtotal rows, and where the group text
changes, a merged group cell ends or a row label repeats; each block's branch is the one group
text on any of its rows, and must be a known branch.

    >>> group_blocks(grid, header, spec, names, rows, notes)
    [([5, 6, 7], '110101', '机构列 A5'), ([9, 10, 11], '110102', '机构列 A9')]

A block with no branch, or with two, is an ExtractionError naming its rows: its figures would
belong to a guessed branch.
"""

from __future__ import annotations

import re

from flows.report_extraction.branch_names import BranchNames
from flows.report_extraction.header import Header
from flows.report_extraction.numbers import normalise, split_unit
from flows.report_extraction.specs import ExtractionSpec, Label
from flows.report_extraction.surroundings import row_place
from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import ExtractionError


def matching_label(spec: ExtractionSpec, text: str) -> Label | None:
    """The spec's row label a label cell's text matches, if any."""
    return next((label for label in spec.rows if label.matches(text)), None)


def group_blocks(grid: Grid, header: Header, spec: ExtractionSpec, names: BranchNames, rows: list[int | None],
                 notes: list[str]) -> list[tuple[list[int], str, str]]:
    """Branch blocks of a group column: rows between blank rows and subtotal rows, split
    where the group text changes, a merged group cell ends or a row label repeats; each
    block's branch is the one group text on any of its rows. A block with no row the spec names is
    left out and noted in `notes`."""
    assert header.group_col is not None
    group_col = header.group_col
    blocks: list[list[int]] = []
    current: list[int] = []
    labels: set[str] = set()
    text_of_block = ""
    merged_cell: GridCell | None = None
    subtotal = normalise(spec.subtotal_label) if spec.subtotal_label else None

    def close() -> None:
        nonlocal current, labels, text_of_block, merged_cell
        if current:
            blocks.append(current)
        current, labels, text_of_block, merged_cell = [], set(), "", None

    for row in rows:
        if row is None:
            close()
            continue
        cell = grid.at(row, group_col)
        text = grid.text(row, group_col)
        metric = matching_label(spec, grid.text(row, header.label_col))
        if current and (
                (text and text_of_block and text != text_of_block)
                or (metric is not None and metric.name in labels)
                or (merged_cell is not None and cell is not merged_cell)):
            close()
        current.append(row)
        if metric is not None:
            labels.add(metric.name)
        if text:
            text_of_block = text
        merged_cell = cell if cell is not None and cell.row_span > 1 else None
        if subtotal is not None and split_unit(grid.text(row, header.label_col))[0] == subtotal:
            close()
    close()
    result: list[tuple[list[int], str, str]] = []
    for block in blocks:
        texts: dict[str, int] = {}
        for row in block:
            text = grid.text(row, group_col)
            if text:
                texts.setdefault(text, row)
        first, last = row_place(grid, block[0]), row_place(grid, block[-1])
        if not any(matching_label(spec, grid.text(r, header.label_col)) for r in block):
            notes.append(f"略过的行 {first}–{last} {'/'.join(texts)[:30]}")
            continue
        if len(texts) != 1:
            what = "没有机构" if not texts else f"有两个机构（{'、'.join(texts)}）"
            raise ExtractionError(f"{grid.file}: {first} 至 {last} 这一段{what}，"
                                  "其中的数字属于哪个机构无法确定", details={"file": grid.file})
        text, row = next(iter(texts.items()))
        where = grid.provenance_at(row, group_col).cell or row_place(grid, row)
        code_text = grid.text(row, header.code_col) if header.code_col is not None else ""
        branch = names.branch_of(text, f"机构列 {where}", code_text)
        if branch is None:
            raise ExtractionError(
                f"{grid.provenance_at(row, group_col).describe()}: {first} 至 {last} "
                f"的机构“{text}”不是已知网点的代码或名称"
                f"（代码格式 {spec.branch.pattern}，网点名单 config/branches.yaml）",
                details={"file": grid.file})
        result.append((block, branch, f"机构列 {where}"))
    return result


def glued_figure(name: str, seen: list[str]) -> str:
    """For a label not found: a seen label that is `name` with digits after it (储蓄存款余额52, a
    figure, often in full-width digits, printed over its cell's edge into the label's: tester AE F4)
    said as such, else ""."""
    glued = sorted({text for text in seen if text.startswith(name) and text != name
                    and re.fullmatch(r"[\d０-９,，.．\s-]+", text[len(name):])})
    return (f"；“{glued[0]}”像是行标签连着越出格子的数字，数字认不准，整份报表不读，"
            "请向报送机构要一份排版正常的报表") if glued else ""
