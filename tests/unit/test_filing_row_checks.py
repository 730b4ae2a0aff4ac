"""The per-row checks keep every rule where they are made cheap: a row's ID number and credit code
are checked once and the record's own check reuses the answer, coded words are looked up once,
text that needs no cleaning is left as it is, and rows with the same issue share its message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.account_filing import validate_file
from flows.account_filing.fields import FieldProblem, parse_field
from flows.account_filing.normalise import clean_text, compact
from flows.account_filing.records import FilingRecord
from flows.account_filing.resident_id import resident_id_problem
from rpa.settings import PROJECT_ROOT

# GB 11643 weights, written out from DOMAIN.md
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def test_a_numbers_birth_date_is_judged_by_each_callers_day_not_by_the_first_answer() -> None:
    number = resident_id("440305" + "20261120" + "123")  # born 2026-11-20, Shenzhen Nanshan
    assert resident_id_problem(number, date(2026, 11, 27)) is None
    assert resident_id_problem(number, date(2026, 11, 19)) == "id_birth_date"
    assert resident_id_problem(number, date(2026, 11, 20)) is None


def test_a_future_birth_date_is_named_before_an_unknown_region() -> None:
    number = resident_id("990000" + "20300101" + "456")  # no such county, born in the future
    assert resident_id_problem(number, date(2026, 11, 27)) == "id_birth_date"
    assert resident_id_problem(number, date(2031, 1, 1)) == "id_region"


def test_a_bad_credit_code_is_refused_by_the_parser_and_the_record_every_time() -> None:
    good, bad = "91350200776049653A", "91350200776049653B"
    assert parse_field("uscc", good) == good
    for _ in range(2):  # the second answer comes from the cache and is still a fresh refusal
        with pytest.raises(FieldProblem) as refused:
            parse_field("uscc", bad)
        assert refused.value.code == "uscc_checksum"
    record = {
        "action": "close", "account_no": "6228480012345678903", "account_kind": "general",
        "business_date": "2026-11-21", "depositor_name": "厦门海运物流有限公司",
        "depositor_category": "企业法人", "uscc": good, "legal_rep_role": "法定代表人",
        "legal_rep_name": "李四", "id_type": "居民身份证", "id_number": "360426199101010071",
        "bank_code": "102100099996", "basic_account_permit": "J1000000000001", "close_reason": "转户",
    }
    assert FilingRecord.model_validate(record).uscc == good
    with pytest.raises(ValidationError, match="统一社会信用代码无效"):
        FilingRecord.model_validate({**record, "uscc": bad})
    with pytest.raises(ValidationError, match="居民身份证号码无效"):
        FilingRecord.model_validate({**record, "id_number": "360426199101010072"})


def test_coded_words_are_read_alike_whether_looked_up_before_or_not() -> None:
    for written in ("一般存款账户", " 一般存款账户 ", "一般存款账户", "一般存款账户"):
        assert parse_field("account_kind", written) == "general"
    for _ in range(2):
        with pytest.raises(FieldProblem) as refused:
            parse_field("account_kind", "一般账户存款")
        assert refused.value.code == "account_kind_unknown"
    with pytest.raises(FieldProblem) as unknown:
        parse_field("depositor_category", "99")
    assert unknown.value.code == "code_unknown"
    assert parse_field("depositor_category", "０１") == "企业法人"


def test_text_that_needs_no_cleaning_is_returned_as_is_and_other_text_is_still_cleaned() -> None:
    kept = "厦门海运物流有限公司（思明）"
    assert clean_text(kept) is kept
    assert clean_text("北京\u3000华信\u200b科技 有限公司\u00a0") == "北京华信科技有限公司"
    assert clean_text("ＡＢＣ Trading　Co.") == "ABC Trading Co."
    assert compact("j1000000000001") == "J1000000000001"
    assert compact("６２２８ ４８００\u00a01234") == "622848001234"


def test_rows_with_the_same_overdue_date_share_one_message(tmp_path: Path) -> None:
    header = (
        "业务类型,账号,账户性质,开户日期,存款人名称,存款人类别,统一社会信用代码,法定代表人类别,"
        "法定代表人姓名,证件种类,证件号码,注册地址,注册资金(万元),经营范围,开户银行机构代码,"
        "基本存款账户编号,经办人"
    )
    rows = [
        f"开户,62284800123456789{n:02d},一般存款账户,{day},厦门海运物流有限公司{n},01,91350200776049653A,"
        f"法定代表人,李四,居民身份证,360426199101010071,厦门市思明区鹭江道2号,300,货物运输,102100099996,"
        f"J10000000000{n:02d},GY0001"
        for n, day in ((1, "2026-11-02"), (2, "2026-11-02"), (3, "2026-11-03"))
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = validate_file(
        path, config_dir=PROJECT_ROOT / "config", calendar_file=PROJECT_ROOT / "calendar.yaml",
        today=date(2026, 11, 30), keep_records=False,
    )
    first, second, third = (o.warnings[0] for o in report.outcomes)
    assert [o.valid for o in report.outcomes] == [True, True, True]
    assert (first.code, first.cell, second.cell) == ("deadline_overdue", "D2", "D3")
    assert first.message is second.message
    assert third.message != first.message and "2026-11-10" in third.message
    assert "2026-11-09" in first.message  # 一般存款账户: 5 working days from Monday 2026-11-02
