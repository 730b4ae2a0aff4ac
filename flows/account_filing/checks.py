"""result.xlsx's 校验 sheet: every check validation ran on the export, and what it found.

    >>> lines = check_lines(report)
    >>> lines[0].name, lines[0].result
    ('读取工作表', '通过')

File checks first (the sheet read, the columns found, columns ignored or look-alike, hidden
sheets, footer rows passed over), then one line per row check of the issue catalogue
(`issues.MESSAGES`) with the rows it flagged: none flagged is 通过; an error is 未通过, a row for
a person 需人工处理, a warning 提示.
Checks made in AMS (the look-up, the 信息核对 page) are told row by row in 报备结果.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.account_filing.issues import MESSAGES, Severity
from flows.account_filing.report import ValidationReport
from rpa.outcomes import NEEDS_PERSON

PASSED, FAILED, NOTICE = "通过", "未通过", "提示"
_SEVERITY_RESULT = {Severity.ERROR: FAILED, Severity.NEEDS_PERSON: NEEDS_PERSON, Severity.WARNING: NOTICE}
_ROWS_LISTED = 60  # row numbers written out; the count is always whole

# row check code -> its name in the sheet
CHECK_NAMES: dict[str, str] = {
    "required_missing": "必填项不为空",
    "column_missing": "必填项的列存在",
    "action_date_column_missing": "本行业务类型的日期列存在",
    "action_date_before_opening": "变更、撤销不早于同一行的开户日期",
    "action_unknown": "业务类型可识别",
    "account_kind_unknown": "账户性质可识别",
    "account_no_format": "账号为8至32位数字",
    "number_as_numeric": "长数字未以数值格式丢失精度",
    "number_format_shown": "数值按数字格式显示的即所存号码",
    "capital_format_shown": "注册资金按数字格式显示的即所存金额",
    "date_invalid": "日期可识别",
    "date_in_future": "日期不晚于今天",
    "date_too_early": "日期不早于1990年",
    "gbk_too_long": "长度不超过AMS限制（GBK字节）",
    "outside_gbk": "文字在GBK字符集内",
    "replaced_char": "名称和地址中没有被替换成“?”的字",
    "category_unknown": "存款人类别可识别",
    "code_unknown": "代码在已知代码表中",
    "choice_ambiguous": "代码项写法只指一类",
    "uscc_length": "统一社会信用代码为18位",
    "uscc_format": "统一社会信用代码字符合规",
    "uscc_checksum": "统一社会信用代码校验位（GB 32100）",
    "rep_role_unknown": "法定代表人类别可识别",
    "id_type_unknown": "证件种类可识别",
    "id_length": "居民身份证号码为18位",
    "id_format": "居民身份证号码格式",
    "id_checksum": "居民身份证号码校验位（GB 11643）",
    "id_component": "居民身份证号码出生日期与行政区划",
    "id_birth_date": "居民身份证号码出生日期有效",
    "id_region": "居民身份证号码行政区划代码存在",
    "id_hmt_residence": "居民身份证号码不是港澳台居民居住证号码",
    "id_region_province": "居民身份证号码行政区划代码为县级",
    "id_type_resident_number": "其他证件种类下不是居民身份证号码",
    "id_unchecked": "证件号码有证件种类可据以校验",
    "capital_invalid": "注册资金为有效数字",
    "capital_comma": "注册资金中的逗号为千位分隔符",
    "capital_precision": "注册资金精度不超过分",
    "bank_code_format": "开户银行机构代码为12位数字",
    "bank_code_checksum": "开户银行机构代码校验位",
    "permit_format": "基本存款账户编号格式",
    "permit_issued_by_ams": "基本存款账户开户行未带基本存款账户编号（编号由 AMS 核发，导出带的不报送）",
    "close_reason_unknown": "撤销原因可识别",
    "duplicate_row": "文件内无重复行",
    "conflicting_row": "文件内无冲突行",
    "before_its_opening": "变更不早于同一文件中该账户的开户",
    "before_its_basic": "一般、专用、临时存款账户的开户不早于同一文件中基本存款账户的开户",
    "approval_required": "属于备案（无须人民银行核准）",
    "category_code_mismatch": "存款人类别与统一社会信用代码所示机构类别一致",
    "value_invalid": "取值可识别",
    "approval_unknown": "可判断变更是否须经人民银行核准",
    "approval_unknown_blank": "可判断撤销是否须经人民银行核准",
    "check_not_passed": "企业信息联网核查已通过（RPA_FILING_REQUIRE_CHECK）",
    "changed_without_column": "变更事项所涉列存在",
    "change_items_unread": "变更事项每一项均可识别",
    "change_items_unknown": "变更事项写明可报备的变更项",
    "changed_to_blank": "变更事项所涉项已填写",
    "formula_uncomputed": "公式已计算",
    "control_char": "无控制字符",
    "formula_stale": "公式结果为当前值（工作簿无须打开时重算）",
    "excel_error": "无错误值（如 #N/A）",
    "placeholder_text": "无空值占位文字",
    "rich_text_marked": "无删除线、上标、下标、小字号、白色或与底色相近的文字",
    "line_break": "单行的项格内无换行",
    "scope_gap": "经营范围各项之间有分隔符",
    "record_invalid": "符合报备要求（字段）",
    "record_rule": "符合报备要求（整行）",
    "deadline_estimated": "报备期限按节假日日历计算",
    "deadline_overdue": "未超过报备期限",
    "deadline_earliest": "报备期限可按业务类型和账户性质确定",
    "deadline_from_business": "报备期限可按通知日期计算",
}


@dataclass(frozen=True)
class CheckLine:
    """One line of the 校验 sheet."""

    name: str
    scope: str
    result: str
    count: int
    detail: str = ""


def check_lines(report: ValidationReport) -> list[CheckLine]:
    """The file checks, then every row check of the catalogue, in the catalogue's order."""
    rows = len(report.outcomes)
    lines = [
        CheckLine("读取工作表", "文件", PASSED, rows,
                  f"{report.file.name}　工作表「{report.sheet}」　表头在第{report.header_row}行，共{rows}行"),
        _file_check("必需的列齐全", report.missing_columns, FAILED),
        _file_check("列名可识别", report.ignored_headers, NOTICE, "未读取的列："),
        _file_check("无相近但非别名的列名", [header for header, _, _ in report.look_alikes], NOTICE),
        _file_check("无隐藏工作表被跳过", report.hidden_sheets, NOTICE),
        CheckLine("表尾行（合计、签字）不当作账号", "文件", NOTICE if report.footer_rows else PASSED,
                  len(report.footer_rows), "；".join(report.footer_notes())),
    ]  # fmt: skip
    flagged: dict[str, list[int]] = {}
    severity: dict[str, Severity] = {}
    for outcome in report.outcomes:
        for found in [*outcome.errors, *outcome.warnings]:
            if outcome.row not in flagged.setdefault(found.code, []):
                flagged[found.code].append(outcome.row)
            severity.setdefault(found.code, found.severity)
    codes = list(MESSAGES) + sorted(set(flagged) - set(MESSAGES))
    for code in codes:
        hit = flagged.get(code, [])
        result = _SEVERITY_RESULT[severity[code]] if hit else PASSED
        listed = "、".join(str(row) for row in hit[:_ROWS_LISTED]) + ("…" if len(hit) > _ROWS_LISTED else "")
        lines.append(CheckLine(CHECK_NAMES.get(code, f"未命名的校验（{code}）"), "逐行", result, len(hit),
                               f"第{listed}行" if hit else ""))  # fmt: skip
    return lines


def _file_check(name: str, found: list[str], result: str, prefix: str = "") -> CheckLine:
    """A file check: 通过 when it found nothing, else `result` and what it found."""
    if not found:
        return CheckLine(name, "文件", PASSED, 0)
    return CheckLine(name, "文件", result, len(found), prefix + "、".join(found))
