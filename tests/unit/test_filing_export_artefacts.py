"""What the program that made an export leaves in its cells, never filed as data (tester AA,
2026-12-06): Excel's error values (#N/A from a failed VLOOKUP, as a cell or as a formula's
cached result), a database's empty value written as text (NULL, None), a formula's cached
result in a workbook that tells Excel to recalculate it on open, and a row of height 0.

The workbooks are made here from DOMAIN.md's headers and then edited as XML, the way other
writers (Apache POI, a template filler, a hand edit) leave them; nothing comes from the code's
own tables or generators.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from flows.account_filing import ValidationReport, validate_file
from rpa.errors import InputFileError
from rpa.settings import PROJECT_ROOT

HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人", "注册资金(万元)",
]  # fmt: skip
SHEET = "xl/worksheets/sheet1.xml"


def _row(account: str) -> list[str | int]:
    # a 91 credit code (GB 32100, its organisation code's GB 11714 check too) and a 居民身份证
    # number (GB 11643), their check characters worked out from DOMAIN.md's weights for this test
    return ["开户", account, "基本存款账户", "2026-11-20", "杭州青禾农业科技有限公司", "01",
            "91330106MA2KXQ2N0G", "法定代表人", "周明", "居民身份证", "330106198805060016",
            "杭州市西湖区文三路90号", "农业技术开发", "102100099996", "", "", "", "", "310009", 200]


def _book(tmp_path: Path, rows: list[list[str | int]], *, full_calc: bool = True) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户明细"
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    path = tmp_path / "export.xlsx"
    book.save(path)
    if not full_calc:  # as Excel saves a workbook: no request to recalculate on open
        _edit(path, "xl/workbook.xml", lambda xml: re.sub(r'\s*fullCalcOnLoad="1"', "", xml))
    return path


def _edit(path: Path, member: str, change: object) -> None:
    """Rewrite one part of the workbook's zip with `change(text)`."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    edited = change(parts[member].decode("utf-8"))  # type: ignore[operator]
    assert edited != parts[member].decode("utf-8"), f"{member} unchanged"
    parts[member] = edited.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _cached(cell: str, kind: str, value: str) -> object:
    """The formula cell `cell` given a cached result, as a writer that keeps one does."""
    return lambda xml: re.sub(rf'<c r="{cell}"[^>]*><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>',
                              rf'<c r="{cell}" t="{kind}"><f>\1</f><v>{value}</v></c>', xml)


def _validate(path: Path) -> ValidationReport:
    return validate_file(path, config_dir=PROJECT_ROOT / "config",
                         calendar_file=PROJECT_ROOT / "calendar.yaml", today=date(2026, 11, 27))


def _codes(report: ValidationReport) -> dict[int, set[tuple[str, str]]]:
    return {o.row: {(e.code, e.column) for e in o.errors} for o in report.outcomes}


def test_excel_error_values_and_empty_values_as_text_are_row_errors(tmp_path: Path) -> None:
    accounts = ("6217003300001234512", "6217003300001234534", "6217003300001234556", "6217003300001234578")
    address_na, name_ref, scope_null, legal_none = (_row(account) for account in accounts)
    address_na[11] = "#N/A"  # openpyxl writes it as an error cell (t="e"), as Excel does
    name_ref[4] = " #REF! "
    scope_null[12] = "NULL"
    legal_none[8] = "None"
    sound = _row("6217003300001234590")
    report = _validate(_book(tmp_path, [address_na, name_ref, scope_null, legal_none, sound]))
    assert _codes(report) == {
        2: {("excel_error", "注册地址")}, 3: {("excel_error", "存款人名称")},
        4: {("placeholder_text", "经营范围")}, 5: {("placeholder_text", "法定代表人姓名")}, 6: set(),
    }  # fmt: skip
    assert [o.valid for o in report.outcomes] == [False, False, False, False, True]
    message = report.outcomes[0].errors[0].message
    assert "Excel 的错误值" in message and "不是数据" in message


def test_a_formula_whose_cached_result_is_an_error_is_an_error_value(tmp_path: Path) -> None:
    row = _row("6217003300001234512")
    row[11] = "=VLOOKUP(B2,地址表!A:B,2,FALSE)"
    path = _book(tmp_path, [row], full_calc=False)
    _edit(path, SHEET, _cached("L2", "e", "#N/A"))
    assert _codes(_validate(path)) == {2: {("excel_error", "注册地址")}}


def test_a_formulas_cached_result_in_a_workbook_recalculated_on_open_is_not_filed(tmp_path: Path) -> None:
    row = _row("6217003300001234534")
    row[1] = '="6217003300001234534"'
    for full_calc, expected in ((True, {2: {("formula_stale", "账号")}}), (False, {2: set()})):
        folder = tmp_path / str(full_calc)
        folder.mkdir()
        path = _book(folder, [row], full_calc=full_calc)
        _edit(path, SHEET, _cached("B2", "str", "6217003300001234999"))  # not what the formula gives
        report = _validate(path)
        assert _codes(report) == expected, full_calc
        if not full_calc:  # Excel saved it: its cached result is what Excel showed
            record = report.outcomes[0].record
            assert record is not None and record.account_no == "6217003300001234999"


def test_a_formula_whose_saved_result_is_empty_text_is_a_blank_cell(tmp_path: Path) -> None:
    """Tester BA F12 (2026-12-07): a template's lookup filled down (`=IF(B5="","",…)`), saved by
    Excel with an empty text result (`t="str"`, `<v></v>` or `<v/>`), made its blank rows invalid
    and a good row's empty optional 通知日期 an error, told to open and save in Excel. A formula
    never computed (openpyxl's `<v />`, no type) is still formula_uncomputed, and an empty result
    in a workbook recalculated on open still formula_stale."""
    first, second, third = (_row(account) for account in ("6217003300001234512", "6217003300001234534",
                                                          "6217003300001234556"))
    first[17] = '=IF(A2="变更",D2,"")'
    third[17] = '=IF(A4="变更",D4,"")'  # left as openpyxl writes it: never computed
    blank: list[str | int] = [""] * 4 + ['=IF(B5="","",VLOOKUP(B5,客户!A:B,2,0))']
    rows = [first, second, third] + [[*blank[:4], blank[4].replace("B5", f"B{n}")] for n in range(5, 9)]

    def excel_saved(xml: str) -> str:
        xml = re.sub(r'<c r="R2"><f>([^<]*)</f><v\s*/>', r'<c r="R2" t="str"><f>\1</f><v></v>', xml)
        xml = re.sub(r'<c r="E5"><f>([^<]*)</f><v\s*/>',
                     r'<c r="E5" t="str"><f t="shared" ref="E5:E8" si="0">\1</f><v/>', xml)
        return re.sub(r'<c r="(E[6-8])"><f>[^<]*</f><v\s*/>',
                      r'<c t="str" r="\1"><f t="shared" si="0"/><v></v>', xml)

    for full_calc in (False, True):
        folder = tmp_path / str(full_calc)
        folder.mkdir()
        path = _book(folder, rows, full_calc=full_calc)
        _edit(path, SHEET, excel_saved)
        codes = _codes(_validate(path))
        if full_calc:  # Excel will recompute on open: an empty saved result is no more known
            assert codes[2] == {("formula_stale", "通知日期")} and ("formula_stale", "存款人名称") in codes[5]
            continue
        assert codes == {2: set(), 3: set(), 4: {("formula_uncomputed", "通知日期")}}


@pytest.mark.parametrize("height", ["0", "0.1"])
def test_a_row_too_low_to_see_is_refused_as_a_hidden_row(tmp_path: Path, height: str) -> None:
    path = _book(tmp_path, [_row("6217003300001234556"), _row("6217003300001234578")])
    _edit(path, SHEET, lambda xml: xml.replace('<row r="3"', f'<row r="3" ht="{height}" customHeight="1"', 1))
    with pytest.raises(InputFileError, match="第3行是隐藏的行（筛选、隐藏或行高不足 1 磅）"):
        _validate(path)


def test_a_row_not_sized_in_a_sheet_whose_rows_are_hidden_by_default_is_refused(tmp_path: Path) -> None:
    """Tester AC: Excel's "hide all rows below" writes zeroHeight="1": a row without a height of
    its own is hidden, and was filed."""
    path = _book(tmp_path, [_row("6217003300001234556"), _row("6217003300001234578")])

    def hide_by_default(xml: str) -> str:
        xml = re.sub(r"<sheetFormatPr[^>]*/>", '<sheetFormatPr defaultRowHeight="15" zeroHeight="1"/>', xml)
        xml = re.sub(r'<row r="(1|2)"', r'<row r="\1" ht="15" customHeight="1"', xml)
        return xml

    _edit(path, SHEET, hide_by_default)
    with pytest.raises(InputFileError, match="第3行是隐藏的行"):
        _validate(path)


def test_empty_values_as_text_in_a_csv_are_row_errors(tmp_path: Path) -> None:
    row = [str(v) for v in _row("6217003300001234590")]
    row[11] = "(null)"
    path = tmp_path / "export.csv"
    path.write_text(",".join(HEADERS) + "\r\n" + ",".join(row) + "\r\n", encoding="utf-8-sig")
    assert _codes(_validate(path)) == {2: {("placeholder_text", "注册地址")}}


def test_a_row_of_query_conditions_above_the_header_is_not_taken_for_it(tmp_path: Path) -> None:
    """Tester AA: a 查询条件 row naming five of the columns was taken for the header, and the file
    refused for eleven columns 'missing' that stood on the row below it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["查询条件：", "业务类型", "全部", "账户性质", "全部", "开户日期", "2026-11-01至2026-11-27",
                  "账号", "", "存款人名称", ""])
    sheet.append(HEADERS)
    sheet.append(_row("6217003300001234590"))
    sheet.append(_row("6217003300001234512"))
    path = tmp_path / "export.xlsx"
    book.save(path)
    report = _validate(path)
    assert [(o.row, o.valid) for o in report.outcomes] == [(3, True), (4, True)]


def test_a_registered_address_over_two_lines_in_a_csv_is_one_cell(tmp_path: Path) -> None:
    """Tester AA: Excel saves an address typed with Alt+Enter as a quoted field with a line feed
    inside a CRLF record; it was refused as an unclosed quote."""
    accounts = ("6217003300001234590", "6217003300001234512")
    first, second = ([str(v) for v in _row(account)] for account in accounts)
    first[11] = '"杭州市西湖区\n文三路90号"'
    text = "\r\n".join(",".join(line) for line in (HEADERS, first, second)) + "\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    report = _validate(path)
    assert [(o.row, o.valid) for o in report.outcomes] == [(2, True), (3, True)]
    record = report.outcomes[0].record
    assert record is not None and record.registered_address == "杭州市西湖区文三路90号"


@pytest.mark.parametrize("written", ["N/A", "n/a", "-", "--", "—", "——", "无", " 空 ", "ＮＵＬＬ", "＃Ｎ／Ａ",
                                     "－"])
def test_every_common_way_of_writing_nothing_is_a_row_error(tmp_path: Path, written: str) -> None:
    """Tester AC: N/A, dashes and 无 were filed as a business scope or address (N/A replaced a
    registered address on a 变更); full-width forms read as their half-width ones."""
    row = _row("6217003300001234590")
    row[11] = written
    codes = _codes(_validate(_book(tmp_path, [row])))[2]
    assert codes in ({("placeholder_text", "注册地址")}, {("excel_error", "注册地址")}), codes


def test_a_row_of_query_conditions_above_a_csv_header_is_said_as_such(tmp_path: Path) -> None:
    """Tester AC: the CSV's real header, under a 查询条件 row, was blamed for unquoted commas."""
    conditions = "查询条件：,业务类型,全部,账户性质,全部,开户日期,2026-11-01至2026-11-27,账号,,存款人名称"
    row = ",".join(str(v) for v in _row("6217003300001234590"))
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join((conditions, ",".join(HEADERS), row)) + "\r\n", encoding="utf-8-sig")
    with pytest.raises(InputFileError, match="第2行有 20 个字段，比被当作表头的那一行的 10 个多：那一行若是"):
        _validate(path)


@pytest.mark.parametrize(("gap", "shown"), [("\n", "⏎"), ("\r\n", "⏎"), ("\t", "⇥"), (" ", "␣"),
                                            ("\u3000", "␣"), ("\u200b", "‸")])
def test_a_gap_between_two_items_of_the_business_scope_is_a_row_error(tmp_path: Path, gap: str,
                                                                       shown: str) -> None:
    """技术开发⏎技术咨询 (Alt+Enter in the cell, tester AC's N7; a tab, AA; a zero-width space, AF)
    would be filed as 技术开发技术咨询, one item the licence does not have. A gap after a
    separator is taken out."""
    joined, separated = _row("6228480000000000111"), _row("6228480000000000129")
    joined[12] = f"技术开发{gap}技术咨询"
    separated[12] = f"技术开发；{gap}技术咨询（依法须经批准的项目除外）"
    report = _validate(_book(tmp_path, [joined, separated], full_calc=False))
    assert _codes(report) == {2: {("scope_gap", "经营范围")}, 3: set()}
    (issue,) = report.outcomes[0].errors
    assert f"技术开发{shown}技术咨询" in issue.message and "分隔" in issue.message
    assert report.outcomes[1].record is not None
    assert report.outcomes[1].record.business_scope == "技术开发；技术咨询（依法须经批准的项目除外）"


@pytest.mark.parametrize("scope", ["技术开发\n5G通信", "软件开发 APP开发", "Java\nPython培训",
                                   "技术开发\u200b技术咨询"])
def test_a_gap_by_a_digit_or_a_latin_word_is_a_row_error_too(tmp_path: Path, scope: str) -> None:
    """Tester AF: only a gap between two Chinese characters was refused; these were joined."""
    row, latin = _row("6228480000000000111"), _row("6228480000000000129")
    row[12], latin[12] = scope, "IT consulting services"  # a space between Latin words stays
    report = _validate(_book(tmp_path, [row, latin], full_calc=False))
    assert _codes(report) == {2: {("scope_gap", "经营范围")}, 3: set()}
    assert report.outcomes[1].record is not None
    assert report.outcomes[1].record.business_scope == "IT consulting services"


@pytest.mark.parametrize(("scope", "filed"), [
    ("（依法须经批准的项目，经相关部门批准后方可开展经营活动）\n许可项目：食品经营",
     "（依法须经批准的项目，经相关部门批准后方可开展经营活动）许可项目：食品经营"),
    ("技术服务 （除许可业务）", "技术服务（除许可业务）"),
    ("IT\u00a0consulting", "IT consulting"),
    ("\ufeff技术开发\u200b", "技术开发"),
])
def test_a_gap_by_a_bracket_or_at_an_end_is_taken_out(tmp_path: Path, scope: str, filed: str) -> None:
    """A bracketed clause joins its item as the licence prints it; a zero-width character at
    either end once crashed the read (review of 2026-12-06)."""
    row = _row("6228480000000000111")
    row[12] = scope
    report = _validate(_book(tmp_path, [row], full_calc=False))
    assert _codes(report) == {2: set()} and report.outcomes[0].record is not None
    assert report.outcomes[0].record.business_scope == filed


def test_an_export_with_a_header_and_no_row_is_said_so(tmp_path: Path) -> None:
    """Tester AI's F6: a header-only export read as every row passing; a run said 全部完成 alone."""
    report = _validate(_book(tmp_path, []))
    assert report.outcomes == [] and report.sheet_warnings() == [
        "工作表「开户明细」只有表头，没有数据行：若当天确有开户、变更或销户，请核对导出是否完整"]
    assert "[提示] 工作表「开户明细」只有表头，没有数据行" in report.render_text()


def test_a_core_column_renamed_is_refused_naming_the_headers_not_read_and_what_to_do(tmp_path: Path) -> None:
    """Tester AI's F8: 账号 renamed 帐号编码 was refused naming neither it nor the remedy."""
    path = _book(tmp_path, [_row("6228480012345670085")])
    book = load_workbook(path)
    book.active["B1"] = "帐号编码"  # type: ignore[index]
    book.save(path)
    with pytest.raises(InputFileError) as caught:
        _validate(path)
    assert str(caught.value) == (
        "无法读取 export.xlsx（工作表「开户明细」）：表头缺少必需的列：账号（未识别的列：帐号编码）；"
        "请在导出中加入，或在 config/header_aliases.yaml 中加入该导出使用的列名")


def test_rows_put_aside_show_a_date_that_read_as_every_row_and_one_that_did_not_as_no_deadline(
        tmp_path: Path) -> None:
    # tester AK's F8: a duplicate row showed 2026年11月20日 beside the others' 2026-11-20, and a
    # row whose date did not read left 报备期限 blank, read as "nothing due"
    from flows.account_filing.aliases import load_aliases
    from flows.account_filing.row_results import result_row

    written, unread = _row("6228480012345670118"), _row("6228480012345670126")
    written[3], unread[3] = "2026年11月20日", "2026-02-30"
    report = _validate(_book(tmp_path, [_row("6228480012345670118"), written, unread]))
    match = load_aliases(PROJECT_ROOT / "config").match
    rows = {o.row: result_row(o, None, match, "") for o in report.outcomes}
    assert {c for c, _ in _codes(report)[3]} == {"duplicate_row"} and rows[3].business_date == "2026-11-20"
    assert rows[4].deadline == "无法计算" and rows[4].overdue is None, rows[4]
    assert rows[2].deadline == "2026-11-20"  # a basic 开户: the same day


def _dated(action: str, day: str) -> list[str | int]:
    row = _row("6228480012345670134")
    row[0], row[3] = action, day
    if action != "开户":
        row[14] = "J9999000000101"
        row[15 if action == "变更" else 16] = "注册资金" if action == "变更" else "转户"
    return row


@pytest.mark.parametrize(("rows", "put_aside"), [
    ([("开户", "2026-11-20"), ("变更", "2026-11-19")], {3}),  # tester AK: a date is wrong
    ([("变更", "2026-11-19"), ("开户", "2026-11-20")], {2}),  # in either order in the file
    ([("开户", "2026-11-20"), ("变更", "2026-11-20")], set()),  # the same day: after it
    # an account closed and opened again under its number (the code review of 2026-12-06)
    ([("撤销", "2026-11-10"), ("开户", "2026-11-20")], set()),
    ([("开户", "2026-11-20"), ("撤销", "2026-11-10"), ("开户", "2026-11-02")], set()),
    ([("变更", "2026-11-05"), ("撤销", "2026-11-10"), ("开户", "2026-11-20")], set()),
    ([("开户", "2026-11-02"), ("变更", "2026-11-05"), ("撤销", "2026-11-10"), ("开户", "2026-11-20")], set()),
])
def test_a_change_dated_before_its_account_s_opening_in_the_file_goes_to_a_person(
        tmp_path: Path, rows: list[tuple[str, str]], put_aside: set[int]) -> None:
    report = _validate(_book(tmp_path, [_dated(action, day) for action, day in rows]))
    flagged = {o.row for o in report.outcomes if any(e.code == "before_its_opening" for e in o.errors)}
    assert flagged == put_aside, [(o.row, o.errors) for o in report.outcomes]
    for outcome in report.outcomes:
        assert outcome.valid == (outcome.row not in put_aside), (outcome.row, outcome.errors)
    for row in put_aside:
        (said,) = [e for e in report.outcomes[row - 2].errors if e.code == "before_its_opening"]
        assert said.cell == f"D{row}" and "账户开立之前不能变更" in said.message, said


def _close(kind: str, category: str, n: int, **cells: str) -> list[str | int]:
    """A 撤销 row as AMS's 撤销 form asks for it: the depositor's and representative's cells blank."""
    row = ["撤销", f"622848001234567055{n}", kind, "2026-11-25", "", category, "", "", "", "", "", "", "",
           "102100099996", "J1031000000404", "", "转户", "", "310009", ""]
    for header, value in cells.items():
        row[HEADERS.index(header)] = value
    return row


def test_a_close_needs_no_field_its_form_does_not_take_but_a_category_where_it_decides(
        tmp_path: Path) -> None:
    """Tester AK's F5: a 撤销 with blank 存款人名称, 统一社会信用代码, 法定代表人 and 证件 cells was
    invalid. They are not sent; 存款人类别 is, for a 基本/临时 account, what tells 备案 from 核准."""
    report = _validate(_book(tmp_path, [
        _close("一般存款账户", "", 1),
        _close("基本存款账户", "", 2),
        _close("临时存款账户", "企业法人", 3, 统一社会信用代码="91330106MA2KXQ2N0G"),
        _close("基本存款账户", "机关", 4),
        _close("一般存款账户", "", 5, 统一社会信用代码="91330106MA2KXQ2N0H"),  # a wrong check character
        _close("临时存款账户", "企业法人", 6),  # the category alone: nothing to check it against (review)
        _close("基本存款账户", "企业法人", 7, 统一社会信用代码="11100000000013127D"),  # a 机关's code
    ]))
    outcomes = {o.row: o for o in report.outcomes}
    assert outcomes[2].valid and outcomes[4].valid, (outcomes[2].errors, outcomes[4].errors)
    assert outcomes[3].needs_person and _codes(report)[3] == {("approval_unknown_blank", "存款人类别")}
    assert outcomes[5].needs_person and _codes(report)[5] == {("approval_required", "存款人类别")}
    assert not outcomes[6].valid and not outcomes[6].needs_person  # what the row gives is still checked
    assert outcomes[7].needs_person and _codes(report)[7] == {("approval_unknown_blank", "存款人类别")}
    assert "「统一社会信用代码」为空或没有该列" in outcomes[7].errors[0].message
    assert not outcomes[8].valid and "category_code_mismatch" in {code for code, _ in _codes(report)[8]}
    record = outcomes[2].record
    assert record is not None and record.depositor_name is None and "legal_rep_name" in record.kept_fields


def test_capital_digits_split_by_a_space_are_refused_and_minus_zero_is_zero(tmp_path: Path) -> None:
    """Tester BA F14 (2026-12-07): `500 000` (万元) was filed as 50 亿元, though it may be 500000
    grouped by spaces or two numbers run together, and `-0` as -0.00; a space before the unit
    or around the number is no split."""
    accounts = [f"62170033000012345{n:02d}" for n in range(20, 26)]
    rows = [_row(account) for account in accounts]
    written_as = ("500 000", "1 000.5", "12\u30005", "-0", "500 万元", " 1,000 ")
    for row, written in zip(rows, written_as, strict=True):
        row[19] = written
    report = _validate(_book(tmp_path, rows))
    refused = {("capital_invalid", "注册资金(万元)")}
    assert _codes(report) == {2: refused, 3: refused, 4: refused, 5: set(), 6: set(), 7: set()}
    filed = [o.record.registered_capital_yuan for o in report.outcomes[3:] if o.record]
    assert [str(amount) for amount in filed] == ["0.00", "5000000.00", "10000000.00"]


def test_an_account_opened_before_its_depositor_s_basic_account_in_the_file_goes_to_a_person(
        tmp_path: Path) -> None:
    """Tester BE F5 (2026-12-07): a 一般 开户 dated 2026-11-20 quoting the 基本存款账户编号 AMS issued at
    its depositor's basic 开户 of 2026-11-30 was filed, exit 0: one of the two dates is wrong. In the
    same file, such a row goes to a person; one dated the same day or later does not."""
    basic = _row("6228480012345670201")
    basic[3] = "2026-11-25"
    early, later = _row("6228480012345670202"), _row("6228480012345670203")
    for row, day in ((early, "2026-11-20"), (later, "2026-11-25")):
        row[2], row[3], row[14] = "一般存款账户", day, "J3310000000201"
    report = _validate(_book(tmp_path, [early, basic, later]))
    flagged = {o.row for o in report.outcomes if any(e.code == "before_its_basic" for e in o.errors)}
    assert flagged == {2}, [(o.row, o.errors) for o in report.outcomes]
    (said,) = [e for e in report.outcomes[0].errors if e.code == "before_its_basic"]
    assert "早于同一文件第3行该存款人基本存款账户开户的日期 2026-11-25" in said.message
    assert [o.valid for o in report.outcomes] == [False, True, True] and report.outcomes[0].needs_person
