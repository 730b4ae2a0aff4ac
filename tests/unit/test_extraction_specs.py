"""Extraction specs and the parsing of printed figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import load_spec
from flows.report_extraction.numbers import (
    NumberFormatError,
    SignStyle,
    is_no_figure,
    normalise,
    parse_figure,
    rounding_tolerance,
    split_unit,
    stated_unit,
    stated_units,
    to_yuan,
    unit_in,
)
from flows.report_extraction.specs import Label, Locate
from rpa.errors import ConfigError

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
BOTH = frozenset({SignStyle.PARENTHESES, SignStyle.MINUS})


@pytest.mark.parametrize("name", ["branch_daily", "summary_daily", "fee_income_monthly"])
def test_shipped_specs_load(name: str) -> None:
    spec = load_spec(name, SPECS)
    assert spec.name == name and set(spec.formats) == {"xlsx", "pdf"}
    assert spec.columns


def test_unknown_spec_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="现有规格：branch_daily, fee_income_monthly, summary_daily"):
        load_spec("nope", SPECS)


def test_invalid_spec_names_the_file_and_the_field(tmp_path: Path) -> None:
    text = (SPECS / "branch_daily.yaml").read_text(encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(text.replace("unit: 万元", "unit: 美元").replace(
        "layout: metrics_as_rows", "layout: metrics_as_rows\nsurprise: 1"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec("broken", tmp_path)
    message = str(caught.value)
    assert "broken.yaml" in message and "unit" in message and "美元" in message and "surprise" in message


def test_an_alias_naming_two_rows_is_refused(tmp_path: Path) -> None:
    text = (SPECS / "branch_daily.yaml").read_text(encoding="utf-8")
    (tmp_path / "twice.yaml").write_text(text.replace("aliases: [个人贷款]", "aliases: [储蓄存款]"),
                                         encoding="utf-8")
    with pytest.raises(ConfigError, match="'储蓄存款' 既指"):
        load_spec("twice", tmp_path)


def test_spec_names_cannot_walk_out_of_the_folder() -> None:
    with pytest.raises(ConfigError, match="只能由字母、数字"):
        load_spec("../secrets", SPECS)


def test_labels_match_with_spaces_full_width_forms_and_unit_suffixes() -> None:
    label = Label(name="个人金融资产余额", aliases=["AUM"])
    assert label.matches("个人金融资产\u3000余额")
    assert label.matches(" 个人金融资产余额（万元）")
    assert label.matches("ＡＵＭ")
    assert not label.matches("个人金融资产")
    assert split_unit("客户数（户）") == ("客户数", "户")
    assert unit_in("存款与资产（万元）") == "万元" and unit_in("单位：元") == "元" and unit_in("项目") is None
    assert normalise(" 本　日 ") == "本日"


def test_page_ranges() -> None:
    assert Locate(pages="2-").page_numbers(4) == [2, 3, 4]
    assert Locate(pages="1-2").page_numbers(4) == [1, 2]
    assert Locate(pages="3").page_numbers(4) == [3]
    assert Locate().page_numbers(2) == [1, 2]


@pytest.mark.parametrize(("raw", "value"), [
    ("1,234.56", Decimal("1234.56")), ("(1,234.56)", Decimal("-1234.56")), ("-1,234.56", Decimal("-1234.56")),
    ("１，２３４．５６", Decimal("1234.56")), (" 0.00 ", Decimal("0.00")), ("1234", Decimal(1234)),
    (86818.93, Decimal("86818.93")), (42, Decimal(42)), ("", None), (None, None),
])
def test_figures_parse_exactly(raw: object, value: Decimal | None) -> None:
    assert parse_figure(raw, BOTH) == value


@pytest.mark.parametrize("raw", ["1.234,56", "12,34", "1,2345.00", "¥100", "100-", "--1", "1e5", "NaN", True,
                                 "12.5%", "(12.5%)", "１２．５％"])
def test_what_is_not_a_figure_is_refused(raw: object) -> None:
    with pytest.raises(NumberFormatError):
        parse_figure(raw, BOTH)


def test_sign_conventions_are_the_spec_s() -> None:
    with pytest.raises(NumberFormatError, match="括号"):
        parse_figure("(5.00)", frozenset({SignStyle.MINUS}))
    with pytest.raises(NumberFormatError, match="不用负号"):
        parse_figure("-5.00", frozenset({SignStyle.PARENTHESES}))


def test_units_convert_to_yuan_exactly() -> None:
    assert to_yuan(Decimal("86818.93"), "万元") == Decimal("868189300")
    assert to_yuan(Decimal("1.5"), "亿元") == Decimal("150000000")
    assert to_yuan(Decimal("2.5"), "千元") == Decimal("2500")


@pytest.mark.parametrize(("value", "unit", "shown"), [
    ("2.2", "万元", "22000.00"), ("-1234", "万元", "-12340000.00"), ("1.2345678", "万元", "12345.678"),
    ("12", "户", "12"), ("0.001", "元", "0.001"), ("1" + "0" * 40, "元", "1" + "0" * 40 + ".00")])
def test_money_in_yuan_is_written_to_the_fen_at_least(value: str, unit: str, shown: str) -> None:
    # tester AL: 2.20 万元 read `22000.0 元` beside its column's `12340000.00 元`
    assert str(to_yuan(Decimal(value), unit)) == shown
    assert to_yuan(Decimal(49), "户") == Decimal(49)
    assert rounding_tolerance("万元", 2) == Decimal(50)
    assert rounding_tolerance("元", 2) == Decimal("0.005")


@pytest.mark.parametrize(("line", "units"), [
    ("单位：元", ["元"]), ("单位：人民币万元", ["万元"]), ("金额单位：千元", ["千元"]),
    ("（单位：亿元，户）", ["亿元", "户"]), ("注：金额单位为元", ["元"]),
    ("注：1. 金额单位为万元，保留两位小数；负数以括号表示。", ["万元"]), ("网点经营日报（万元）", ["万元"]),
    ("注：金额单位见各栏表头", []), ("报表日期：2026-03-05", []), ("单位：人民币", []),
])
def test_unit_statements_are_read_wherever_they_stand(line: str, units: list[str]) -> None:
    assert stated_units(line) == units


def test_renminbi_wan_yuan_is_wan_yuan_not_the_count_unit_ren() -> None:
    assert stated_unit("单位：人民币万元") == "万元"
    assert split_unit("余额（人民币万元）") == ("余额", "万元")
    assert split_unit("存款（单位：亿元，户）") == ("存款", "亿元")


@pytest.mark.parametrize(("raw", "value"), [
    ("123.45-", Decimal("-123.45")), ("+1,234.00", Decimal("1234.00")),
    ("1 234 567.80", Decimal("1234567.80")), ("１２３，４５６．７０", Decimal("123456.70")),
    ("（１２．５０）", Decimal("-12.50")),
    ("\u22121,000", Decimal("-1000")),
])
def test_a_clerk_s_number_styles_parse(raw: str, value: Decimal) -> None:
    assert parse_figure(raw, frozenset(SignStyle)) == value


def test_dashes_and_blanks_are_no_figure() -> None:
    assert all(is_no_figure(raw) for raw in (None, "", " ", "-", "—", "－", "--"))
    assert not any(is_no_figure(raw) for raw in ("0", 0, "0.00", "-1"))


def test_a_trailing_minus_is_the_spec_s_convention_too() -> None:
    with pytest.raises(NumberFormatError, match="尾随负号"):
        parse_figure("5.00-", BOTH)


def test_a_triangle_written_as_text_is_a_minus_only_where_the_spec_says_so() -> None:
    """Tester AE F8: △234.56 typed as text was refused as 不是数字, as if it were no number."""
    with pytest.raises(NumberFormatError, match=r"本报表不用 △ 表示负数（规格 signs 未含 triangle）"):
        parse_figure("△234.56", BOTH)
    assert parse_figure("△234.56", frozenset({SignStyle.TRIANGLE})) == Decimal("-234.56")
    assert parse_figure("▲1,000", frozenset({SignStyle.TRIANGLE})) == Decimal("-1000")
    with pytest.raises(NumberFormatError, match="不是数字"):
        parse_figure("△", frozenset({SignStyle.TRIANGLE}))


def test_branch_codes_must_be_quoted_so_leading_zeros_stay(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    shipped = (SPECS / "branch_daily.yaml").read_text("utf-8")
    (tmp_path / "specs" / "branch_daily.yaml").write_text(shipped, "utf-8")
    (tmp_path / "branches.yaml").write_text('branches:\n  - {code: "001101", name: 营业部}\n', "utf-8")
    assert load_spec("branch_daily", tmp_path / "specs").known_branches == {"001101": "营业部"}
    (tmp_path / "branches.yaml").write_text("branches:\n  - {code: 001101, name: 营业部}\n", "utf-8")
    with pytest.raises(ConfigError, match="须加引号"):
        load_spec("branch_daily", tmp_path / "specs")


def test_shipped_specs_know_the_branch_list() -> None:
    assert "110101" in load_spec("summary_daily", SPECS).known_branches
