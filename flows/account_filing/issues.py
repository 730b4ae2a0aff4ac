"""Row issues: a stable code, the column as the sheet names it, and a Chinese message.

Codes are the interface (tests, result.xlsx and scripts match on them); messages are for people
and name the column. Messages never carry an account number, credit code or ID number: where a
value helps (an unreadable date) it is scrubbed and shortened first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rpa.masking import scrub_text


class Severity(StrEnum):
    ERROR = "error"  # the row is invalid and is not filed
    NEEDS_PERSON = "needs_person"  # the row is sound but is not the bot's to file
    WARNING = "warning"  # the row is filed; someone should look


MESSAGES: dict[str, str] = {
    "required_missing": "「{column}」不能为空{reason}",
    "column_missing": "表头中没有「{column}」列，该项为必填{reason}",
    "action_date_column_missing": (
        "表头中没有「{column}」列：该导出按业务类型分列日期，本行的日期应在此列，不取其他业务的日期"
    ),
    "action_date_before_opening": "「{column}」早于同一行的开户日期：两个日期必有一个不对，请核对后重新导出",
    "action_unknown": "「{column}」应为 开户、变更 或 撤销",
    "account_kind_unknown": "「{column}」应为 基本存款账户、一般存款账户、专用存款账户 或 临时存款账户",
    "account_no_format": "「{column}」应为8至32位数字",
    "number_as_numeric": "「{column}」以数值格式保存，超过15位的数字已丢失精度，请将该列设为文本后重新导出",
    "number_format_shown": (
        "「{column}」以数值保存，其数字格式「{format}」使 Excel 显示的不是所存的数字，读不出要报备的号码："
        "请将该列设为文本，照 Excel 中显示的号码填写后重新导出"
    ),
    "capital_format_shown": (
        "「{column}」的数字格式「{format}」使 Excel 显示的金额不是所存的数（按千、百万缩放，插入小数点，"
        "舍去了小数位，或显示为百分数等），不知要报备哪个金额：请将该列设为常规或数值格式，照应报备的金额填写后重新导出"
    ),
    "date_invalid": (
        "「{column}」的日期「{value}」无法识别，应为 2026-11-27、2026/11/27、2026年11月27日 或 Excel 日期"
    ),
    "date_in_future": "「{column}」{value} 晚于今天（{today}）",
    "date_too_early": "「{column}」{value} 早于 {earliest}，不是可报备的业务日期：请核对年份后重新导出",
    "gbk_too_long": "「{column}」超过{limit}字节（按GBK计），实为{actual}字节",
    "outside_gbk": "「{column}」含有GBK字符集以外的字符（{chars}），无法录入AMS，需人工处理",
    "replaced_char": ("「{column}」含有“?”或“�”，多半是另存为 CSV 时无法编码的生僻字被替换了：请核对原名"
                      "（生僻字须人工录入AMS），需人工处理"),
    "category_unknown": "「{column}」应为存款人类别代码01至17或其名称（如 企业法人）",
    "choice_ambiguous": "「{column}」「{value}」可指 {meant}：请写明是哪一类（代码或全称）后重新导出",
    "code_unknown": "「{column}」的代码「{value}」不在已知代码表中（已知：{known}），请填写名称",
    "uscc_length": "「{column}」应为18位",
    "uscc_format": "「{column}」含有统一社会信用代码不允许的字符",
    "uscc_checksum": "「{column}」校验位不正确（GB 32100）",
    "rep_role_unknown": "「{column}」应为 法定代表人 或 单位负责人",
    "id_type_unknown": "「{column}」应为证件种类名称（如 居民身份证、护照），或代码1、9",
    "id_length": "「{column}」居民身份证号码应为18位",
    "id_format": "「{column}」居民身份证号码应为17位数字加1位数字或X",
    "id_checksum": "「{column}」居民身份证号码校验位不正确（GB 11643）",
    "id_birth_date": "「{column}」居民身份证号码中的出生日期无效（须为1900年以后、不晚于今天的真实日期）",
    "id_region": "「{column}」居民身份证号码中的行政区划代码不存在",
    "id_hmt_residence": (
        "「{column}」「{value}」是港澳台居民居住证号码（81/82/83开头），与证件种类「居民身份证」不符："
        "请核对证件种类（港澳台居民不领居民身份证；AMS证件种类中没有港澳台居民居住证，"
        "应按其所持证件填写，如港澳居民来往内地通行证、台湾居民来往大陆通行证或其它）后重新导出"
    ),
    "id_region_province": (
        "「{column}」「{value}」前6位是省级行政区划代码（以0000结尾），居民身份证号码的前6位应为县级"
        "行政区划代码：请核对证件号码"
    ),
    "id_type_resident_number": (
        "「{column}」「{value}」是居民身份证号码，与证件种类「{id_type}」不符：请核对证件种类后重新导出"
    ),
    "id_unchecked": (
        "证件种类为空，「{column}」无法按证件种类校验（本行不要求证件种类，不影响报备）：请核对导出的证件种类和号码"
    ),
    "capital_invalid": "「{column}」应为不小于0的数字，或留空表示未标明注册资金",
    "capital_comma": (
        "「{column}」的「{value}」中的逗号不是千位分隔符（千位分隔须每三位一组，如 1,000 或 12,345.5），"
        "金额无法确定：请核对金额，改为不带逗号的数字（小数点用“.”，如 12.5）后重新导出"
    ),
    "capital_precision": "「{column}」换算为元后精度超过分",
    "bank_code_format": "「{column}」应为12位数字",
    "bank_code_checksum": "「{column}」校验位与常见规则（ISO 7064 MOD 11,10）不符，请核对（不影响报备）",
    "permit_format": "「{column}」应为字母J加13位数字",
    "permit_issued_by_ams": (
        "基本存款账户开户不报送「{column}」：它由 AMS 在开户时核发，结果表只列 AMS 核发的编号；"
        "导出表中的值请核对（不影响报备）"
    ),
    "close_reason_unknown": "「{column}」应为 撤并、解散、宣告破产、关闭、被吊销营业执照、转户 或 其它",
    "duplicate_row": "与第{first}行重复（业务类型、账号、日期和内容均相同），不重复报备",
    "conflicting_row": "与第{first}行的业务类型、账号和日期相同但内容不同，需人工核实",
    "before_its_opening": (
        "「{column}」{day} 早于同一文件第{opening}行开户的日期 {opened}：账户开立之前不能变更，"
        "两行的日期必有一处有误；本行需人工核对后办理"
    ),
    "before_its_basic": (
        "「{column}」{day} 早于同一文件第{opening}行该存款人基本存款账户开户的日期 {opened}：基本存款账户"
        "编号开户后才有，两行的日期必有一处有误；本行需人工核对后办理"
    ),
    "approval_required": "存款人类别为「{category}」的{kind}须经人民银行核准，不属于备案，需人工处理",
    "category_code_mismatch": (
        "{column}「{category}」与{code_column}所示的机构类别「{kind}」（{prefix}开头）不符："
        "请核对；非企业存款人开立基本/临时存款账户需人民银行核准"
    ),
    "value_invalid": "「{column}」的值无法识别",
    "approval_unknown": "表头中没有「{column}」列，无法判断该{kind}变更是否须经人民银行核准，需人工处理",
    "approval_unknown_blank": (
        "「{lacking}」为空或没有该列：{kind}撤销须有相符的存款人类别和统一社会信用代码，"
        "才能判断是否须经人民银行核准，需人工处理"
    ),
    "changed_without_column": "变更事项「{items}」要变更「{column}」，但表头中没有该列：请在导出中加入该列",
    "change_items_unread": (
        "变更事项「{items}」中的「{unread}」不是可报备的变更项，未报备：变更事项只写变更了的项"
        "（{known}），用顿号分隔，不写备注、未变更的项或其他内容"
    ),
    "change_items_unknown": "变更事项「{items}」中没有可报备的变更项（{known}）：请写明变更了哪一项",
    "changed_to_blank": "变更事项「{items}」要变更「{column}」，但该格为空：请填写变更后的内容",
    "formula_uncomputed": "「{column}」公式未计算：请在 Excel 中打开并保存后重试",
    "control_char": "「{column}」含有控制字符（如 NUL），不能报送：请检查导出文件后重新导出",
    "formula_stale": ("「{column}」是公式，而工作簿标明打开时须重算，文件中存的结果可能已过时："
                      "请在 Excel 中打开并保存（或把公式粘贴为数值）后重试"),
    "excel_error": ("「{column}」是 Excel 的错误值（如 #N/A、#REF!，公式查找或引用失败），不是数据："
                    "请在原表中改正后重新导出"),
    "placeholder_text": ("「{column}」写的是空值占位（NULL、N/A、-、无 之类），不是数据："
                         "请核对导出，确实没有的留空"),
    "line_break": ("「{column}」格内有换行（Alt+Enter），这一列的值只能是一行（第二行常是备注，"
                   "会连进报送的值）：请去掉换行（备注另放）后重新导出"),
    "rich_text_marked": ("「{column}」中有 {count} 个字设了{mark}，Excel 显示的不是单元格存的文字"
                         "（划掉的旧内容、上标的注记会连进报送的值）：请删去这些字或改为普通文字后重新导出"),
    "scope_gap": ("「{column}」文字之间有换行、制表符、空格或看不见的字符（「{excerpt}」：⏎ 换行，⇥ 制表符，"
                  "␣ 空格，‸ 零宽字符），去掉会把两项连成一项：请按营业执照的写法用、或；分隔（或删去该字符）"
                  "后重新导出"),
    "record_invalid": "「{column}」不符合报备要求：{detail}",
    "record_rule": "该行不符合报备要求：{detail}",
    "deadline_estimated": "报备截止日{due}为估算：{years}年的节假日安排未定（不在日历中，或只有暂定安排）",
    "deadline_overdue": "已超过报备期限（截止{due}）",
    "deadline_earliest": "业务类型或账户性质读不出：报备期限按可能的最早日期{due}计",
    "deadline_from_business": "通知日期读不出或不可用：报备期限暂按业务日期计为{due}，按通知日期计可能更早",
}


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One problem of one row: the column as the sheet writes it, a stable code, a message."""

    column: str
    code: str
    message: str
    severity: Severity = Severity.ERROR
    cell: str | None = None  # e.g. "E12"; None when the sheet has no such column

    def as_dict(self) -> dict[str, str | None]:
        return {
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "severity": self.severity.value,
            "cell": self.cell,
        }


def issue(
    code: str,
    column: str,
    *,
    severity: Severity = Severity.ERROR,
    cell: str | None = None,
    **params: object,
) -> RowIssue:
    """Build an issue from the catalogue; every parameter is scrubbed of personal data."""
    message = _message(code, column, tuple((key, str(value)) for key, value in params.items()))
    return RowIssue(column=column, code=code, message=message, severity=severity, cell=cell)


@lru_cache(maxsize=1024)
def _message(code: str, column: str, params: tuple[tuple[str, str], ...]) -> str:
    """One message text for every row that has the same issue (most rows of a big export share
    theirs, e.g. the same overdue date): 200,000 rows do not hold 200,000 copies of it."""
    values = {key: scrub_text(value) for key, value in params}
    values.setdefault("reason", "")
    return MESSAGES[code].format(column=column, **values)


def shorten(value: object, limit: int = 20) -> str:
    """A raw value fit to quote in a message: one line, at most `limit` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
