"""Payload seals (`rpa.seals`) on SQLite and PostgreSQL: every payload the queue writes is sealed
under the audit key, and an edit of the database (the payload, the seal, the key) is told apart
from every write of the queue's own: enqueue, a correction, a checker's mark, masking, a redo
and a later run taking items over. A database made before the seal column gets one for each
item it holds when the column is added.

The edits are written with plain SQL, as someone with the database's password would.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from rpa.queue.work_queue import ItemState, NewItem, WorkItem, WorkQueue
from rpa.seals import payload_seal

FLOW, RUN, LATER = "account-filing", "run-a", "run-b"
KEY = b"s" * 32
# what a filing payload holds: nested texts, a number, a flag, Chinese (JSONB must seal alike)
PAYLOAD = {"row": 12, "dry_run": False, "fee": 0.1,
           "record": {"account_no": "6228480030000012", "registered_address": "北京市朝阳区建国路8号"}}


def _queue(url: str, key: bytes | None = KEY) -> WorkQueue:
    queue = WorkQueue(url, max_attempts=3, seal_key=(lambda: key) if key else None)
    queue.create_schema()
    return queue


def _edit(url: str, sql: str, **params: object) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def _one(queue: WorkQueue, key: str = "change:6228480030000012") -> WorkItem:
    [result] = queue.enqueue_many(FLOW, RUN, [NewItem(key, json.loads(json.dumps(PAYLOAD)))])
    return queue.get(result.item_id)


def test_an_enqueued_payload_is_sound_until_the_database_is_edited(db_url: str) -> None:
    queue = _queue(db_url)
    item = _one(queue)
    assert item.payload_seal == payload_seal(KEY, FLOW, item.key, PAYLOAD)
    assert queue.payload_sound(item)
    assert queue.payload_sound(queue.claim(run_id=RUN, owner="w1", lease_seconds=30) or item)

    new_payload = json.dumps({**PAYLOAD, "record": {**PAYLOAD["record"], "registered_address": "伪造地址"}},
                             ensure_ascii=False)
    _edit(db_url, "UPDATE queue_items SET payload = :p WHERE id = :i", p=new_payload, i=item.id)
    assert not queue.payload_sound(queue.get(item.id))
    # the seal taken away, or copied from another item, does not make it sound again
    other = _one(queue, "change:6228480030000013")
    _edit(db_url, "UPDATE queue_items SET payload_seal = NULL WHERE id = :i", i=item.id)
    assert not queue.payload_sound(queue.get(item.id))
    _edit(db_url, "UPDATE queue_items SET payload_seal = :s WHERE id = :i", s=other.payload_seal, i=item.id)
    assert not queue.payload_sound(queue.get(item.id))
    # a payload moved to another key, as it was
    _edit(db_url, "UPDATE queue_items SET key = key || 'x' WHERE id = :i", i=other.id)
    assert not queue.payload_sound(queue.get(other.id))
    # the seal is keyed: another key's queue calls even an untouched payload unsound
    untouched = _one(queue, "change:6228480030000014")
    assert not _queue(db_url, b"t" * 32).payload_sound(untouched)


def test_every_write_of_the_queue_keeps_the_payload_sound(db_url: str) -> None:
    queue = _queue(db_url)
    corrected, approved, masked, redone, moved = (
        _one(queue, f"change:622848003000002{n}") for n in range(5))
    for _ in range(4):
        claimed = queue.claim(run_id=RUN, owner="w1", lease_seconds=30)
        assert claimed is not None
        if claimed.id == approved.id:
            queue.hold(claimed.id, "w1", "awaiting_approval", "待复核")
        elif claimed.id == corrected.id:
            queue.hold(claimed.id, "w1", "permit_mismatch", "许可证号不符")
        elif claimed.id == masked.id:
            queue.complete(claimed.id, "w1", {"status": "filed"})
        else:
            queue.fail_business(claimed.id, "w1", "portal_refusal", "拒绝")

    assert queue.refile(RUN, corrected.id, {**PAYLOAD, "row": 99}, [ItemState.HELD])
    assert queue.approve_held(RUN, [approved.id], "awaiting_approval", {"approved_by": "li"}) == [approved.id]
    assert queue.mask_done_payloads(RUN, lambda payload: {**payload, "masked": True}) == 1
    assert queue.redo(RUN, LATER, {redone.id: {**PAYLOAD, "asked_again": True}}) == [redone.id]
    assert queue.take_over([moved.id], RUN, LATER) == [moved.id]

    for item in (corrected, approved, masked, redone, moved):
        now = queue.get(item.id)
        assert now.payload != PAYLOAD or item is moved
        assert queue.payload_sound(now), now


def test_no_write_of_the_queue_makes_an_edited_payload_sound_again(db_url: str) -> None:
    queue = _queue(db_url)
    corrected, approved, masked = (_one(queue, f"open:622848003000003{n}") for n in range(3))
    for _ in range(3):
        claimed = queue.claim(run_id=RUN, owner="w1", lease_seconds=30)
        assert claimed is not None
        if claimed.id == masked.id:
            queue.complete(claimed.id, "w1", {"status": "filed"})
        else:
            queue.hold(claimed.id, "w1", "awaiting_approval", "待复核")
        _edit(db_url, "UPDATE queue_items SET payload = :p WHERE id = :i", p=json.dumps({"row": 1}),
              i=claimed.id)

    assert queue.refile(RUN, corrected.id, {"row": 1, "phone": "01065550000"}, [ItemState.HELD])
    assert queue.approve_held(RUN, [approved.id], "awaiting_approval", {"approved_by": "li"}) == [approved.id]
    assert queue.mask_done_payloads(RUN, lambda payload: {**payload, "masked": True}) == 1
    for item in (corrected, approved, masked):
        assert not queue.payload_sound(queue.get(item.id))


def test_a_database_made_before_seals_gets_one_for_each_item_it_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    old = _queue(url, key=None)  # no key: the version before seals wrote none
    item = _one(old)
    assert item.payload_seal is None
    with sqlite3.connect(tmp_path / "queue.db") as conn:  # as that version left the table
        conn.execute("ALTER TABLE queue_items DROP COLUMN payload_seal")

    upgraded = _queue(url)
    assert upgraded.payload_sound(upgraded.get(item.id))
    assert upgraded.get(item.id).payload_seal == payload_seal(KEY, FLOW, item.key, PAYLOAD)


def test_a_queue_without_the_key_neither_seals_nor_refuses(db_url: str) -> None:
    queue = _queue(db_url, key=None)
    item = _one(queue)
    assert item.payload_seal is None and queue.payload_sound(item)


@pytest.mark.parametrize("payload", [{}, {"a": [1, 2.5, None, True]}, {"名称": "某某有限公司\u00a0"}])
def test_a_seal_reads_the_payload_whatever_its_shape(db_url: str, payload: dict[str, object]) -> None:
    queue = _queue(db_url)
    [result] = queue.enqueue_many(FLOW, RUN, [NewItem(f"k:{len(json.dumps(payload))}", payload)])
    assert queue.payload_sound(queue.get(result.item_id))
