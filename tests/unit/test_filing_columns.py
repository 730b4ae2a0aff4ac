"""A missing column is never a value, and nothing in the export is misread silently.

Exports are built here by hand with openpyxl or as CSV text, headers typed from DOMAIN.md's
table (one bank) and another bank's wording; values are the check-digit samples of DOMAIN.md.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bots.ams import differing_fields, record_content
from bots.ams._forms import form_steps
from flows.account_filing import FilingRecord, ValidationReport, validate_file
from rpa.errors import InputFileError, UsageError
from rpa.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
CALENDAR = PROJECT_ROOT / "calendar.yaml"
TODAY = date(2026, 11, 27)

# DOMAIN.md's canonical headers, without 注册资金(万元)
DOMAIN_HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
# another bank's export: its own words, a column of its own (组织机构代码), no 注册资金 either
OTHER_HEADERS = [
    "备案类型", "单位账号", "账户类型", "业务日期", "单位名称", "存款人类型", "社会信用代码",
    "法人类别", "法人姓名", "证件类型", "证件号", "住所", "主营范围", "开户行行号", "基本户编号",
    "变更内容", "销户原因", "柜员号", "组织机构代码", "客户经理",
]  # fmt: skip


def open_row(account: str = "6228480012345678901") -> list[Any]:
    return [
        "开户", account, "基本存款账户", "2026-11-20", "北京华信科技有限公司", "01",
        "91110000600037341L", "法定代表人", "张三", "居民身份证", "11010519491231002X",
        "北京市朝阳区建国路88号", "技术开发", "102100099996", "", "", "", "", "310001",
    ]  # fmt: skip


def change_row(account: str = "6228480012345678902", items: str = "经营范围") -> list[Any]:
    return [
        "变更", account, "基本存款账户", "2026-11-23", "厦门海联贸易有限公司", "01",
        "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
        "厦门市思明区湖滨南路1号", "货物进出口", "102100099996", "J1000000000002", items, "", "",
        "310002",
    ]  # fmt: skip


def other_bank_row(action: str) -> list[Any]:
    return [
        action, "6228480012345678903", "基本存款账户", "2026/11/23", "厦门海联贸易有限公司", "企业法人",
        "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
        "厦门市思明区湖滨南路1号", "货物进出口", "102100099996", "J1000000000003",
        "经营范围" if action == "变更" else "", "", "310002", "776049653", "王五",
    ]  # fmt: skip


def workbook(tmp_path: Path, headers: list[str], rows: list[list[Any]], name: str = "export.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "明细"
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    path = tmp_path / name
    book.save(path)
    return path


def validate(path: Path, **options: Any) -> ValidationReport:
    return validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=TODAY, **options)


# --- 开户: a missing column is a file-level error -----------------------------------------------


def test_an_open_row_without_the_capital_column_refuses_the_file_naming_column_and_aliases(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [open_row()])
    with pytest.raises(InputFileError) as caught:
        validate(path)
    message = str(caught.value)
    assert "export.xlsx" in message and "第2行是开户" in message
    assert "「注册资金(万元)」列" in message
    for alias in ("注册资金", "注册资本", "注册资本(万元)", "注册资金(元)"):
        assert alias in message, alias
    assert "--absent-column 注册资金(万元)" in message
    assert len(message.splitlines()) <= 2


def test_stating_the_column_absent_files_the_open_as_unstated(tmp_path: Path) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [open_row()])
    report = validate(path, absent_columns=["注册资金"])
    (outcome,) = report.outcomes
    assert outcome.valid and outcome.record is not None
    assert outcome.record.registered_capital_yuan is None  # 未标明, because the operator said so
    assert outcome.record.absent_fields == frozenset()  # an 开户 files the value; it is not "kept"
    assert report.absent_stated == ["注册资金(万元)"]
    assert report.kept_on_change == []  # no 变更 row: nothing was left to AMS
    assert any("--absent-column" in w and "注册资金(万元)" in w for w in report.file_warnings())
    assert "--absent-column" in report.render_text()


def test_a_required_column_missing_refuses_the_open_without_offering_a_statement(tmp_path: Path) -> None:
    headers = [h for h in DOMAIN_HEADERS if h != "注册地址"]
    rows = [[v for h, v in zip(DOMAIN_HEADERS, open_row(), strict=True) if h != "注册地址"]]
    path = workbook(tmp_path, headers, rows)
    with pytest.raises(InputFileError, match="「注册地址」列（已查找：注册地址、") as caught:
        validate(path, absent_columns=["注册资金"])
    assert "--absent-column 注册地址" not in str(caught.value)


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["注册地址"], "开户必填项"),
        (["注册金额"], "不是报备导出的列名"),
        (["经营范围"], "有该列"),  # the export has it: the statement is wrong
    ],
)
def test_a_wrong_absent_column_statement_is_a_usage_error(
    tmp_path: Path, names: list[str], words: str
) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [open_row()])
    with pytest.raises(UsageError, match=words):
        validate(path, absent_columns=names)


# --- 变更: a missing column means "not changed" ------------------------------------------------


def test_a_change_without_the_capital_column_leaves_it_to_ams(tmp_path: Path) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [change_row()])
    report = validate(path)
    (outcome,) = report.outcomes
    assert outcome.valid and outcome.record is not None
    assert outcome.record.absent_fields == frozenset({"registered_capital_yuan"})
    assert report.kept_on_change == ["注册资金(万元)"]
    # the same row with the column and an empty cell means 未标明: another filing
    with_column = workbook(tmp_path, [*DOMAIN_HEADERS, "注册资金(万元)"], [[*change_row(), ""]], "b.xlsx")
    (blank,) = validate(with_column).outcomes
    assert blank.record is not None and blank.record.absent_fields == frozenset()
    assert blank.record.idempotency_key() != outcome.record.idempotency_key()


def test_a_change_of_the_capital_without_its_column_is_a_row_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [change_row(items="注册资本、经营范围")])
    (outcome,) = validate(path).outcomes
    assert not outcome.valid and outcome.record is None
    assert [(e.code, e.column) for e in outcome.errors] == [("changed_without_column", "注册资金(万元)")]


def test_a_change_with_an_empty_required_cell_is_a_row_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [change_row(items="")])
    (outcome,) = validate(path).outcomes
    assert not outcome.valid
    assert [(e.code, e.column, e.cell) for e in outcome.errors] == [("required_missing", "变更事项", "P2")]


def test_the_change_form_keeps_what_the_export_does_not_give(tmp_path: Path) -> None:
    path = workbook(tmp_path, DOMAIN_HEADERS, [change_row()])
    (outcome,) = validate(path).outcomes
    record = outcome.record
    assert record is not None
    elements = [step.element for step in form_steps(record)]
    assert "registered_capital" not in elements and "no_registered_capital" not in elements
    # 变更事项 经营范围: the scope is filed; the address, a field it does not name, stays AMS's
    assert "business_scope" in elements and "registered_address" not in elements
    # AMS's own capital on the 信息核对 page is no difference; another scope is
    shown = {**record_content(record), "registered_capital_yuan": "5000000.00"}
    fields = ("registered_capital_yuan", "business_scope")
    assert differing_fields(record, shown, fields) == []
    assert differing_fields(record, {**shown, "business_scope": "餐饮"}, fields) == ["business_scope"]
    # round trip through the queue's JSON payload
    again = FilingRecord.model_validate(record.model_dump(mode="json"))
    assert again == record and again.idempotency_key() == record.idempotency_key()


def without(headers: list[str], row: list[Any], *dropped: str) -> tuple[list[str], list[Any]]:
    """The export without the `dropped` columns (headers and the row's cells)."""
    kept = [(h, v) for h, v in zip(headers, row, strict=True) if h not in dropped]
    return [h for h, _ in kept], [v for _, v in kept]


def test_a_change_without_category_and_id_type_columns_keeps_them_in_ams(tmp_path: Path) -> None:
    general = change_row()
    general[2] = "一般存款账户"  # no approval question for a general account
    headers, row = without(DOMAIN_HEADERS, general, "存款人类别", "证件种类")
    report = validate(workbook(tmp_path, headers, [row]))
    (outcome,) = report.outcomes
    assert outcome.valid and outcome.record is not None, [e.message for e in outcome.errors]
    record = outcome.record
    assert record.absent_fields == frozenset({"depositor_category", "id_type", "registered_capital_yuan"})
    assert record.depositor_category is None and record.id_type is None
    assert record.legal_rep_name == "李四" and record.id_number == "360426199101010071"
    assert set(report.kept_on_change) == {"存款人类别", "证件种类", "注册资金(万元)"}
    elements = [step.element for step in form_steps(record)]
    assert "depositor_category" not in elements and "id_type" not in elements
    assert "business_scope" in elements  # the one field its 变更事项 names
    assert not {"legal_rep_role", "legal_rep_name", "id_number"} & set(elements)
    # what AMS shows for the kept fields is no difference; another scope still is
    shown = {**record_content(record), "depositor_category": "非法人企业", "id_type": "护照",
             "legal_rep_name": "王五"}
    fields = ("depositor_category", "id_type", "legal_rep_name", "business_scope")
    assert differing_fields(record, shown, fields) == []
    assert differing_fields(record, {**shown, "business_scope": "餐饮"}, fields) == ["business_scope"]
    again = FilingRecord.model_validate(record.model_dump(mode="json"))
    assert again == record and again.idempotency_key() == record.idempotency_key()


def test_a_basic_account_change_without_the_category_column_goes_to_a_person(tmp_path: Path) -> None:
    headers, row = without(DOMAIN_HEADERS, change_row(), "存款人类别")
    (outcome,) = validate(workbook(tmp_path, headers, [row])).outcomes
    assert outcome.needs_person and not outcome.valid
    assert [(e.code, e.column) for e in outcome.errors] == [("approval_unknown", "存款人类别")]
    assert "核准" in outcome.errors[0].message


def test_a_change_of_the_legal_rep_without_its_name_column_is_a_row_error(tmp_path: Path) -> None:
    headers, row = without(DOMAIN_HEADERS, change_row(items="法定代表人变更"), "法定代表人姓名")
    (outcome,) = validate(workbook(tmp_path, headers, [row])).outcomes
    assert not outcome.valid and outcome.record is None
    assert ("changed_without_column", "法定代表人姓名") in [(e.code, e.column) for e in outcome.errors]


def test_an_empty_cell_is_a_row_error_only_for_a_field_the_change_names(tmp_path: Path) -> None:
    row = change_row(items="法定代表人")
    row[DOMAIN_HEADERS.index("法定代表人姓名")] = ""
    (outcome,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [row])).outcomes
    assert not outcome.valid
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found == [("required_missing", "法定代表人姓名", "I2")]
    scope_only = change_row(items="经营范围")
    scope_only[DOMAIN_HEADERS.index("法定代表人姓名")] = ""
    (outcome,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [scope_only])).outcomes
    assert outcome.valid and outcome.record is not None  # the name is not changed: AMS keeps it
    assert "legal_rep_name" in outcome.record.kept_fields


def test_a_change_without_the_permit_column_refuses_the_file_naming_its_aliases(tmp_path: Path) -> None:
    headers, row = without(DOMAIN_HEADERS, change_row(), "基本存款账户编号")
    with pytest.raises(InputFileError) as caught:
        validate(workbook(tmp_path, headers, [row]))
    message = str(caught.value)
    assert "export.xlsx" in message and "第2行是变更" in message and "「基本存款账户编号」列" in message
    assert "基本户编号" in message  # another bank's word for it was looked for too


def test_a_change_without_the_account_column_refuses_the_file(tmp_path: Path) -> None:
    headers, row = without(DOMAIN_HEADERS, change_row(), "账号")
    with pytest.raises(InputFileError, match="账号"):
        validate(workbook(tmp_path, headers, [row]))


def test_a_full_row_hashes_as_it_always_did() -> None:
    values = {
        "action": "change", "account_no": "6228480012345678902", "account_kind": "basic",
        "business_date": "2026-11-23", "depositor_name": "厦门海联贸易有限公司",
        "depositor_category": "企业法人", "uscc": "91350200776049653A", "legal_rep_role": "法定代表人",
        "legal_rep_name": "李四", "id_type": "居民身份证", "id_number": "360426199101010071",
        "registered_address": "厦门市思明区湖滨南路1号", "business_scope": "货物进出口",
        "bank_code": "102100099996", "basic_account_permit": "J1000000000002", "change_items": "经营范围",
    }  # fmt: skip
    record = FilingRecord.model_validate(values)
    # the hash this record had before any field could be left to AMS (queue keys stay valid)
    assert record.content_hash() == "e9eefd64daf46332c0d72ed3ea91e0d515ff4a31864d769361ef329f69ce1dfd"
    with pytest.raises(ValueError, match="须填写法定代表人姓名"):  # a 变更 of the name needs one
        FilingRecord.model_validate({**values, "change_items": "法定代表人", "legal_rep_name": None})


def test_only_a_change_may_leave_fields_out() -> None:
    values = {
        "action": "open", "account_no": "6228480012345678901", "account_kind": "basic",
        "business_date": "2026-11-20", "depositor_name": "北京华信科技有限公司",
        "depositor_category": "企业法人", "uscc": "91110000600037341L", "legal_rep_role": "法定代表人",
        "legal_rep_name": "张三", "id_type": "居民身份证", "id_number": "11010519491231002X",
        "registered_address": "北京市朝阳区建国路88号", "bank_code": "102100099996",
        "absent_fields": ["registered_capital_yuan"],
    }  # fmt: skip
    with pytest.raises(ValueError, match="只有变更"):
        FilingRecord.model_validate(values)
    full = FilingRecord.model_validate({**values, "absent_fields": []})
    assert "absent_fields" not in full.model_dump(mode="json")  # full rows keep their old shape


# --- what `rpa validate --json` says about the file ----------------------------------------------


def test_the_json_report_describes_the_columns_of_another_banks_export(tmp_path: Path) -> None:
    path = workbook(tmp_path, OTHER_HEADERS, [other_bank_row("变更")])
    report = validate(path)
    data = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    columns = data["columns"]
    assert columns["mapped"]["单位名称"] == "depositor_name"
    assert columns["mapped"]["开户行行号"] == "bank_code"
    assert columns["mapped"]["主营范围"] == "business_scope"
    assert "registered_capital_yuan" in columns["fields_without_column"]
    assert "notice_date" in columns["fields_without_column"]
    assert set(columns["ignored"]) == {"组织机构代码", "客户经理"}
    (alike,) = columns["look_alikes"]
    assert alike["header"] == "组织机构代码" and alike["like"] == "开户银行机构代码"
    assert any("组织机构代码" in w for w in data["warnings"])
    assert columns["kept_on_change"] == ["注册资金(万元)"]
    (row,) = data["rows"]
    assert row["valid"] is True
    # the same export with an 开户 row cannot be filed: no 注册资金 column
    with pytest.raises(InputFileError, match="注册资金"):
        validate(workbook(tmp_path, OTHER_HEADERS, [other_bank_row("开户")], "open.xlsx"))


# --- formula cells, hidden sheets ---------------------------------------------------------------


def test_a_formula_without_a_cached_value_is_a_row_error_never_blank(tmp_path: Path) -> None:
    headers = [*DOMAIN_HEADERS, "注册资金(万元)"]
    computed = [*open_row(), 500]
    formula = [*open_row("6228480012345678905"), "=B3/1000000000000000"]  # never opened in Excel
    formula[12] = "=UPPER(\"技术开发\")"  # 经营范围, a formula too
    report = validate(workbook(tmp_path, headers, [computed, formula]))
    good, bad = report.outcomes
    assert good.valid
    assert not bad.valid and bad.record is None
    found = {(e.code, e.column, e.cell) for e in bad.errors}
    assert ("formula_uncomputed", "注册资金(万元)", "T3") in found
    assert ("formula_uncomputed", "经营范围", "M3") in found
    assert all("公式未计算：请在 Excel 中打开并保存后重试" in e.message for e in bad.errors)


def test_a_hidden_sheet_is_skipped_and_listed_unless_named(tmp_path: Path) -> None:
    headers = [*DOMAIN_HEADERS, "注册资金(万元)"]
    book = Workbook()
    hidden = book.active
    assert hidden is not None
    hidden.title = "旧数据"
    hidden.append(headers)
    hidden.append([*open_row("6228480000000000001"), 1])
    hidden.sheet_state = "hidden"
    notes = book.create_sheet("说明")
    notes.append(["本表由核心系统导出"])
    visible = book.create_sheet("明细")
    visible.append(headers)
    visible.append([*open_row("6228480000000000002"), 2])
    book.active = 2
    path = tmp_path / "hidden.xlsx"
    book.save(path)

    report = validate(path)
    assert report.sheet == "明细" and report.hidden_sheets == ["旧数据"]
    (outcome,) = report.outcomes
    assert outcome.record is not None and outcome.record.account_no == "6228480000000000002"
    assert any("隐藏" in w and "旧数据" in w for w in report.file_warnings())
    named = validate(path, sheet="旧数据")
    assert named.outcomes[0].record is not None
    assert named.outcomes[0].record.account_no == "6228480000000000001"


def test_an_earlier_visible_sheet_with_rows_refuses_the_file_unless_one_is_named(tmp_path: Path) -> None:
    """Reading the active sheet alone dropped 上月's rows without a word (a tester, 2026-12-05)."""
    headers = [*DOMAIN_HEADERS, "注册资金(万元)"]
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "上月"
    first.append(headers)
    first.append([*open_row("6228480000000000003"), 1])
    second = book.create_sheet("本月")
    second.append(headers)
    second.append([*open_row("6228480000000000004"), 2])
    book.active = 1
    path = tmp_path / "active.xlsx"
    book.save(path)
    with pytest.raises(InputFileError, match="除工作表「本月」外，工作表「上月」也有导出的表头和数据行"):
        validate(path)
    report = validate(path, sheet="本月")
    assert report.sheet == "本月" and report.hidden_sheets == []


# --- CSV: strict quotes, one encoding, no control characters -----------------------------------


def csv_text(lines: list[str]) -> str:
    return "\r\n".join(lines) + "\r\n"


CSV_HEADER = ",".join([*DOMAIN_HEADERS, "注册资金(万元)"])


def csv_row(account: str, **cells: str) -> str:
    values = dict(zip(DOMAIN_HEADERS, [str(v) for v in open_row(account)], strict=True))
    values.update(cells)
    return ",".join([*(values[h] for h in DOMAIN_HEADERS), "500"])


def test_an_unclosed_quote_refuses_the_file_naming_the_line_it_opened(tmp_path: Path) -> None:
    lines = [CSV_HEADER, csv_row("6228480000000000011")]
    lines.append(csv_row("6228480000000000012", 存款人名称='"北京华信科技有限公司'))  # line 3
    lines += [csv_row(f"62284800000000001{n:02d}") for n in range(20)]
    path = tmp_path / "export.csv"
    path.write_text(csv_text(lines), encoding="utf-8")
    with pytest.raises(InputFileError, match="第3行有未闭合的引号") as caught:
        validate(path)
    assert "export.csv" in str(caught.value) and len(str(caught.value).splitlines()) <= 2


def test_a_quote_that_swallows_rows_into_a_multiline_column_is_refused(tmp_path: Path) -> None:
    lines = [CSV_HEADER, csv_row("6228480000000000021", 经营范围='"技术开发')]
    lines += [csv_row(f"62284800000000003{n:02d}") for n in range(5)]
    lines.append(csv_row("6228480000000000022", 经营范围='咨询"'))
    path = tmp_path / "export.csv"
    path.write_text(csv_text(lines), encoding="utf-8")
    with pytest.raises(InputFileError, match="第2行有未闭合的引号"):
        validate(path)


def test_a_business_scope_over_two_lines_is_one_cell(tmp_path: Path) -> None:
    lines = [CSV_HEADER, csv_row("6228480000000000031", 经营范围='"技术开发；\n技术咨询"')]
    lines.append(csv_row("6228480000000000032"))
    path = tmp_path / "export.csv"
    path.write_text(csv_text(lines), encoding="utf-8")
    report = validate(path)
    assert [o.valid for o in report.outcomes] == [True, True]
    first = report.outcomes[0].record
    assert first is not None and first.business_scope == "技术开发；技术咨询"
    assert report.outcomes[1].record is not None
    assert report.outcomes[1].record.account_no == "6228480000000000032"


def test_a_line_break_in_a_name_is_refused(tmp_path: Path) -> None:
    lines = [CSV_HEADER, csv_row("6228480000000000041", 存款人名称='"北京华信\n科技有限公司"')]
    path = tmp_path / "export.csv"
    path.write_text(csv_text(lines), encoding="utf-8")
    with pytest.raises(InputFileError, match="第2行第5列的格内有换行（第2行至第3行是同一条记录）"):
        validate(path)  # tester AA: its quotes are closed, once said as 未闭合的引号


def test_a_file_mixing_utf8_and_gbk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    head = csv_text([CSV_HEADER, csv_row("6228480000000000051")]).encode("gbk")
    tail = csv_text([csv_row("6228480000000000052", 存款人名称="上海浦江物流有限公司")]).encode("utf-8")
    path.write_bytes(head + tail)
    with pytest.raises(InputFileError, match="编码混杂（第3行是 UTF-8"):
        validate(path)


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_a_row_error(tmp_path: Path, control: str) -> None:
    bad = csv_row("6228480000000000062", 法定代表人姓名=f"张{control}三")
    lines = [CSV_HEADER, csv_row("6228480000000000061"), bad]
    path = tmp_path / "export.csv"
    path.write_text(csv_text(lines), encoding="utf-8")
    good, bad = validate(path).outcomes
    assert good.valid and not bad.valid and bad.record is None
    assert [(e.code, e.column, e.cell) for e in bad.errors] == [("control_char", "法定代表人姓名", "I3")]


def test_a_control_character_stored_escaped_in_an_xlsx_is_a_row_error(tmp_path: Path) -> None:
    headers = [*DOMAIN_HEADERS, "注册资金(万元)"]
    rows = [[*open_row(), 500], [*open_row("6228480012345678906"), 500]]
    rows[1][8] = "张QQ三"  # 法定代表人姓名, made a BEL below as Excel stores one
    rows[0][11] = "北京市_x005F_x0007_路"  # text that only looks like the escape: kept
    plain = workbook(tmp_path, headers, rows, "plain.xlsx")
    path = tmp_path / "escaped.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name).replace(b"QQ", b"_x0007_"))
    good, bad = validate(path).outcomes
    assert good.valid
    assert [(e.code, e.column, e.cell) for e in bad.errors] == [("control_char", "法定代表人姓名", "I3")]


# --- the command ------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_rpa_validate_takes_the_statement_and_refuses_without_it(tmp_path: Path) -> None:
    from tests.e2e.cli_helpers import make_cli_env

    cli = make_cli_env(tmp_path)
    path = workbook(tmp_path, DOMAIN_HEADERS, [open_row()])
    refused = cli.run("validate", "account-filing", str(path), "--today", "2026-11-27")
    assert refused.returncode == 2
    assert "export.xlsx" in refused.stderr and "注册资金(万元)" in refused.stderr
    assert "Traceback" not in refused.stderr
    command = ["validate", "account-filing", str(path), "--today", "2026-11-27", "--json"]
    stated = cli.run(*command, "--absent-column", "注册资金")
    assert stated.returncode == 0, stated.stderr
    data = json.loads(stated.stdout)
    assert data["columns"]["absent_stated"] == ["注册资金(万元)"]
    assert data["rows"][0]["valid"] is True


def test_a_change_naming_no_known_item_or_blanking_a_named_one_is_a_row_error(tmp_path: Path) -> None:
    (unknown,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [change_row(items="联系电话")])).outcomes
    assert [(e.code, e.column) for e in unknown.errors] == [("change_items_unread", "变更事项")]
    assert "变更事项「联系电话」中的「联系电话」不是可报备的变更项" in unknown.errors[0].message
    (none,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [change_row(items="、")])).outcomes
    assert [(e.code, e.column) for e in none.errors] == [("change_items_unknown", "变更事项")]
    assert "变更事项「、」中没有可报备的变更项" in none.errors[0].message
    blank = change_row(items="注册地址")
    blank[DOMAIN_HEADERS.index("注册地址")] = ""
    (outcome,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [blank])).outcomes
    assert [(e.code, e.column, e.cell) for e in outcome.errors] == [("changed_to_blank", "注册地址", "L2")]
    named = change_row(items="法定代表人、注册地址")
    (outcome,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [named])).outcomes
    assert outcome.valid and outcome.record is not None
    assert {"legal_rep_role", "legal_rep_name", "registered_address"}.isdisjoint(outcome.record.kept_fields)
    assert {"business_scope", "uscc", "depositor_name"} <= outcome.record.kept_fields


def test_the_validate_text_calls_invalid_rows_by_the_outcome_word_result_xlsx_uses(tmp_path: Path) -> None:
    bad = open_row()
    bad[0] = "12AB"  # not an account number
    path = workbook(tmp_path, DOMAIN_HEADERS, [open_row(), bad])
    text = validate(path, absent_columns=["注册资金"]).render_text()
    assert "\n无效，未报备（1行）：" in text and "不报备" not in text


def test_a_file_named_after_an_account_or_id_number_is_named_masked(tmp_path: Path) -> None:
    """Tester U: a clerk names an export after its one account (or the owner's ID number); the
    validate header and --json showed it whole while the exit-2 messages masked it."""
    for number in ("6230583971264235363", "11010519670923418X"):
        path = workbook(tmp_path, DOMAIN_HEADERS, [open_row()], name=f"{number}_开户.xlsx")
        report = validate(path, absent_columns=["注册资金"])
        shown = report.render_text().splitlines()[0] + json.dumps(report.to_json(), ensure_ascii=False)
        assert number not in shown and number[-4:] in shown, shown


@pytest.mark.parametrize(("renamed", "field"), [
    ("法定代表人名字", "法定代表人姓名"), ("法人名字", "法定代表人姓名"), ("负责人名字", "法定代表人姓名"),
    ("通知日", "通知日期"),
])
def test_a_renamed_header_whose_field_has_no_other_column_refuses_the_file(
    tmp_path: Path, renamed: str, field: str
) -> None:
    """法定代表人名字 is no alias of 法定代表人姓名: read as absent, a 变更 not changing the
    representative would be checked in 企业信息联网核查 without comparing them, and a 通知日期
    under another word would leave the deadline counted from the business date. Exit 2 instead,
    naming both headers; a look-alike beside its field's own column stays a warning."""
    headers = [renamed if header == field else header for header in DOMAIN_HEADERS]
    path = workbook(tmp_path, headers, [change_row()])
    said = rf"列「{renamed}」与「{field}」的列名「.+」相近.*没有「{field}」列"
    with pytest.raises(InputFileError, match=said):
        validate(path)
    beside = workbook(tmp_path, [*DOMAIN_HEADERS, renamed], [[*change_row(), "x"]], "beside.xlsx")
    assert any(renamed in warning for warning in validate(beside).file_warnings())


def test_excel_s_text_guard_round_a_number_reads_as_the_text_inside(tmp_path: Path) -> None:
    # ="0012345678901" keeps Excel from dropping zeros and digits; Excel shows the text inside
    guarded = csv_row("6228480012345678901", 账号='="6228480012345678901"',
                      证件号码='"=""11010519491231002X"""')
    formula = csv_row("6228480012345678902", 账号="=6228480012345678902")
    path = tmp_path / "export.csv"
    path.write_text(csv_text([CSV_HEADER, guarded, formula]), encoding="utf-8")
    first, second = validate(path).outcomes
    assert first.valid and first.record is not None
    assert (first.record.account_no, first.record.id_number) == ("6228480012345678901", "11010519491231002X")
    assert not second.valid  # a bare = is no guard: the cell is not an account number


def test_a_change_whose_notice_date_does_not_read_says_its_deadline_may_be_earlier(tmp_path: Path) -> None:
    """Tester T's U4: a 变更 counted from its 通知日期 whose notice did not read was counted from
    the business date without a word; a notice may come before the change (notice 11-02, change
    12-04: due 11-04), so that deadline may be later than the true one: the row says so."""
    unread, read = change_row(), change_row("6228480012345678910")
    unread[17], read[17] = "11/25/2026", "2026-11-25"
    report = validate(workbook(tmp_path, DOMAIN_HEADERS, [unread, read]), absent_columns=["注册资金"])
    first, second = report.outcomes
    assert ("通知日期", "date_invalid") in {(i.column, i.code) for i in first.errors}, first.errors
    [said] = [i for i in first.warnings if i.code == "deadline_from_business"]
    assert "通知日期读不出" in said.message and "可能更早" in said.message, said.message
    assert "deadline_from_business" not in {i.code for i in [*second.errors, *second.warnings]}


def test_a_change_whose_notice_date_is_refused_counts_its_deadline_from_the_change(tmp_path: Path) -> None:
    """Tester BE F2 (2026-12-07): a 通知日期 after today (or before 1990), refused, still set the
    row's deadline: 2026-12-11 for a change due earlier, or overdue since 1990. Refused, it counts as
    one that does not read: from the change's date, saying the notice's might be earlier."""
    future, early, fine = change_row(), change_row("6228480012345678911"), change_row("6228480012345678912")
    for row, notice in ((future, "2026-11-30"), (early, "1989-12-31"), (fine, "2026-11-24")):
        row[17] = notice
    future[3] = early[3] = fine[3] = "2026-11-24"  # a Tuesday: 2 working days from it, 11-26
    report = validate(workbook(tmp_path, DOMAIN_HEADERS, [future, early, fine]), absent_columns=["注册资金"])
    dues = [o.deadline.due if o.deadline else None for o in report.outcomes]
    assert dues == [date(2026, 11, 26)] * 3
    for outcome, code in zip(report.outcomes[:2], ("date_in_future", "date_too_early"), strict=True):
        assert ("通知日期", code) in {(i.column, i.code) for i in outcome.errors}, outcome.errors
        assert "deadline_from_business" in {i.code for i in outcome.warnings}
