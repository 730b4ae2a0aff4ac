"""A footnote's mark typed as a raised or lowered run of rich text is never a digit of the figure.

An xlsx cell can hold rich text: `83,655.26` and a run `3` set superscript (vertAlign), shown as
`83,655.26³`. openpyxl, unless told to keep rich text, hands over the runs' text glued together,
`83,655.263`, and the figure was read as 836,552,630 元. Such a figure is refused as a `³` typed
as a character is (test_extraction_footnote_marks), naming the sheet, the cell and the mark, in
Excel's shared strings and in inline strings alike; rich text without a raised run reads as its
text.

Every workbook is written here by hand with openpyxl (tests/hand_reports); openpyxl writes rich
text as inline strings, so `_shared` moves it into the shared strings part as Excel does.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles.colors import Color

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, daily_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>')


def _raised(text: str, where: str = "superscript") -> TextBlock:
    return TextBlock(InlineFont(vertAlign=where), text)


def _shared(path: Path) -> Path:
    """The workbook with its inline strings moved into xl/sharedStrings.xml, as Excel saves them."""
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    strings: list[str] = []

    def to_shared(match: re.Match[str]) -> str:
        strings.append(match.group(3))
        return f'<c {match.group(1)}t="s"{match.group(2)}><v>{len(strings) - 1}</v></c>'

    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = _INLINE.sub(to_shared, parts[sheet].decode("utf-8")).encode("utf-8")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">'
    parts["xl/sharedStrings.xml"] = (table + "".join(f"<si>{s}</si>" for s in strings) + "</sst>").encode()
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'.encode())
    rel = ('<Relationship Id="rIdShared" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
           'officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", rel.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)
    return path


def _daily_with(tmp_path: Path, cells: dict[str, CellRichText], *, shared: bool) -> Path:
    """The hand-written 网点经营日报 (储蓄存款余额 on row 5: B 本日, C 较上日) with `cells` set."""
    path = daily_workbook(tmp_path / "rich.xlsx")
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book["网点经营日报"][ref] = value
    book.save(path)
    return _shared(path) if shared else path


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "inline"])
@pytest.mark.parametrize(("ref", "parts", "mark", "what"), [
    ("B5", ["2,345.60", _raised("3")], "³", "储蓄存款余额 本日"),
    ("B5", [_raised("2"), "2,345.60"], "²", "储蓄存款余额 本日"),
    ("B5", ["2,345.60", _raised("1", "subscript")], "₁", "储蓄存款余额 本日"),
    ("C5", ["1.20", _raised("1")], "¹", "储蓄存款余额 较上日"),
    ("B10", ["777", _raised("3")], "³", "客户数 本日"),
    ("B5", ["2,345.60", _raised("-")], "⁻", "储蓄存款余额 本日"),
])
def test_a_raised_run_in_a_figure_cell_is_refused_naming_cell_and_mark(
        tmp_path: Path, shared: bool, ref: str, parts: list[str | TextBlock], mark: str, what: str) -> None:
    path = _daily_with(tmp_path, {ref: CellRichText(parts)}, shared=shared)
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert f"网点经营日报!{ref}" in said and what in said and f"脚注标记“{mark}”" in said


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "inline"])
def test_rich_text_without_a_raised_run_reads_as_its_text(tmp_path: Path, shared: bool) -> None:
    bold = TextBlock(InlineFont(b=True), "2,345")
    cells = {"B5": CellRichText([bold, ".60"]),
             "A1": CellRichText([TextBlock(InlineFont(b=True), "网点"), "经营日报"])}
    extraction = extract_file(_daily_with(tmp_path, cells, shared=shared), load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(12000)



def _run(text: str, **font: object) -> TextBlock:
    return TextBlock(InlineFont(**font), text)  # type: ignore[arg-type]


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "inline"])
def test_a_run_printed_small_beside_a_figure_is_a_mark(tmp_path: Path, shared: bool) -> None:
    """Tester N's r_small_digit: a 6-point `1` after 2,345.60 in an 11-point cell read as 2,345.601."""
    path = _daily_with(tmp_path, {"B5": CellRichText(["2,345.60", _run("1", sz=6)])}, shared=shared)
    with pytest.raises(UnreadableFigure, match=r"网点经营日报!B5.*脚注标记“¹”"):
        extract_file(path, load_spec("branch_daily", SPECS))
    same = _daily_with(tmp_path, {"B5": CellRichText([_run("2,345", sz=11), ".60"])}, shared=shared)
    assert extract_file(same, load_spec("branch_daily", SPECS)).value(
        "储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize("white", [{"color": "FFFFFFFF"}, {"color": "FFFAFAFA"}, {"color": Color(indexed=9)}],
                         ids=["white", "near_white", "palette_white"])
def test_a_white_sign_or_digit_is_refused_on_paper_but_read_on_a_dark_shade(
        tmp_path: Path, white: dict[str, object]) -> None:
    """Tester N's N3: a white `-` before 1.20 printed 1.20 and was read as -1.20 (a 较上日 of -12,000)."""
    path = _daily_with(tmp_path, {"C5": CellRichText([_run("-", **white), "1.20"])}, shared=True)
    with pytest.raises(UnreadableFigure, match="C5 中有白色"):
        extract_file(path, load_spec("branch_daily", SPECS))
    book = openpyxl.load_workbook(path, rich_text=True)
    book["网点经营日报"]["C5"].fill = openpyxl.styles.PatternFill("solid", fgColor="1F4E78")  # shows white
    book.save(path)
    assert extract_file(path, load_spec("branch_daily", SPECS)).value(
        "储蓄存款余额", "较上日", "110101") == Decimal(-12000)


@pytest.mark.parametrize("value", [83655.26, "83,655.26"], ids=["number", "text"])
def test_a_whole_figure_in_a_white_font_is_refused_on_paper_but_read_on_a_dark_shade(
        tmp_path: Path, value: object) -> None:
    """Tester BO F5 (2026-12-08): C6 in a white font prints an empty cell; it was read as 83,630.87."""
    path = _daily_with(tmp_path, {"B5": value}, shared=True)
    book = openpyxl.load_workbook(path)
    book["网点经营日报"]["B5"].font = openpyxl.styles.Font(color="FFFFFFFF")
    book.save(path)
    with pytest.raises(UnreadableFigure, match="B5 中有白色"):
        extract_file(path, load_spec("branch_daily", SPECS))
    book["网点经营日报"]["B5"].fill = openpyxl.styles.PatternFill("solid", fgColor="1F4E78")  # shows white
    book.save(path)
    assert extract_file(path, load_spec("branch_daily", SPECS)).value(
        "储蓄存款余额", "本日", "110101") == Decimal("836552600.00")  # 万元


def test_a_light_grey_digit_prints_and_is_read(tmp_path: Path) -> None:
    """Excel's lightest grey (F2F2F2, White Darker 5%) and the theme's background darkened still
    print: such a run is read, not refused as white (the code reviewer's case)."""
    grey = CellRichText([_run("-", color="FFF2F2F2"), "1.20"])
    path = _daily_with(tmp_path, {"C5": grey}, shared=True)
    assert extract_file(path, load_spec("branch_daily", SPECS)).value(
        "储蓄存款余额", "较上日", "110101") == Decimal(-12000)


def test_red_digits_in_a_rich_text_cell_are_a_red_figure(tmp_path: Path) -> None:
    """A 较上日 whose digits are a red run prints a red (negative) figure though the cell's own font
    is black: never read as the positive figure its text holds."""
    path = _daily_with(tmp_path, {"C5": CellRichText([_run("1.20", color="FFFF0000")])}, shared=True)
    with pytest.raises(UnreadableFigure, match="C5"):
        extract_file(path, load_spec("branch_daily", SPECS))
