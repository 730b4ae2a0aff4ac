"""Reading and validating the core-banking export for the account-filing bot."""

from __future__ import annotations

import csv
import json
import shutil
import tracemalloc
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from pydantic import ValidationError
from stdnum.cn import ric

from flows.account_filing import (
    FilingRecord,
    HeaderAliases,
    RowOutcome,
    ValidationReport,
    load_aliases,
    load_deadline_rules,
    read_export,
    validate_file,
    validate_rows,
)
from flows.account_filing.fields import FieldProblem, parse_field
from flows.account_filing.normalise import (
    clean_text,
    compact,
    parse_date,
    parse_decimal,
    to_half_width,
    wan_to_yuan,
)
from rpa.errors import ConfigError, InputFileError
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar
from tests.check_exports import uscc

CONFIG = PROJECT_ROOT / "config"
CALENDAR = PROJECT_ROOT / "calendar.yaml"
INPUTS = PROJECT_ROOT / "fixtures" / "inputs"
TODAY = date(2026, 11, 27)
HEADERS = [
    "业务类型",
    "账号",
    "账户性质",
    "开户日期",
    "存款人名称",
    "存款人类别",
    "统一社会信用代码",
    "法定代表人类别",
    "法定代表人姓名",
    "证件种类",
    "证件号码",
    "注册地址",
    "注册资金(万元)",
    "经营范围",
    "开户银行机构代码",
    "基本存款账户编号",
    "变更事项",
    "撤销原因",
    "通知日期",
    "经办人",
]
GOOD: dict[str, Any] = {
    "业务类型": "开户",
    "账号": "6228480012345678901",
    "账户性质": "基本存款账户",
    "开户日期": "2026-11-20",
    "存款人名称": "北京华信科技有限公司",
    "存款人类别": "01",
    "统一社会信用代码": "91110000600037341L",
    "法定代表人类别": "法定代表人",
    "法定代表人姓名": "张三",
    "证件种类": "居民身份证",
    "证件号码": "11010519491231002X",
    "注册地址": "北京市朝阳区建国路88号",
    "注册资金(万元)": "500",
    "经营范围": "技术开发",
    "开户银行机构代码": "102100099996",
    "基本存款账户编号": "",
    "变更事项": "",
    "撤销原因": "",
    "通知日期": "",
    "经办人": "310001",
}
PERMIT = {"基本存款账户编号": "J1000000000001"}


def row(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**GOOD, **(changes or {})}


def write_csv(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    *,
    headers: list[str] = HEADERS,
    encoding: str = "utf-8",
    lead: list[list[str]] | None = None,
) -> Path:
    path = tmp_path / "export.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(lead or [])
        writer.writerow(headers)
        writer.writerows([[r.get(h, "") for h in headers] for r in rows])
    return path


def write_xlsx(
    tmp_path: Path,
    rows: list[dict[str, Any] | None],
    *,
    headers: list[str] = HEADERS,
    lead: list[list[Any]] | None = None,
    cover_sheet: bool = False,
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if cover_sheet:
        sheet.title = "说明"
        sheet.append(["本表由核心系统导出"])
        sheet = workbook.create_sheet("开户明细")
    else:
        sheet.title = "开户明细"
    for line in lead or []:
        sheet.append(line)
    sheet.append(headers)
    for values in rows:
        sheet.append([] if values is None else [values.get(h) for h in headers])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(CALENDAR)


def validate(path: Path, *, today: date = TODAY, sheet: str | None = None) -> ValidationReport:
    return validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=today, sheet=sheet)


def single(tmp_path: Path, changes: dict[str, Any] | None = None) -> RowOutcome:
    (outcome,) = validate(write_csv(tmp_path, [row(changes)])).outcomes
    return outcome


def codes(outcome: RowOutcome) -> list[str]:
    return [issue.code for issue in outcome.errors]


# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-27",
        "2026/11/27",
        "2026年11月27日",
        "2026 年 11 月 27 日",
        "２０２６－１１－２７",
        "2026.11.27",
        "20261127",
        "2026-11-27 00:00:00",
        "2026-11-27 23:59",
        "20261127093000",  # a core-banking time stamp
        20261127093000,  # the same stamp in a number cell (review of 2026-12-06)
        46353,
        46353.0,
        "46353",
        datetime(2026, 11, 27),
        date(2026, 11, 27),
    ],
)
def test_every_date_form_is_read(value: Any) -> None:
    assert parse_date(value) == date(2026, 11, 27)


# a time of day no clock shows makes the cell untrustworthy, its date too (tester AA: 25:00 was read)
@pytest.mark.parametrize("value", ["2026-11-31", "2026-11/27", "11月27日", "下周一", 12, 46353.5, "",
                                   "2026-11-27 25:00", "2026-11-27 12:60", "2026/11/27 10:00:61",
                                   "20261127250000", "2026112709300"])
def test_what_is_not_a_date_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("name", "written", "meant"),
    [
        ("depositor_category", "事业单位", ("04 实行预算管理的事业单位", "05 非预算管理的事业单位")),
        ("depositor_category", "个体工商户", ("13 有字号个体工商户", "14 无字号个体工商户")),
        ("id_type", "通行证", ("港澳居民来往内地通行证", "台湾居民来往大陆通行证")),
    ],
)
def test_a_word_that_is_part_of_two_labels_is_refused_naming_both(
    name: str, written: str, meant: tuple[str, ...]
) -> None:
    """事业单位 is 04 or 05 (GB/T and AMS list both; tester AD expected one of them): never guessed."""
    with pytest.raises(FieldProblem) as caught:
        parse_field(name, written)
    assert caught.value.code == "choice_ambiguous"
    assert all(label in str(caught.value.params["meant"]) for label in meant)


def test_a_cell_no_parser_foresaw_is_one_rows_error() -> None:
    with pytest.raises(FieldProblem) as caught:
        parse_field("business_date", float("inf"))
    assert caught.value.code == "value_invalid"


def test_width_spaces_and_amounts_are_normalised() -> None:
    assert to_half_width("ＡＢＣ１２３（）") == "ABC123()"
    assert to_half_width("ＡＢＣ１２３（）", punctuation=False) == "ABC123（）"
    assert clean_text(" 北京 华信　科技（集团）有限公司\u200b ") == "北京华信科技（集团）有限公司"
    assert clean_text("ABC   Trading  Co") == "ABC Trading Co"
    assert compact("６２２８ ４８００ 1234") == "622848001234"
    assert parse_decimal("１，２００．５万元", strip_units=("万元",)) == parse_decimal(1200.5)
    assert str(wan_to_yuan(parse_decimal("1,200.5"))) == "12005000.00"
    with pytest.raises(ValueError):
        wan_to_yuan(parse_decimal("0.0000001"))


def test_an_xlsx_row_is_normalised_into_the_canonical_record(tmp_path: Path) -> None:
    values = row(
        {
            "账号": "６２２８ ４８００ １２３４ ５６７８ ９０１",
            "开户日期": datetime(2026, 11, 20),
            "通知日期": 46345,
            "注册资金(万元)": 1200.5,
            "存款人名称": " 北京 华信科技有限公司 ",
            "统一社会信用代码": "91110000600037341l",
            "证件号码": "11010519491231002x",
            "存款人类别": "企业法人",
            "业务类型": "变更",
            "变更事项": "注册地址",
            "证件种类": "1",
            "账户性质": "基本户",
            **PERMIT,
        }
    )
    (outcome,) = validate(write_xlsx(tmp_path, [values])).outcomes
    assert outcome.valid, outcome.errors
    record = outcome.record
    assert record is not None
    assert record.account_no == "6228480012345678901"
    assert record.business_date == date(2026, 11, 20) and record.notice_date == date(2026, 11, 19)
    assert str(record.registered_capital_yuan) == "12005000.00"
    assert (record.depositor_name, record.depositor_category) == ("北京华信科技有限公司", "企业法人")
    assert (record.uscc, record.id_number) == ("91110000600037341L", "11010519491231002X")
    assert (record.action, record.account_kind, record.id_type) == ("change", "basic", "居民身份证")
    assert outcome.raw["存款人名称"] == " 北京 华信科技有限公司 "  # the input as received


def test_a_1904_workbook_s_bare_date_numbers_count_from_1904(tmp_path: Path) -> None:
    """Tester T's S1: in a workbook of the 1904 date system (Excel for Mac), a date written as a
    bare number was counted from 1899-12-30 and 2026-11-20 filed as 2022-11-19. 44884 is
    2026-11-20 there (46346 in the 1900 system, less the 1462 days between the two epochs); a
    date cell and an amount read as they do anywhere."""
    values = row({"开户日期": 44884, "通知日期": "44883", "注册资金(万元)": 1200.5, "业务类型": "变更",
                  "变更事项": "注册地址", **PERMIT})  # the notice date a serial typed as text
    dated = row({"开户日期": datetime(2026, 11, 20), "注册资金(万元)": 50000, "账号": "6228480012345678902"})
    path = write_xlsx(tmp_path, [values, dated])
    book = load_workbook(path)
    book.epoch = CALENDAR_MAC_1904  # the date cell is stored as its 1904 serial, as Excel for Mac does
    book.save(path)
    first, second = validate(path).outcomes
    assert first.record is not None and second.record is not None, (first.errors, second.errors)
    assert (first.record.business_date, first.record.notice_date) == (date(2026, 11, 20), date(2026, 11, 19))
    assert second.record.business_date == date(2026, 11, 20)
    assert str(first.record.registered_capital_yuan) == "12005000.00"
    assert str(second.record.registered_capital_yuan) == "500000000.00"


def test_a_long_number_stored_as_a_number_has_lost_digits(tmp_path: Path) -> None:
    # Excel (and openpyxl) keep 15 significant digits: these come back as 6.22848001234568e+18
    as_number = row({"账号": 6228480012345678901, "证件号码": 110105194912310021, "经办人": 310001})
    (outcome,) = validate(write_xlsx(tmp_path, [as_number])).outcomes
    assert [(i.code, i.column) for i in outcome.errors] == [
        ("number_as_numeric", "账号"),
        ("number_as_numeric", "证件号码"),
    ]
    assert "文本" in outcome.errors[0].message
    (short,) = validate(write_xlsx(tmp_path, [row({"账号": 62284800123, "经办人": 310001})])).outcomes
    assert short.valid and short.record is not None and short.record.account_no == "62284800123"
    assert short.record.operator_id == "310001"


def test_a_sixteen_digit_number_cell_is_refused_in_every_identity_column(tmp_path: Path) -> None:
    # openpyxl keeps all 16 digits in the XML and reads them back as an int; Excel itself keeps
    # 15 (6222020200012345 typed in becomes 6222020200012340): the digits are not the account's
    sixteen = row({"账号": 6222020200012345})
    rounded = row({"账号": 6222020200012340, "证件种类": "护照", "证件号码": 1234567890123456})
    permit = row(
        {"账号": "6228480012345678905", "账户性质": "一般存款账户", "基本存款账户编号": 1000000000000001}
    )
    first, second, third = validate(write_xlsx(tmp_path, [sixteen, rounded, permit])).outcomes
    assert [(i.code, i.column, i.cell) for i in first.errors] == [("number_as_numeric", "账号", "B2")]
    assert "超过15位" in first.errors[0].message and "文本" in first.errors[0].message
    assert [(i.code, i.column, i.cell) for i in second.errors] == [
        ("number_as_numeric", "账号", "B3"),
        ("number_as_numeric", "证件号码", "K3"),
    ]
    assert [(i.code, i.cell) for i in third.errors] == [("number_as_numeric", "P4")]
    for name in ("uscc", "id_number", "bank_code"):  # an all-digit code typed as a number
        with pytest.raises(FieldProblem) as refused:
            parse_field(name, 911100006000373412)
        assert refused.value.code == "number_as_numeric"


def test_fifteen_digits_as_a_number_and_sixteen_as_text_are_read_as_they_are(tmp_path: Path) -> None:
    fifteen = row({"账号": 622202020001234})  # Excel holds 15 digits exactly
    as_text = row({"账号": "6222020200012345"})
    bank_code = row({"账号": "6228480012345678906", "开户银行机构代码": 102100099996})
    outcomes = validate(write_xlsx(tmp_path, [fifteen, as_text, bank_code])).outcomes
    assert all(o.valid for o in outcomes), [o.errors for o in outcomes]
    assert [o.record.account_no for o in outcomes if o.record is not None] == [
        "622202020001234",
        "6222020200012345",
        "6228480012345678906",
    ]
    assert outcomes[2].record is not None and outcomes[2].record.bank_code == "102100099996"


def test_accepted_words_and_codes(tmp_path: Path) -> None:
    close = single(tmp_path, {"业务类型": "销户", "撤销原因": "其他", **PERMIT})
    assert close.record is not None and (close.record.action, close.record.close_reason) == ("close", "其它")
    passport = single(tmp_path, {"证件种类": "护照", "证件号码": "E12345678"})
    # a 护照 holder is filed as 护照: the record carries the label, not a code
    assert passport.valid and passport.record is not None and passport.record.id_type == "护照"
    blank_capital = single(tmp_path, {"注册资金(万元)": "", "存款人类别": "1"})
    assert blank_capital.record is not None and blank_capital.record.registered_capital_yuan is None
    assert blank_capital.record.depositor_category == "企业法人"
    hk = single(tmp_path, {"证件种类": "港澳通行证", "证件号码": "H12345678", "法定代表人类别": "2"})
    assert hk.record is not None and hk.record.id_type == "港澳居民来往内地通行证"
    assert hk.record.legal_rep_role == "单位负责人"
    other = single(tmp_path, {"证件种类": "9", "证件号码": "X1234", "存款人类别": "有字号的个体工商户"})
    assert other.record is not None and (other.record.id_type, other.record.depositor_category) == (
        "其它",
        "有字号个体工商户",
    )


# --- reading ----------------------------------------------------------------------------------


def test_the_header_row_is_found_below_title_rows_and_rows_keep_sheet_numbers(tmp_path: Path) -> None:
    lead = [["示范银行 对公结算账户开销户明细表"], ["导出日期：2026-11-27"]]
    second = row({"账号": "6228480012345678902"})
    path = write_xlsx(tmp_path, [row(), None, second, dict(zip(HEADERS, HEADERS, strict=True))], lead=lead)
    report = validate(path)
    assert (report.sheet, report.header_row) == ("开户明细", 3)
    assert [o.row for o in report.outcomes] == [4, 6]  # the blank row and the repeated header skipped
    assert all(o.valid for o in report.outcomes)


def test_the_first_sheet_with_a_header_is_read_unless_one_is_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [row()], cover_sheet=True)
    assert validate(path).sheet == "开户明细"
    assert validate(path, sheet="开户明细").counts["valid"] == 1
    with pytest.raises(InputFileError, match="没有工作表「明细」"):
        validate(path, sheet="明细")
    with pytest.raises(InputFileError, match="未找到表头"):
        validate(path, sheet="说明")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_csv_cut_inside_its_last_row_is_refused_not_read_as_a_shorter_row(
    tmp_path: Path, encoding: str
) -> None:
    """Tester X's 1.1: a copy into the drop folder stalled past settle_seconds inside the last
    row's account number, the last column (6222000000 of 622200000002003); the row read as
    valid and AMS was given the cut account. A CSV whose last line has no line end is refused."""
    headers = [h for h in HEADERS if h != "账号"] + ["账号"]  # the bank's own column order
    whole = write_csv(tmp_path, [row(), row({"账号": "6228480012345678902"})], headers=headers,
                      encoding=encoding).read_bytes()
    assert whole.endswith(b"\r\n")
    cut = tmp_path / "export.csv"
    cut.write_bytes(whole[: whole.rindex(b"6228480012345678902") + 10])  # …,6228480012
    with pytest.raises(InputFileError, match=r"export\.csv 的最后一行没有换行：文件可能没有写完"):
        validate(cut)
    cut.write_bytes(whole)
    assert [o.status for o in validate(cut).outcomes] == ["valid", "valid"]
    cut.write_bytes(whole.rstrip(b"\r\n") + b"\n")  # a line end of either kind
    assert len(validate(cut).outcomes) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk_reads_the_same(tmp_path: Path, encoding: str) -> None:
    values = [row({"存款人名称": "北京华信（集团）科技有限公司"})]
    path = write_csv(tmp_path, values, encoding=encoding, lead=[["对公账户开户明细"], []])
    with read_export(path, aliases=load_aliases(CONFIG)) as export:
        assert export.encoding == ("gb18030" if encoding == "gbk" else "utf-8-sig")
        assert export.header_row == 3
        report = validate_rows(
            export, calendar=WorkCalendar.load(CALENDAR), rules=load_deadline_rules(CONFIG), today=TODAY
        )
    (outcome,) = report.outcomes
    assert outcome.record is not None and outcome.record.depositor_name == "北京华信（集团）科技有限公司"
    assert outcome.row == 4


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("export.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 .xlsx"),
        ("export.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("export.pdf", b"%PDF-1.4", "只支持"),
        ("export.csv", "序号,业务类型\n".encode("utf-16"), "编码"),
        ("export.csv", "说明\n本文件没有表头\n".encode(), "未找到表头"),
        (
            "export.csv",
            "业务类型,账户性质,开户日期,存款人名称\n开户,基本存款账户,2026-11-20,x\n".encode(),
            "账号",
        ),
        (
            "export.csv",
            "业务类型,账号,账户性质,开户日期,存款人名称,单位名称\n".encode(),
            "都对应「存款人名称」",
        ),
    ],
)
def test_an_unreadable_file_is_an_input_file_error_naming_it(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=words) as caught:
        validate(path)
    assert name in str(caught.value)
    with pytest.raises(InputFileError, match="找不到"):
        validate(tmp_path / "absent.xlsx")


def test_header_aliases_are_configurable(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    data = yaml.safe_load((config / "header_aliases.yaml").read_text(encoding="utf-8"))
    data["fields"]["depositor_name"]["aliases"].append("客户全称")
    (config / "header_aliases.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    aliases = load_aliases(config)
    match = aliases.match("客户全称")
    assert match is not None and match.field == "depositor_name"
    assert load_aliases(CONFIG).match("客户全称") is None
    headers = [{"存款人名称": "客户全称", "注册资金(万元)": "注册资金（元）"}.get(h, h) for h in HEADERS]
    values = row({"注册资金(万元)": "5,000,000"})
    path = write_csv(tmp_path, [{headers[i]: values[h] for i, h in enumerate(HEADERS)}], headers=headers)
    with read_export(path, aliases=aliases) as export:
        report = validate_rows(
            export, calendar=WorkCalendar.load(CALENDAR), rules=load_deadline_rules(CONFIG), today=TODAY
        )
    (outcome,) = report.outcomes
    assert outcome.record is not None and str(outcome.record.registered_capital_yuan) == "5000000.00"


def test_invalid_alias_files_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "header_aliases.yaml").write_text(
        "fields:\n  account_no: {header: 账号}\n  uscc: {header: 统一社会信用代码, aliases: [账号]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="both"):
        load_aliases(tmp_path)
    (tmp_path / "header_aliases.yaml").write_text("fields:\n  nickname: {header: 昵称}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nickname"):
        load_aliases(tmp_path)
    assert isinstance(load_aliases(CONFIG), HeaderAliases)


# --- validation rules -------------------------------------------------------------------------

BAD_BIRTH_DATE = "11010519491331002"
ERROR_CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"统一社会信用代码": "91110000600037341A"}, "uscc_checksum", "统一社会信用代码"),
    ({"统一社会信用代码": "91110000600037341"}, "uscc_length", "统一社会信用代码"),
    ({"统一社会信用代码": "9111000060003734IL"}, "uscc_format", "统一社会信用代码"),
    ({"证件号码": "110105194912310021"}, "id_checksum", "证件号码"),
    ({"证件号码": "11010519491231002"}, "id_length", "证件号码"),
    ({"证件号码": "1101051949123100AX"}, "id_format", "证件号码"),
    ({"证件号码": BAD_BIRTH_DATE + ric.calc_check_digit(BAD_BIRTH_DATE + "0")}, "id_birth_date", "证件号码"),
    ({"账号": "6222ABC123"}, "account_no_format", "账号"),
    ({"账号": "1234567"}, "account_no_format", "账号"),
    ({"业务类型": "冻结"}, "action_unknown", "业务类型"),
    ({"账户性质": "保证金账户"}, "account_kind_unknown", "账户性质"),
    ({"开户日期": "2026-02-30"}, "date_invalid", "开户日期"),
    ({"开户日期": "2026-11-28"}, "date_in_future", "开户日期"),
    ({"开户日期": "1926-11-20"}, "date_too_early", "开户日期"),  # tester T's S2: 1926 typed for 2026
    ({"存款人类别": "18"}, "code_unknown", "存款人类别"),
    ({"存款人类别": "个人"}, "category_unknown", "存款人类别"),
    # the export's ID-type codes other than 1 and 9 are not known: refused, never guessed
    ({"证件种类": "7", "证件号码": "E12345678"}, "code_unknown", "证件种类"),
    ({"法定代表人类别": "董事长"}, "rep_role_unknown", "法定代表人类别"),
    ({"证件种类": "驾驶证"}, "id_type_unknown", "证件种类"),
    ({"注册资金(万元)": "-5"}, "capital_invalid", "注册资金(万元)"),
    ({"注册资金(万元)": "五百"}, "capital_invalid", "注册资金(万元)"),
    ({"注册资金(万元)": "0.0000001"}, "capital_precision", "注册资金(万元)"),
    ({"注册资金(万元)": "1e30"}, "capital_invalid", "注册资金(万元)"),
    ({"注册资金(万元)": "NaN"}, "placeholder_text", "注册资金(万元)"),  # an empty value as text
    ({"开户银行机构代码": "10210009999"}, "bank_code_format", "开户银行机构代码"),
    ({"账户性质": "一般存款账户", "基本存款账户编号": "J12345"}, "permit_format", "基本存款账户编号"),
    ({"账户性质": "一般存款账户"}, "required_missing", "基本存款账户编号"),
    ({"账户性质": "临时存款账户"}, "required_missing", "基本存款账户编号"),
    ({"业务类型": "变更", "变更事项": "注册地址"}, "required_missing", "基本存款账户编号"),
    ({"业务类型": "变更", **PERMIT}, "required_missing", "变更事项"),
    ({"业务类型": "撤销", **PERMIT}, "required_missing", "撤销原因"),
    ({"业务类型": "撤销", "撤销原因": "经营不善", **PERMIT}, "close_reason_unknown", "撤销原因"),
    ({"注册地址": ""}, "required_missing", "注册地址"),
    ({"法定代表人姓名": "  "}, "required_missing", "法定代表人姓名"),
    ({"存款人名称": "北" * 65}, "gbk_too_long", "存款人名称"),
    ({"经营范围": "技" * 513}, "gbk_too_long", "经营范围"),
]


@pytest.mark.parametrize(
    ("changes", "code", "column"), ERROR_CASES, ids=[f"{c[1]}-{c[2]}" for c in ERROR_CASES]
)
def test_each_rule_has_its_code_column_and_chinese_message(
    tmp_path: Path, changes: dict[str, Any], code: str, column: str
) -> None:
    outcome = single(tmp_path, changes)
    assert (outcome.valid, outcome.needs_person, outcome.record) == (False, False, None)
    (found,) = outcome.errors
    assert (found.code, found.column) == (code, column)
    assert f"「{column}」" in found.message
    assert found.cell == f"{chr(ord('A') + HEADERS.index(column))}2"


def test_limits_are_counted_in_gbk_bytes_inclusive(tmp_path: Path) -> None:
    assert single(tmp_path, {"存款人名称": "北" * 64}).valid  # 128 bytes
    assert single(tmp_path, {"存款人名称": "A" * 128}).valid
    assert single(tmp_path, {"经营范围": "技" * 512}).valid  # 1024 bytes


def test_a_missing_column_is_reported_on_each_row_that_needs_it(tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "撤销原因"]
    report = validate(write_csv(tmp_path, [row({"业务类型": "撤销", **PERMIT})], headers=headers))
    assert report.missing_columns == ["撤销原因"]
    (outcome,) = report.outcomes
    assert codes(outcome) == ["column_missing"]
    assert outcome.errors[0].cell is None and "撤销必填" in outcome.errors[0].message


def test_a_bank_code_check_digit_that_does_not_fit_is_only_a_warning(tmp_path: Path) -> None:
    outcome = single(tmp_path, {"开户银行机构代码": "102100099997"})
    assert outcome.valid and outcome.record is not None
    assert "bank_code_checksum" in [w.code for w in outcome.warnings]


def test_rows_needing_approval_go_to_a_person_with_the_reason(tmp_path: Path) -> None:
    # each with a code of its own kind (GB 32100: 11 机关, 51 社会团体), not GOOD's 企业 (91) code
    organ_code, society_code = uscc("11110105MB0123456"), uscc("51110105MJ0345678")
    organ = single(tmp_path, {"存款人类别": "03", "统一社会信用代码": organ_code})
    assert (organ.valid, organ.needs_person, codes(organ)) == (False, True, ["approval_required"])
    assert "03 机关" in organ.errors[0].message and "核准" in organ.errors[0].message
    assert organ.record is not None  # sound data, held rather than filed
    society = single(tmp_path, {"存款人类别": "社会团体", "账户性质": "临时存款账户",
                                "统一社会信用代码": society_code, **PERMIT})
    assert society.needs_person and codes(society) == ["approval_required"]
    general = single(tmp_path, {"存款人类别": "机关", "账户性质": "一般存款账户",
                                "统一社会信用代码": organ_code, **PERMIT})
    assert general.valid


def test_text_outside_gbk_goes_to_a_person_never_mangled(tmp_path: Path) -> None:
    company = single(tmp_path, {"存款人名称": "北京𠮷祥科技有限公司"})
    assert (company.needs_person, codes(company)) == (True, ["outside_gbk"])
    assert "𠮷" in company.errors[0].message
    assert company.record is not None and company.record.depositor_name == "北京𠮷祥科技有限公司"
    person = single(tmp_path, {"法定代表人姓名": "张𠮷"})
    assert person.needs_person and "𠮷" not in person.errors[0].message  # a person's name stays private


def test_a_duplicate_row_names_the_first_and_is_not_filed(tmp_path: Path) -> None:
    report = validate(
        write_csv(tmp_path, [row(), row({"经办人": "310002"}), row({"账号": "6228480012345678902"})])
    )
    first, duplicate, other = report.outcomes
    assert first.valid and other.valid
    assert codes(duplicate) == ["duplicate_row"] and duplicate.record is None
    assert "第2行" in duplicate.errors[0].message


def test_same_filing_with_different_content_holds_both_rows(tmp_path: Path) -> None:
    report = validate(write_csv(tmp_path, [row(), row({"注册地址": "北京市海淀区学院路1号"})]))
    first, second = report.outcomes
    assert codes(first) == ["conflicting_row"] and "第3行" in first.errors[0].message
    assert codes(second) == ["conflicting_row"] and "第2行" in second.errors[0].message
    assert first.needs_person and second.needs_person
    assert report.valid_records() == []


def test_the_report_exit_code_and_json_shape(tmp_path: Path) -> None:
    clean = validate(write_csv(tmp_path, [row()]))
    assert clean.exit_code == 0 and clean.counts["valid"] == 1
    report = validate(write_csv(tmp_path, [row(), row({"账号": "x1", "统一社会信用代码": "1"})]))
    assert report.exit_code == 1
    good, bad = report.to_json()["rows"]
    assert (good["row"], good["valid"], good["errors"]) == (2, True, [])
    assert bad["row"] == 3 and bad["valid"] is False and bad["needs_person"] is False
    assert [(e["column"], e["code"]) for e in bad["errors"]] == [
        ("账号", "account_no_format"),
        ("统一社会信用代码", "uscc_length"),
    ]
    assert all(set(e) >= {"column", "code", "message"} for e in bad["errors"])
    assert {e["severity"] for e in bad["errors"]} == {"error"}
    assert report.headers == HEADERS and list(report.outcomes[1].raw) == HEADERS
    json.dumps(report.to_json(), ensure_ascii=False)  # serialisable as it is


# --- the canonical record ---------------------------------------------------------------------


def good_record(**changes: Any) -> FilingRecord:
    outcome_values = {
        "action": "open",
        "account_no": "6228480012345678901",
        "account_kind": "basic",
        "business_date": "2026-11-20",
        "depositor_name": "北京华信科技有限公司",
        "depositor_category": "企业法人",
        "uscc": "91110000600037341L",
        "legal_rep_role": "法定代表人",
        "legal_rep_name": "张三",
        "id_type": "居民身份证",
        "id_number": "11010519491231002X",
        "registered_address": "北京市朝阳区建国路88号",
        "registered_capital_yuan": "5000000",
        "bank_code": "102100099996",
    }
    return FilingRecord.model_validate({**outcome_values, **changes})


def test_content_hash_and_idempotency_key_are_stable() -> None:
    record = good_record()
    assert record.content_hash() == good_record(registered_capital_yuan="5000000.00").content_hash()
    assert record.content_hash() == good_record(operator_id="310009").content_hash()
    assert record.content_hash() != good_record(registered_address="北京市海淀区").content_hash()
    key = record.idempotency_key()
    assert key == f"open:6228480012345678901:2026-11-20:{record.content_hash()[:16]}"
    assert record.model_dump(mode="json")["registered_capital_yuan"] == "5000000.00"
    with pytest.raises(ValidationError):
        record.account_no = "1"


def test_record_errors_never_echo_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        good_record(uscc="91110000600037341A", id_number="110105194912310021")
    assert "91110000600037341A" not in str(caught.value)
    assert "110105194912310021" not in str(caught.value)


# --- the sample export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> ValidationReport:
    return validate(INPUTS / "accounts.xlsx")


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads((INPUTS / "accounts_expected.json").read_text(encoding="utf-8"))


def test_the_sample_has_its_valid_invalid_and_held_rows(
    sample: ValidationReport, expected: dict[str, Any]
) -> None:
    counts = sample.counts
    assert (counts["rows"], counts["valid"], counts["invalid"], counts["needs_person"]) == (200, 180, 17, 3)
    assert (sample.sheet, sample.header_row) == ("开户明细", 3)
    assert counts["overdue"] > 0 and counts["due_today"] > 0
    by_row = {o.row: o for o in sample.outcomes}
    for entry in expected["rows"]:
        outcome = by_row[entry["row"]]
        assert (outcome.status, codes(outcome)) == (entry["status"], entry["error_codes"]), entry
        assert set(entry.get("warning_codes", [])) <= {w.code for w in outcome.warnings}
    kinds = {(o.record.action, o.record.account_kind) for o in sample.outcomes if o.record}
    assert len(kinds) == 12  # every kind with every action


def test_the_gbk_csv_sample_reads_like_the_workbook(expected: dict[str, Any]) -> None:
    report = validate(INPUTS / "accounts.csv")
    assert report.encoding == "gb18030"
    by_row = {o.row: o for o in report.outcomes}
    assert len(by_row) == len(expected["csv_rows"]) == 40
    for entry in expected["csv_rows"]:
        assert (by_row[entry["row"]].status, codes(by_row[entry["row"]])) == (
            entry["status"],
            entry["error_codes"],
        )


def test_the_seed_agrees_with_the_sample(sample: ValidationReport, expected: dict[str, Any]) -> None:
    seed = json.loads((INPUTS / "ams_seed.json").read_text(encoding="utf-8"))
    records = [
        FilingRecord.model_validate({k: v for k, v in item.items() if k != "filing_no"}) for item in seed
    ]
    assert all(item["filing_no"] for item in seed)
    keys = {r.idempotency_key() for r in records}
    filings = {(r.action, r.account_no, r.business_date) for r in records}
    opened = {r.account_no for r in records if r.action == "open"}
    permits = {r.basic_account_permit: r.bank_code for r in records if r.account_kind == "basic"}
    portal = {e["row"]: e for e in expected["rows"]}
    for outcome in sample.outcomes:
        record, fate = outcome.record, portal[outcome.row]["portal"]
        if record is None or not outcome.valid:
            continue
        filed = record.idempotency_key() in keys
        assert filed == (fate == "already_filed"), outcome.row
        same_filing = (record.action, record.account_no, record.business_date) in filings
        assert (same_filing and not filed) == (fate == "hold_conflict"), outcome.row
        if record.action != "open":
            assert record.account_no in opened
        if record.account_kind != "basic" or record.action != "open":
            known = record.basic_account_permit in permits
            same_bank = permits.get(record.basic_account_permit) == record.bank_code
            refused = not known or (record.account_kind == "general" and same_bank)
            assert refused == (fate == "refuse"), outcome.row


def test_the_sample_files_are_what_the_script_makes() -> None:
    from fixtures.inputs._scenario import build_scenario

    scenario = build_scenario()
    seed = json.loads((INPUTS / "ams_seed.json").read_text(encoding="utf-8"))
    assert scenario.seed == seed
    expected = json.loads((INPUTS / "accounts_expected.json").read_text(encoding="utf-8"))
    assert [r.expect for r in scenario.rows] == [
        {k: v for k, v in e.items() if k != "row"} for e in expected["rows"]
    ]


def test_diagnostics_never_show_account_id_or_credit_code(sample: ValidationReport) -> None:
    text = sample.render_text()
    dumped = json.dumps(sample.to_json(), ensure_ascii=False)
    secrets = set()
    for outcome in sample.outcomes:
        for header in ("账号", "统一社会信用代码", "证件号码", "基本存款账户编号"):
            value = compact(outcome.raw.get(header, ""))
            if len(value) >= 8:
                secrets.add(value)
        if outcome.record is not None:
            secrets.update({outcome.record.account_no, outcome.record.uscc, outcome.record.id_number})
    assert len(secrets) > 400
    leaked = [s for s in secrets if s in text or s in dumped]
    assert leaked == []
    assert "账号 ***************" in text  # masked, last 4 kept


@pytest.mark.slow
def test_memory_stays_bounded_on_a_10000_row_workbook(tmp_path: Path) -> None:
    from fixtures.inputs.make_accounts import write_bulk_xlsx

    path = tmp_path / "bulk.xlsx"
    write_bulk_xlsx(path, 10_000)
    tracemalloc.start()
    try:
        report = validate(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.counts["rows"] == 10_000 and report.counts["valid"] == 10_000
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_the_result_book_shows_the_labels_of_coded_fields(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from flows.account_filing.result_book import write_result_book
    from flows.account_filing.row_results import result_row

    outcome = single(tmp_path, {"证件种类": "护照", "证件号码": "E12345678", "存款人类别": "13"})
    book = write_result_book(tmp_path / "result.xlsx", [result_row(outcome, None, lambda _h: None, "r1")])
    sheet = load_workbook(book).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    shown = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (shown["业务类型"], shown["账户性质"]) == ("开户", "基本存款账户")
    assert (shown["存款人类别"], shown["证件种类"]) == ("有字号个体工商户", "护照")


def test_an_unknown_export_code_says_which_codes_are_known(tmp_path: Path) -> None:
    outcome = single(tmp_path, {"证件种类": "6", "证件号码": "E12345678"})
    (found,) = outcome.errors
    assert found.code == "code_unknown"
    assert "「6」" in found.message and "1 居民身份证" in found.message and "9 其它" in found.message
