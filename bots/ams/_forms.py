"""Filling AMS's 信息录入 forms (开户, 变更, 撤销) from a canonical record.

A form is filled in one round trip (`bots.form_fill`: the page's own css and xpath candidates
from selectors/ams.yaml, input and change events fired; the 未标明注册资金 box is clicked, so its
handler runs). Fields it cannot find that way are filled through Playwright with the remaining
candidates (label, role). The plain strategy fills every field through Playwright instead.
Read-only fields are left alone and must already hold the record's value. Whatever the form
took is then checked on the 信息核对 page, field by field, before 确认提交.
A 变更 leaves the fields it does not change (`record.kept_fields`: no column in the export, or
not named by its 变更事项) as AMS shows them: their steps are not taken at all.

Coded fields (账户性质, 存款人类别, 法定代表人类别, 证件种类, 撤销原因) are chosen by the
option's visible label, as the record carries it: whatever codes the portal gives its options,
the right one is chosen, and a label the portal does not offer ends the row as a business
error naming the labels it does offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams.content import LABEL_FIELDS, CanonicalFiling
from bots.form_fill import Step, fill_fields, fill_fields_one_by_one
from rpa.browser.bound_page import BoundPage
from rpa.browser.selectors import PageSelectors
from rpa.errors import InvalidRecord, NeedsPerson, PortalChanged

if TYPE_CHECKING:
    from playwright.sync_api import Frame

FORM_PAGES: dict[str, str] = {"open": "open_form", "change": "change_form", "close": "close_form"}
_DEPOSITOR_TEXT = ("depositor_name", "uscc", "legal_rep_name", "id_number", "registered_address")
_DEPOSITOR_SELECTS = ("depositor_category", "legal_rep_role", "id_type")
_DEPOSITOR = (*_DEPOSITOR_TEXT, *_DEPOSITOR_SELECTS, "no_registered_capital", "registered_capital",
              "business_scope", "bank_code", "basic_account_permit")
# every element a form's steps may use (form_steps), whatever the record: checked before a run
FORM_ELEMENTS: dict[str, tuple[str, ...]] = {
    "open": ("account_no", "account_kind", "business_date", *_DEPOSITOR),
    "change": ("account_no", "business_date", "change_items", *_DEPOSITOR),
    "close": ("account_no", "basic_account_permit", "business_date", "close_reason"),
}
# field -> the label AMS shows for it (the first of content.LABEL_FIELDS), for messages
_FIELD_LABELS: dict[str, str] = {field: label for label, field in reversed(LABEL_FIELDS.items())}


def _text(value: object | None) -> str:
    """A text as the record holds it: AMS stores what is typed, so full-width （）；： stay as
    registered (comparisons, not the form, set width aside)."""
    return "" if value is None else str(value).strip()


def _capital_steps(record: CanonicalFiling) -> list[Step]:
    amount = codes.capital_text(record.registered_capital_yuan)
    if amount:  # untick 未标明 first: its handler enables the amount
        return [Step("no_registered_capital", False, "check"), Step("registered_capital", amount)]
    return [Step("registered_capital", ""), Step("no_registered_capital", True, "check")]


def _depositor_steps(record: CanonicalFiling) -> list[Step]:
    kept = record.kept_fields  # not in the export, or not a change item: AMS keeps its value
    steps = [Step(name, _text(getattr(record, name))) for name in _DEPOSITOR_TEXT if name not in kept]
    steps += [
        Step(name, str(getattr(record, name)), "option") for name in _DEPOSITOR_SELECTS if name not in kept
    ]
    if "registered_capital_yuan" not in kept:
        steps += _capital_steps(record)
    steps += [
        Step(name, _text(getattr(record, name)))
        for name in ("business_scope", "bank_code", "basic_account_permit")
        if name not in kept
    ]
    return steps


def form_steps(record: CanonicalFiling) -> list[Step]:
    """What to set on the record's action form, in order."""
    day = record.business_date.isoformat()
    if record.action == "open":
        head = [
            Step("account_no", record.account_no),
            Step("account_kind", record.account_kind_label, "option"),
            Step("business_date", day),
        ]
        return head + _depositor_steps(record)
    if record.action == "change":
        head = [
            Step("account_no", record.account_no),
            Step("business_date", day),
            Step("change_items", _text(record.change_items)),
        ]
        return head + _depositor_steps(record)
    return [
        Step("account_no", record.account_no),
        Step("basic_account_permit", _text(record.basic_account_permit)),
        Step("business_date", day),
        Step("close_reason", _text(record.close_reason), "option"),
    ]


# the lists whose every value DOMAIN.md fixes (账户性质, 存款人类别 01-17, 法定代表人类别) and the
# validator holds a row to: one of them missing from AMS's list is the page's drift (tester AS of
# 2026-12-07: 1-基本户, 01-企业法人（公司）), stopping the run, never every row sent back to the clerk
# as its data's fault; 证件种类 and 撤销原因 are AMS's to offer, a value it has not is the row's
FIXED_LISTS = frozenset({"account_kind", "depositor_category", "legal_rep_role"})
# and the values of other lists DOMAIN.md gives AMS's codes for (证件种类 1 and 9)
FIXED_VALUES = {"id_type": frozenset({"居民身份证", "其它"})}


def fill_form(
    frame: Frame,
    form: BoundPage,
    page: PageSelectors,
    steps: list[Step],
    record: CanonicalFiling,
    *,
    one_round_trip: bool = True,
) -> None:
    """Set every step on the form shown in `frame` (see the module docstring); without
    `one_round_trip`, through Playwright field by field (the plain strategy)."""
    form.require(*(s.element for s in steps))
    if one_round_trip:
        left_over = fill_fields(frame, form, page, steps)
    else:
        left_over = fill_fields_one_by_one(form, steps)
    for step, left in left_over:
        if left.reason == "read_only":
            _must_already_hold(step, left.shown, record)
        else:  # no such option
            field = _FIELD_LABELS.get(step.element, step.element)
            # ； between options: 居民委员会、村民委员会、社区委员会 is one (tester AS)
            offered = "；".join(x for x in (left.shown or "").split("\n") if x) or "无"
            if step.element in FIXED_LISTS or str(step.value) in FIXED_VALUES.get(step.element, ()):
                # a value AMS's list always has (tester AS; AV: 1-身份证 for 1-居民身份证): it changed
                raise PortalChanged(
                    f"{codes.filing_words(record.action, record.account_no)}：AMS的「{field}」下拉选项中"
                    f"没有「{step.value}」（可选：{offered}）：这一栏的取值固定，AMS 的页面可能已改版，"
                    "未提交",
                    code="option_list_changed", details={"field": step.element, "offered": offered})
            raise InvalidRecord(
                f"{codes.filing_words(record.action, record.account_no)}："
                f"AMS的「{field}」没有「{step.value}」这一项，可选：{offered}",
                code="no_such_option",
                details={"field": step.element, "label": field, "value": str(step.value), "offered": offered},
            )


def _must_already_hold(step: Step, shown: str | None, record: CanonicalFiling) -> None:
    if step.kind == "check":
        return
    if step.kind == "option" and codes.option_label(shown) == codes.option_label(str(step.value)):
        return
    if step.kind == "value" and codes.plain(shown) == codes.plain(str(step.value)):
        return
    what = codes.filing_words(record.action, record.account_no)
    raise NeedsPerson(
        f"{what}："
        f"AMS 为该账户显示的只读字段 {step.element} 与输入行不同，表单改不了它：需人工决定",
        code="read_only_field_differs",
        details={"status": "held", "field": step.element},
    )
