"""The 说明 of a filed, held, refused or failed row, in Chinese only.

    >>> item_note("held", "check_page_differs", {"fields": ["registered_capital_yuan"]})
    '信息核对页所示的注册资金与输入行不同，未提交：请人工核实'

Exceptions carry English diagnostics for run.log; result.xlsx and report.html show a clerk's
sentence instead, chosen by the error's stable code. A note the flow writes in Chinese
(`WRITTEN_IN_CHINESE`: a run holding the account, a conflicting filing) is kept as it is. An
unknown code is never hidden: the note names the outcome and the code and points to run.log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rpa.outcomes import MAY_BE_DONE, outcome_label

# canonical field -> the label AMS and the export use (the words a clerk knows)
FIELD_LABELS: dict[str, str] = {
    "action": "业务类型",
    "account_no": "账号",
    "account_kind": "账户性质",
    "business_date": "业务日期",
    "depositor_name": "存款人名称",
    "depositor_category": "存款人类别",
    "uscc": "统一社会信用代码",
    "legal_rep_role": "法定代表人类别",
    "legal_rep_name": "法定代表人姓名",
    "id_type": "证件种类",
    "id_number": "证件号码",
    "registered_address": "注册地址",
    "registered_capital_yuan": "注册资金",
    "business_scope": "经营范围",
    "bank_code": "开户银行机构代码",
    "basic_account_permit": "基本存款账户编号",
    "change_items": "变更事项",
    "close_reason": "撤销原因",
    "filing_no": "备案编号",
}
ACTION_LABELS = {"open": "开户", "change": "变更", "close": "撤销"}

# codes whose `note` the flow writes in Chinese, with what only it knows (a run id, a date)
WRITTEN_IN_CHINESE = frozenset({"account_in_other_run", "caught_mid_submit", "filing_conflict",
                                "awaiting_approval", "rejected_by_checker", "account_differs",
                                "earlier_row_unfiled", "later_filing_in_ams", "check_not_passed",
                                "change_alters_nothing"})
# error code -> what a clerk reads (the item's outcome word is added in front)
CODE_NOTES: dict[str, str] = {
    # rpa.run.claims.PAYLOAD_CHANGED: the engine refused an item edited in the queue database
    "payload_changed": "该行在队列数据库中的内容与入队时的签封不符（被改动过），未办理：请查明改动；"
                       "该行仍要报备的，请按导出人工报备后在异常处理中标记",
    "portal_refusal": "AMS拒绝了此笔报备，原因见「门户信息」",
    "close_reason_unknown": "AMS没有输入行中的撤销原因，请核对后重新报备",
    "no_such_option": "AMS的下拉选项中没有输入行的取值，请核对后重新报备",
    "change_alters_nothing": "变更事项所列各项的新值与AMS现值相同，未报备：请核对导出的新值",
    "read_only_field_differs": "AMS中该账户的只读信息与输入行不同，表单无法修改：请人工核实",
    "invalid_record": "输入行的数据AMS不接受，请核对",
    "needs_person": "请人工核实后办理",
    "account_in_other_run": "该账户正由另一运行办理，本行未提交，暂挂",
    "caught_mid_submit": "上一进程在确认提交时中断，AMS查询未见此笔报备，为免重复未提交：请在AMS核实后放行",
    "lease_lost_before_submit": "提交前失去了处理权（可能被其他进程接手），未提交",
    "submitted_elsewhere": "同一账户正由另一运行报备或刚刚报备，本行未提交：重试时会先在AMS查询",
    "portal_timeout": "AMS未在时限内响应",
    "page_timeout": "AMS未在时限内响应",
    "portal_unavailable": "无法打开AMS页面",
    "navigation_failed": "无法打开AMS页面",
    "session_lost": "AMS登录已失效",
    "selector_not_found": "AMS页面上找不到应有的元素（门户可能已改版）",
    "selector_ambiguous": "AMS页面上应有的元素不唯一（门户可能已改版）",
    "portal_changed": "AMS页面与预期不同（门户可能已改版）",
    "history_unreadable": "无法读取AMS中该账户的报备记录",
    "history_incomplete": "AMS中该账户的报备记录未能读全",
    "lookup_other_account": "查询该账户时AMS显示的是另一个账户的信息，未报备",
    "detail_missing": "AMS报备记录中缺少「详情」链接",
    "not_prepared": "信息核对页未显示此笔报备，未提交",
    "unexpected_dialog": "AMS弹出意外的对话框，已关闭，未提交",
    "answer_unreadable": "AMS显示成功，但其结果中没有此账户的备案编号：请在AMS核实",
    "answer_other_account": "AMS显示成功，但回执中是另一个账户：可能报备到了别的账户，未重试，请在AMS核实",
    "answer_other_date": ("AMS显示成功，但回执中的业务日期不是输入行的：可能以别的日期报备，未重试，"
                          "请在AMS核实并更正"),
    "answer_lost": "提交后未见AMS的结果，可能已报备：重试前会先在AMS查询",
    # words met anywhere (a form, 确认提交: then MAY_BE_FILED follows, `item_note`)
    "unknown_portal_message": ("AMS给出了提示目录（config/ams_messages.yaml）中没有的提示，见「门户信息」："
                               "已按系统故障重试；如是拒绝，请运维人员把该提示加入提示目录"),
    "answer_unread_not_found": "AMS曾显示成功（备案编号读不出），查询却未见此笔：未再提交，请在AMS核实",
    "answer_pending": "上次确认提交后AMS没有应答，查询暂未见此笔：可能仍在处理，未再提交，稍后再查询",
    "circuit_open": "连续多次系统错误，运行已停止",
    "login_refused": "AMS拒绝登录",
    "frame_missing": "AMS主页面缺少内容框架",
    "main_page_gone": "AMS主页面未显示",
    "application_error": "系统错误",
}


def field_labels(fields: Iterable[str]) -> str:
    """Field names as the labels a clerk knows, joined with 、 (an unlisted name: 未列名字段)."""
    return "、".join(dict.fromkeys(FIELD_LABELS.get(name, "未列名字段") for name in fields))  # once each (AV)


def done_note(status: str, result: Mapping[str, Any]) -> str:
    """The note of a row the bot finished: the portal's own words for a filing."""
    if status == "already_filed" and result.get("own_submission"):  # `lost_answers`
        # no answer, or one not read as AMS's 成功 or its refusal (a number cut, words unknown: AV, AX)
        return "机器人此前已确认提交，未收到或读不出AMS的应答；查询见AMS已有此笔报备（即该次提交），未再提交"
    if status == "already_filed":
        return "AMS中已有此笔报备（业务类型、日期和内容相同），未再提交"
    if status == "would_file":
        return "演练：已在AMS中查询，未提交"
    return str(result.get("portal_message") or result.get("note") or "")


MAY_BE_FILED = ("此前一次确认提交未收到或读不出AMS的应答，可能已报备："
                "请勿人工报备，用 rpa cases retry 重试（先在AMS查询）")


def item_note(status: str, code: str | None, result: Mapping[str, Any]) -> str:
    """The note of a row that ended refused, rejected, held, failed or unfinished; a failed or
    unfinished one an earlier 确认提交 of which got no answer says it may be filed."""
    note = _item_note(status, code, result)
    said_so = code in ("answer_lost", "answer_pending")  # their own notes say so already
    if status in ("failed", "pending") and result.get(MAY_BE_DONE) and not said_so:
        return f"{note}；{MAY_BE_FILED}"
    return note


def _item_note(status: str, code: str | None, result: Mapping[str, Any]) -> str:
    fields = result.get("fields")
    if code == "check_page_differs" and isinstance(fields, list):
        return f"信息核对页所示的{field_labels(fields)}与输入行不同，未提交：请人工核实"
    if code == "check_page_alters_kept" and isinstance(fields, list):
        return (f"信息核对页所示的{field_labels(fields)}与AMS现值不同（本次变更不改这些项，表单却会改），"
                "未提交：请人工核实")
    read_only = result.get("field")
    if code == "read_only_field_differs" and isinstance(read_only, str):  # tester AD: named no field
        return (f"AMS中该账户的{field_labels([read_only])}在表单上只读、改不了，与输入行不同，未提交："
                "请核实；确需变更的，不能通过备案变更办理")
    label, value = result.get("label"), result.get("value")
    if code == "no_such_option" and label and value:
        offered = result.get("offered") or "无"
        return f"AMS的「{label}」下拉选项中没有输入行的取值「{value}」（可选：{offered}），请核对后重新报备"
    kept = str(result.get("note") or "")
    if kept and code in WRITTEN_IN_CHINESE:
        return kept
    if not code:
        return "运行结束时尚未办理：续跑即可办完" if status == "pending" else outcome_label(status)
    text = CODE_NOTES.get(code)
    if text is None and result.get("portal_message"):  # AMS's own words are in 门户信息 (tester AI)
        return f"{CODE_NOTES['portal_refusal']}（错误代码 {code}）"
    if text is None:  # run.log is for the operations staff: the console gives it to no clerk
        return f"{outcome_label(status)}（错误代码 {code}）：详情在运行日志中，请运维人员查看"
    return text

