"""A cell of rich text whose runs Excel shows otherwise than their characters read (tester BA,
2026-12-07): a struck-out old name before the new one, a superscript footnote mark after an
account number or an amount, a run much smaller or white. Each is a row error naming the cell and
the mark; plain emphasis (bold, red, another font) is not.

The workbooks are written here: shared strings as Excel writes them, edited into the XML by hand,
and inline strings as openpyxl (and other programs) write them; nothing comes from the code's
tables.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from tests.unit.test_filing_export_artefacts import HEADERS, _book, _codes, _row, _validate

ACCOUNTS = ("6217003300001234512", "6217003300001234534", "6217003300001234556", "6217003300001234578",
            "6217003300001234590")


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _as_shared_strings(path: Path, rich: dict[str, str]) -> None:
    """Move the sheet's inline strings (openpyxl's way) into a shared string table (Excel's way),
    each text of `rich` as the runs given."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename).decode("utf-8") for info in source.infolist()}
    texts: list[str] = []

    def shared(found: re.Match[str]) -> str:
        text, style = found.group("text"), found.group("style") or ""
        if text not in texts:
            texts.append(text)
        return f'<c r="{found.group("ref")}"{style} t="s"><v>{texts.index(text)}</v></c>'

    sheet = "xl/worksheets/sheet1.xml"
    inline = (r'<c r="(?P<ref>[A-Z]+\d+)"(?P<style> s="\d+")? t="inlineStr">'
              r'<is><t>(?P<text>[^<]*)</t></is></c>')
    parts[sheet] = re.sub(inline, shared, parts[sheet])
    assert set(rich) <= set(texts), set(rich) - set(texts)
    items = "".join(f"<si>{rich.get(text, f'<t>{text}</t>')}</si>" for text in texts)
    count = len(texts)
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace("</Relationships>", (
        '<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _run(text: str, properties: str = "") -> str:
    return f"<r>{f'<rPr>{properties}</rPr>' if properties else ''}<t>{text}</t></r>"


def test_marked_runs_in_shared_strings_are_row_errors_naming_the_cell_and_the_mark(tmp_path: Path) -> None:
    struck, footnoted, small, white, emphasis = (_row(account) for account in ACCOUNTS)
    struck[4] = "杭州旧名科技有限公司杭州青禾农业科技有限公司"
    footnoted[1] = ACCOUNTS[1] + "2"
    small[19] = "5001"  # 注册资金(万元) as text, its last digit a 6-point footnote mark
    white[11] = "杭州市西湖区文三路90号A座"
    emphasis[12] = "农业技术开发、技术咨询"
    path = _book(tmp_path, [struck, footnoted, small, white, emphasis])
    rich = {
        "杭州旧名科技有限公司杭州青禾农业科技有限公司":
            _run("杭州旧名科技有限公司", "<strike/><sz val=\"11\"/>") + _run("杭州青禾农业科技有限公司"),
        ACCOUNTS[1] + "2": _run(ACCOUNTS[1]) + _run("2", "<vertAlign val=\"superscript\"/>"),
        "5001": _run("500", "<sz val=\"11\"/>") + _run("1", "<sz val=\"6\"/>"),
        "杭州市西湖区文三路90号A座":
            _run("杭州市西湖区文三路90号") + _run("A座", "<color rgb=\"FFFFFFFF\"/>"),
        # bold, red and a struck-through switched off: emphasis, not another text
        "农业技术开发、技术咨询": _run("农业技术开发", "<b/><color rgb=\"FFFF0000\"/>")
        + _run("、技术咨询", "<strike val=\"0\"/>"),
    }

    _as_shared_strings(path, rich)
    report = _validate(path)
    assert _codes(report) == {
        2: {("rich_text_marked", "存款人名称")}, 3: {("rich_text_marked", "账号")},
        4: {("rich_text_marked", "注册资金(万元)")}, 5: {("rich_text_marked", "注册地址")}, 6: set(),
    }  # fmt: skip
    messages = {o.row: o.errors[0] for o in report.outcomes if o.errors}
    assert messages[2].cell == "E2" and "中有 10 个字设了删除线" in messages[2].message
    assert "中有 1 个字设了上标" in messages[3].message and "设了小字号" in messages[4].message
    assert "设了白色" in messages[5].message and "请删去这些字或改为普通文字后重新导出" in messages[5].message
    assert "杭州旧名" not in messages[2].message  # the name itself is not repeated into the record


def test_marked_runs_in_inline_strings_are_row_errors_too(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    struck, subscript, plain = (_row(account) for account in ACCOUNTS[:3])
    sheet.append(struck)
    sheet.append(subscript)
    sheet.append(plain)
    struck_out = TextBlock(InlineFont(strike=True), "文三路90号")
    sheet["L2"] = CellRichText(["杭州市西湖区", struck_out, "文二路8号"])
    sheet["B3"] = CellRichText([ACCOUNTS[1], TextBlock(InlineFont(vertAlign="subscript"), "1")])
    sheet["E4"] = CellRichText([TextBlock(InlineFont(b=True), "杭州青禾"), "农业科技有限公司"])
    path = tmp_path / "inline.xlsx"
    book.save(path)
    report = _validate(path)
    assert _codes(report) == {2: {("rich_text_marked", "注册地址")}, 3: {("rich_text_marked", "账号")},
                              4: set()}
    assert "中有 6 个字设了删除线" in report.outcomes[0].errors[0].message
    assert "设了下标" in report.outcomes[1].errors[0].message


def test_a_footnote_mark_typed_after_an_amount_is_no_digit_of_it(tmp_path: Path) -> None:
    """Tester BA: `500¹` and `1000②`, typed with an IME, were folded into 5001 and 10002 万元."""
    rows = [_row(account) for account in ACCOUNTS]
    for row, written in zip(rows, ("500¹", "1000②", "5⁰⁰", "１２３.５", "1,000"), strict=True):
        row[19] = written
    report = _validate(_book(tmp_path, rows))
    refused = {("capital_invalid", "注册资金(万元)")}
    assert _codes(report) == {2: refused, 3: refused, 4: refused, 5: set(), 6: set()}
    assert [o.record.registered_capital_yuan for o in report.outcomes[3:] if o.record] == [1235000, 10000000]


def test_a_line_break_in_a_one_line_column_is_a_row_error_and_in_an_address_is_not(tmp_path: Path) -> None:
    """Tester BA: a remark typed on a name's second line (Alt+Enter) was filed into AMS's name;
    the same cell in a CSV refuses the file. 注册地址, 经营范围 and 变更事项 may span lines."""
    remark, person, address = (_row(account) for account in ACCOUNTS[:3])
    remark[4] = "杭州青禾农业科技有限公司\n（原名：杭州旧名公司）"
    person[8] = "周\r\n明"
    address[11] = "杭州市西湖区\n文三路90号"
    report = _validate(_book(tmp_path, [remark, person, address]))
    assert _codes(report) == {
        2: {("line_break", "存款人名称")}, 3: {("line_break", "法定代表人姓名")}, 4: set()}
    assert "格内有换行（Alt+Enter）" in report.outcomes[0].errors[0].message


def test_a_question_mark_in_a_name_or_address_goes_to_a_person(tmp_path: Path) -> None:
    """Tester BA: Excel's ANSI CSV save writes `?` for a 生僻字; 北京?测试科技有限公司 and 王? were
    filed as they came. DOMAIN.md: such names go to a person, never in a mangled form."""
    name, person, address, scope = (_row(account) for account in ACCOUNTS[:4])
    name[4] = "杭州?农业科技有限公司"
    person[8] = "周？"
    address[11] = "杭州市西湖区?路90号"  # (a � is outside GBK: held as such already)
    scope[12] = "技术开发?"  # 经营范围 is no name: a stray mark there is left as the export wrote it
    report = _validate(_book(tmp_path, [name, person, address, scope]))
    found = {o.row: {(i.code, i.column) for i in [*o.errors, *o.warnings] if i.code == "replaced_char"}
             for o in report.outcomes}
    assert found == {2: {("replaced_char", "存款人名称")}, 3: {("replaced_char", "法定代表人姓名")},
                     4: {("replaced_char", "注册地址")}, 5: set()}
    assert [o.needs_person for o in report.outcomes] == [True, True, True, False]


def test_a_text_cell_shown_blank_or_struck_by_its_style_is_a_row_error(tmp_path: Path) -> None:
    """Tester BA: a name under the format `;;;`, a 经营范围 in white, a row struck through (the
    usual mark of a cancelled row) were filed though Excel shows them blank or struck. White text
    on a dark fill is seen, and bold or red is no refusal."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font, PatternFill

    rows = [_row(account) for account in ACCOUNTS]
    path = _book(tmp_path, rows)
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["E2"].number_format = ";;;"
    sheet["M3"].font = Font(color="FFFFFFFF")
    for cell in sheet[4]:
        cell.font = Font(strike=True)
    sheet["E5"].font = Font(color="FFFFFFFF", bold=True)
    sheet["E5"].fill = PatternFill("solid", fgColor="FF1F4E78")
    sheet["E6"].font = Font(color="FFFF0000", bold=True)
    book.save(path)
    codes = _codes(_validate(path))
    assert codes[2] == {("rich_text_marked", "存款人名称")} and codes[3] == {("rich_text_marked", "经营范围")}
    assert ("rich_text_marked", "账号") in codes[4] and ("rich_text_marked", "存款人名称") in codes[4]
    assert codes[5] == set() and codes[6] == set()
    said = {o.row: o.errors[0].message for o in _validate(path).outcomes if o.errors}
    assert "隐藏文字的格式「;;;」" in said[2] and "设了白色" in said[3] and "设了删除线" in said[4]


def test_rich_text_without_cell_references_and_white_in_openpyxls_form_are_marked(tmp_path: Path) -> None:
    """The code review of 2026-12-07: inline strings whose <row>/<c> leave out `r` (optional) were
    never marked, nor white written `00FFFFFF` (openpyxl's alpha); a marked text copies whole."""
    import copy

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(_row(ACCOUNTS[0]))
    sheet.append(_row(ACCOUNTS[1]))
    white = TextBlock(InlineFont(color="00FFFFFF"), "（旧名）")
    sheet["E2"] = CellRichText(["杭州青禾农业科技有限公司", white])
    sheet["L3"] = CellRichText(["杭州市西湖区", TextBlock(InlineFont(strike=True), "文三路90号")])
    path = tmp_path / "norefs.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    parts["xl/worksheets/sheet1.xml"] = re.sub(r' r="[A-Z]*\d+"', "", sheet_xml).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    report = _validate(path)
    assert _codes(report) == {2: {("rich_text_marked", "存款人名称")}, 3: {("rich_text_marked", "注册地址")}}
    value = next(o for o in report.outcomes if o.row == 2).errors[0].message
    assert "设了白色" in value
    from flows.account_filing.rich_text_cells import MarkedText

    marked = MarkedText("旧名", {"删除线": 2})
    assert copy.copy(marked).mark == "删除线" and copy.deepcopy(marked).chars == 2


def _filled(path: Path, fills: dict[str, dict[str, object]]) -> None:
    """Give cells (by reference) a solid fill of the colour given (openpyxl Color's keywords)."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill
    from openpyxl.styles.colors import Color

    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for ref, colour in fills.items():
        sheet[ref].fill = PatternFill("solid", fgColor=Color(**colour))  # type: ignore[arg-type]
    book.save(path)


def test_a_white_run_on_a_dark_fill_is_seen_and_on_a_light_one_is_not(tmp_path: Path) -> None:
    """Tester BC F7 (2026-12-07): a cell on a dark fill with a white run of rich text (a banner
    colour) was refused though the run is seen. A dark fill (RGB, theme dk2, the legacy palette's
    navy) shows it; a white or light one (lt1, lt2, a pale RGB) does not; a struck run on a dark
    fill is still struck."""
    names = [f"杭州青禾{word}科技有限公司" for word in ("一", "二", "三", "四", "五", "六", "七", "八")]
    accounts = [f"62170033000012345{n:02d}" for n in range(10, 18)]
    rows = [_row(account) for account in accounts]
    for row, name in zip(rows, names, strict=True):
        row[4] = name
    path = _book(tmp_path, rows)

    fills: dict[str, dict[str, object]] = {
        "E2": {"rgb": "FF1F4E78"}, "E3": {"theme": 3}, "E4": {"indexed": 18},  # dark: seen
        "E5": {"rgb": "FFFFFFFF"}, "E6": {"theme": 0}, "E7": {"theme": 2}, "E8": {"rgb": "FFFFF2CC"},
        "E9": {"rgb": "FF1F4E78"},
    }
    _filled(path, fills)
    white = "<color rgb=\"FFFFFFFF\"/>"
    rich = {name: _run(name[:4]) + _run(name[4:5], white) + _run(name[5:]) for name in names[:7]}
    rich[names[7]] = _run(name[:4]) + _run(names[7][4:5], white + "<strike/>") + _run(names[7][5:])
    _as_shared_strings(path, rich)
    report = _validate(path)
    refused = {("rich_text_marked", "存款人名称")}
    assert _codes(report) == {2: set(), 3: set(), 4: set(), 5: refused, 6: refused, 7: refused,
                              8: refused, 9: refused}
    said = {o.row: o.errors[0].message for o in report.outcomes if o.errors}
    assert "设了白色" in said[5] and "设了删除线" in said[9] and "白色" not in said[9]
    assert [o.record.depositor_name for o in report.outcomes[:3] if o.record] == names[:3]

    white = [(names[0], "FFFFFFFF", "FF203864"), (names[1], "FFFFFFFF", "FFFFFFFF")]  # on navy, on white
    inline = _inline_runs(tmp_path, accounts, white)
    assert _codes(_validate(inline)) == {2: set(), 3: refused}


def _inline_runs(tmp_path: Path, accounts: list[str], cells: list[tuple[str, str, str]],
                 font: str | None = None) -> Path:
    """A workbook of inline strings (openpyxl's way): rows 2.. of `accounts`, each row's name
    (name, its fifth character's colour, the cell's solid fill) rich text; `font` the cells' own."""
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for account in accounts[:len(cells)]:
        sheet.append(_row(account))
    for number, (name, colour, fill) in enumerate(cells, start=2):
        run = TextBlock(InlineFont(color=colour), name[4:5])
        sheet[f"E{number}"] = CellRichText([name[:4], run, name[5:]])
        sheet[f"E{number}"].fill = PatternFill("solid", fgColor=fill)
        if font is not None:
            sheet[f"E{number}"].font = Font(color=font)
    path = tmp_path / "inline.xlsx"
    book.save(path)
    return path


def test_escaped_characters_in_an_xlsx_cell_read_as_the_characters(tmp_path: Path) -> None:
    """Tester BC: `_x000A_` (a line break as OOXML escapes it) was filed as text, 北京测试_x000A_科技
    有限公司, and `_x003F_` (a ?) went past the question-mark rule. Escapes read as the characters
    they stand for, in shared and in inline strings; an address may span lines."""
    name, person, address = (_row(account) for account in ACCOUNTS[:3])
    name[4] = "杭州青禾_x000A_农业科技有限公司"
    person[8] = "周_x003F_"
    address[11] = "杭州市西湖区_x000D_\n文三路90号"
    for shared in (False, True):
        path = _book(tmp_path, [name, person, address])
        if shared:
            _as_shared_strings(path, {})
        report = _validate(path)
        found = {o.row: {i.code for i in [*o.errors, *o.warnings] if not i.code.startswith("deadline")}
                 for o in report.outcomes}
        assert found == {2: {"line_break"}, 3: {"replaced_char"}, 4: set()}, (shared, found)
        record = next(o.record for o in report.outcomes if o.row == 4)
        assert record is not None and "_x" not in str(record.registered_address)


def test_text_in_about_its_cells_fill_colour_is_a_row_error(tmp_path: Path) -> None:
    """Tester BG F9 (2026-12-07): a black run of rich text in a black-filled cell was filed joined
    to the rest. A run (or a whole cell's font) of about its background's colour is a mark: black
    on white-on-black, the theme's accent2 (as the workbook's own theme part gives it) written as RGB on a
    fill of that theme colour, a grey near white on no fill, a cell's font of its fill's yellow,
    the automatic (black) font on a black fill; a red run on yellow, a black run on white are
    seen."""
    names = [f"杭州青禾{word}科技有限公司" for word in ("一", "二", "三", "四", "五", "六", "七")]
    accounts = [f"62170033000012346{n:02d}" for n in range(10, 17)]
    rows = [_row(account) for account in accounts]
    for row, name in zip(rows, names, strict=True):
        row[4] = name
    path = _book(tmp_path, rows)
    _filled(path, {"E2": {"rgb": "FF000000"}, "E3": {"theme": 5}, "E5": {"rgb": "FFFFFF00"},
                   "E7": {"rgb": "FF101010"}})
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    book = load_workbook(path)  # whole cells: a yellow font on a yellow fill, the default on black
    sheet = book.active
    assert sheet is not None
    sheet["E7"].font = Font(name="宋体")  # automatic colour on #101010
    sheet["E2"].font = Font(color="FFFFFFFF")  # a white cell font on black: the runs without colour seen
    sheet["E8"] = "杭州青禾八科技有限公司"
    book.save(path)
    _filled(path, {"E8": {"rgb": "FFFFC000"}})
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["E8"].font = Font(color="FFFFC000")
    for column, value in enumerate(_row("6217003300001234617"), start=1):
        if column != 5:
            sheet.cell(8, column, value)
    book.save(path)
    coloured = {
        names[0]: _run(names[0][:4]) + _run(names[0][4:5], '<color rgb="FF000000"/>') + _run(names[0][5:]),
        names[1]: _run(names[1][:4]) + _run(names[1][4:5], '<color rgb="FFC0504D"/>') + _run(names[1][5:]),
        names[2]: _run(names[2][:4]) + _run(names[2][4:5], '<color rgb="FFF2F2F2"/>') + _run(names[2][5:]),
        names[3]: _run(names[3][:4]) + _run(names[3][4:5], '<color rgb="FFFF0000"/>') + _run(names[3][5:]),
        names[4]: _run(names[4][:4]) + _run(names[4][4:5], '<color theme="1"/>') + _run(names[4][5:]),
    }
    _as_shared_strings(path, coloured)
    report = _validate(path)
    refused = {("rich_text_marked", "存款人名称")}
    assert _codes(report) == {2: refused, 3: refused, 4: refused, 5: set(), 6: set(), 7: refused, 8: refused}
    said = {o.row: o.errors[0].message for o in report.outcomes if o.errors}
    assert "有 1 个字设了与底色相近的颜色" in said[2] and "与底色相近的颜色" in said[8]
    assert [o.record.depositor_name for o in report.outcomes[3:5] if o.record] == names[3:5]

    # inline strings alike: a black run on black under a white cell font; a red run on yellow
    runs = [(names[0], "FF000000", "FF000000"), (names[1], "FFFF0000", "FFFFFF00")]
    inline = _inline_runs(tmp_path, accounts, runs, font="FFFFFFFF")
    report = _validate(inline)
    assert _codes(report) == {2: refused, 3: set()}
    assert "有 1 个字设了与底色相近的颜色" in report.outcomes[0].errors[0].message
