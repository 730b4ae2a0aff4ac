"""A 无字号个体工商户 is named by its owner's own name: wherever a diagnostic or a list shows a
row's 存款人名称 (the 复核 review, `rpa approvals list`, 异常处理), it is masked as report.html
masks it (`registry.personal_class`), and an enterprise's name is shown. Real SQLite queue,
records hold labels as the reader leaves them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.ams.pages.history import AccountHistory
from flows.account_filing.approval_gate import awaiting_approval
from flows.account_filing.records import FilingRecord
from rpa.approvals.decisions import waiting
from rpa.audit.log import AuditLog
from rpa.casework.cases import open_cases
from rpa.queue.work_queue import NewItem, WorkQueue
from rpa.settings import Settings

RUN = "20261205-031334-account_filing-c1109a"
OWNER, ENTERPRISE, OWNED = "陈小明", "厦门海联贸易有限公司", "无字号个体工商户"


def _record(name: str, category: str, account: str = "6228480012345670027") -> dict[str, Any]:
    return {"action": "open", "account_no": account, "account_kind": "general", "business_date": "2026-12-02",
            "depositor_name": name, "depositor_category": category,
            "uscc": "91350200776049653A", "legal_rep_role": "法定代表人", "legal_rep_name": "李四",
            "id_type": "居民身份证", "id_number": "360426199101010071",
            "registered_address": "厦门市思明区湖滨南路1号", "registered_capital_yuan": "5000000.00",
            "business_scope": "货物进出口", "bank_code": "102100099996",
            "basic_account_permit": "J3930000123401"}


@pytest.mark.parametrize(("category", "shown"), [("无字号个体工商户", "陈**"), ("企业法人", OWNER)])
def test_a_review_masks_an_owner_s_name(category: str, shown: str) -> None:
    record = FilingRecord.model_validate(_record(OWNER, category))
    hold = awaiting_approval(record, AccountHistory(record.account_no, False), lambda entry: {},
                             ["depositor_name", "legal_rep_name"])
    fields = {f["label"]: f["send"] for f in hold.details["review"]["fields"]}
    assert fields == {"存款人名称": shown, "法定代表人姓名": "李*"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A run with an owner-named row waiting for a checker, its review kept as it was before the
    rule (unmasked), and an owner-named row and an enterprise's row that AMS refused."""
    cfg = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    folder = cfg.runs_dir / RUN
    folder.mkdir(parents=True)
    info = {"run_id": RUN, "flow": "account-filing",
            "parameters": {"maker": "op1", "flow_params": {"input": str(tmp_path / "x.xlsx")}},
            "started_at": "2026-12-05T03:13:34+08:00"}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    queue = WorkQueue.from_settings(cfg)
    queue.create_schema()
    AuditLog.from_settings(cfg).create_schema()
    rows = {2: _record(OWNER, OWNED, "6228480012345670027"),
            3: _record("黄小红", OWNED, "6228480012345670035"),
            4: _record(ENTERPRISE, "企业法人", "6228480012345670043")}
    queue.enqueue_many("account-filing", RUN, [
        NewItem(f"open:{record['account_no']}:2026-12-02:{row:016d}",
                {"row": row, "sheet": "Sheet1", "record": record, "approval": "required"},
                order_group=record["account_no"])
        for row, record in rows.items()])
    for row in rows:
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
        assert item is not None
        if row == 2:
            review = {"action": "开户", "account": "***************0027", "business_date": "2026-12-02",
                      "fields": [{"label": "存款人名称", "send": OWNER, "ams": None, "changed": True}]}
            queue.hold(item.id, "w1", "awaiting_approval", "waits",
                       result={"status": "awaiting_approval", "review": review})
        else:
            queue.fail_business(item.id, "w1", "portal_refusal", "基本存款账户不存在",
                                result={"status": "refused", "portal_message": "基本存款账户不存在"})
    return cfg


def test_the_checker_s_list_masks_an_owner_s_name_even_in_a_review_kept_unmasked(settings: Settings) -> None:
    [run] = waiting(settings)
    [row] = run.rows
    assert [(f.label, f.send) for f in row.fields] == [("存款人名称", "陈**")]


def test_exceptions_mask_an_owner_s_name_and_show_an_enterprise_s(settings: Settings) -> None:
    [run] = open_cases(settings)
    names = {case.row: {f.label: f.value for f in case.fields}["存款人名称"] for case in run.cases}
    assert names == {3: "黄**", 4: ENTERPRISE}


@pytest.mark.parametrize(("category", "code", "shown"), [
    (None, "92350200MA31TR8QX", "陈**"),  # no 存款人类别 column: a 个体工商户's credit code (9-2) masks
    (None, "91350200776049653", OWNER),  # an enterprise's code (9-1): shown
    ("企业法人", "92350200MA31TR8QX", OWNER),  # a category that reads decides
])
def test_without_a_category_a_sole_trader_s_credit_code_masks_his_name(
    category: str | None, code: str, shown: str
) -> None:
    """The review of 2026-12-05: a sole trader's name and address stayed whole in an export
    without a 存款人类别 column (the category, not the code, decided)."""
    from tests.check_exports import uscc

    # a 变更 of an export without the column (a 开户 must state it)
    record = FilingRecord.model_validate({**_record(OWNER, "企业法人"), "depositor_category": category,
                                          "uscc": uscc(code), "action": "change",
                                          "change_items": "存款人名称、注册地址",
                                          "absent_fields": [] if category else ["depositor_category"]})
    hold = awaiting_approval(record, AccountHistory(record.account_no, False), lambda entry: {},
                             ["depositor_name", "registered_address"])
    fields = {f["label"]: f["send"] for f in hold.details["review"]["fields"]}
    assert fields["存款人名称"] == shown
    assert (fields["注册地址"] == "厦门市思明区湖滨南路1号") is (shown == OWNER), fields


def test_a_review_and_exceptions_show_the_bank_code_and_capital_whole(settings: Settings) -> None:
    """Tester BJ F12 (2026-12-07): the checker saw 开户银行机构代码 ********0013 and a 注册资金 of 2 000
    万元 as ****0000.00, so could not check what was to be filed: a bank's code and an amount are
    not personal data. The account number and the person's ID stay masked."""
    record = FilingRecord.model_validate({**_record(ENTERPRISE, "企业法人"), "bank_code": "102100000013",
                                          "registered_capital_yuan": "20000000.00"})
    hold = awaiting_approval(record, AccountHistory(record.account_no, False), lambda entry: {},
                             ["bank_code", "registered_capital_yuan", "id_number"])
    fields = {f["label"]: f["send"] for f in hold.details["review"]["fields"]}
    assert fields["开户银行机构代码"] == "102100000013"
    assert fields["注册资金"] == "20000000.00"
    assert fields["证件号码"] == "**************0071"
    [run] = open_cases(settings)
    shown = {f.label: f.value for f in next(c for c in run.cases if c.row == 4).fields}
    assert shown["开户银行机构代码"] == "102100099996" and "6228480012345670043" not in str(shown)
