"""A run's done items' payloads masked in the queue (SQLite and PostgreSQL); the others kept. The
same payload's personal values, which a failure screenshot masks wherever its page shows them."""

from __future__ import annotations

from rpa.masking import FieldClass, mask, mask_payload, personal_values, scrub_text
from rpa.queue.work_queue import ItemState, NewItem, WorkQueue

RUN = "20261127-093000-account-filing-abc123"
KEPT = frozenset({"row", "business_date"})
PAYLOAD = {
    "row": 7,
    "record": {"legal_rep_name": "欧阳建国", "id_number": "44030419850312451X", "business_date": "2026-11-20",
               "registered_capital_yuan": "500000.00", "notes": ["张三丰代办"]},
}


def test_mask_payload_masks_every_text_but_the_kept_fields() -> None:
    masked = mask_payload(PAYLOAD, KEPT)
    assert masked == {
        "row": 7,
        "record": {
            "legal_rep_name": "欧***", "id_number": "**************451X", "business_date": "2026-11-20",
            "registered_capital_yuan": "*****0.00", "notes": ["张****"],
        },
        "_masked": True,
    }


def test_personal_values_are_the_texts_mask_payload_masks() -> None:
    payload = {**PAYLOAD, "action": "open", "sheet": "开户", "note": " 王 ", "tags": ["李", "周 敏"]}
    kept = KEPT | {"action", "sheet"}
    assert personal_values(payload, kept) == [
        "欧阳建国", "44030419850312451X", "500000.00", "张三丰代办", "周 敏",  # not 王 nor 李: too short
    ]
    assert personal_values(payload, None) == []  # the flow's payloads hold no personal data


def test_only_done_items_are_masked_and_only_once(db_url: str) -> None:
    queue = WorkQueue(db_url)
    queue.create_schema()
    queue.enqueue_many("account-filing", RUN, [
        NewItem("k-done", PAYLOAD, order_group="6222020200112233445"),
        NewItem("k-held", PAYLOAD, order_group="6222020200112233446"),
    ])
    first = queue.claim(run_id=RUN, owner="w1", lease_seconds=30)
    assert first is not None and first.key == "k-done"
    queue.complete(first.id, "w1", {"status": "filed"})
    second = queue.claim(run_id=RUN, owner="w1", lease_seconds=30)
    assert second is not None
    queue.hold(second.id, "w1", "needs_person", "核对")

    calls: list[dict[str, object]] = []

    def masker(payload: dict[str, object]) -> dict[str, object]:
        calls.append(payload)
        return mask_payload(payload, KEPT)

    assert queue.mask_done_payloads(RUN, masker) == 1
    assert queue.mask_done_payloads(RUN, masker) == 0 and len(calls) == 1  # already masked
    done, held = queue.items(RUN)
    assert done.state == ItemState.DONE and done.payload["record"]["id_number"] == "**************451X"
    assert done.order_group == "6222020200112233445" and done.result == {"status": "filed"}
    assert held.state == ItemState.HELD and held.payload == PAYLOAD
    assert held.order_group == "6222020200112233446"


def test_a_filing_s_item_names_reason_and_capital_are_no_personal_values() -> None:
    """Tester S's S8a: a 变更 naming 注册地址 blacked out AMS's label 注册地址 on its failure
    screenshot (a payload text found in the page), and its 注册资金; an address stays personal."""
    from flows.account_filing.flow import AccountFilingFlow

    record = {"action": "change", "change_items": "注册地址", "close_reason": "解散",
              "registered_capital_yuan": "600000.00", "registered_address": "北京市朝阳区8号"}
    found = personal_values({"record": record}, AccountFilingFlow.payload_not_personal)
    assert found == ["北京市朝阳区8号"]


def test_a_value_longer_than_any_number_is_masked_by_its_length() -> None:
    """Tester Y: a 5,000-digit 账号 cell was echoed as 5,000 asterisks."""
    huge = "6" * 4996 + "1234"
    assert mask(huge, FieldClass.ACCOUNT_NO) == "********…（共 5000 位）1234"
    assert scrub_text(f"账号 {huge} 不是有效的账号") == "账号 ********…（共 5000 位）1234 不是有效的账号"
    assert mask("6222020200112233445", FieldClass.ACCOUNT_NO) == "*" * 15 + "3445"  # a real one as before


def test_the_date_in_a_file_name_or_report_id_is_shown_and_numbers_are_not() -> None:
    """Tester BK F15 and BI F9 (2026-12-07): a refusal named 网点经营日报_东城支行_****1204.pdf, a file the
    clerk could not find; a report id's date was masked as if personal. An account number stays masked,
    so does a date-like run standing alone (it may be a phone number) or one that is no date."""
    refused = "拒收：网点经营日报_东城支行_20261204.pdf，第1页"
    assert scrub_text(refused) == refused
    assert scrub_text("D0101-20261204-110101") == "D0101-20261204-110101"
    assert scrub_text("账号 6222021234567890123") == "账号 ***************0123"
    assert scrub_text("电话 20261204") == "电话 ****1204"
    assert scrub_text("报表_20261399.pdf") == "报表_****1399.pdf"
    assert scrub_text("报表_6222021234567890123.pdf") == "报表_***************0123.pdf"
