"""The audit chain: appends, masking, and every kind of tampering named at the right seq.

Every test runs on a SQLite file and on a fresh database in the throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from rpa.audit.chain import GENESIS, AuditEvent, canonical_json
from rpa.audit.log import OUTSIDE_RUN, AuditLog
from rpa.db import engine_for
from rpa.masking import FieldClass, item_ref, register_secret

KEY = b"unit-test-audit-key-0123456789abcdef"
EVENTS = 8


@pytest.fixture
def log(db_url: str) -> AuditLog:
    audit = AuditLog(db_url, KEY)
    audit.create_schema()
    return audit


@pytest.fixture
def run_id() -> str:
    return f"R-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def filled(log: AuditLog, run_id: str) -> AuditLog:
    for n in range(EVENTS):
        log.append(run_id, "worker-1", f"step_{n + 1}", item_key=f"item-{n}", details={"n": n})
    return log


def _engine(log: AuditLog) -> Engine:
    return engine_for(log._url)


def _tamper(log: AuditLog, change: Callable[[Connection], object]) -> None:
    """Run raw SQL as an attacker with full database rights (who first drops the guards)."""
    engine = _engine(log)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        change(conn)


def _sql(conn: Connection, statement: str, **params: object) -> None:
    conn.execute(text(statement), params)


def _shift(conn: Connection, run: str, from_seq: int, by: int) -> None:
    """Renumber seq >= from_seq by `by` in two steps (the unique (run_id, seq) constraint)."""
    where = "run_id = :r AND seq >= :s"
    _sql(conn, f"UPDATE audit_events SET seq = -seq WHERE {where}", r=run, s=from_seq)
    _sql(conn, "UPDATE audit_events SET seq = -seq + :by WHERE run_id = :r AND seq < 0", r=run, by=by)


def _insert_row(conn: Connection, event: AuditEvent) -> None:
    row = event.as_dict()
    row["details"] = canonical_json(event.details)
    _sql(
        conn,
        "INSERT INTO audit_events (run_id, seq, time, actor, event, item_ref, details, prev_hash, hash) "
        "VALUES (:run_id, :seq, :time, :actor, :event, :item_ref, :details, :prev_hash, :hash)",
        **row,
    )


def _forged(template: AuditEvent, seq: int, prev_hash: str) -> AuditEvent:
    fake = replace(template, seq=seq, event="forged_submit", details={"n": 99}, prev_hash=prev_hash, hash="")
    return replace(fake, hash=hashlib.sha256(canonical_json(fake.as_dict()).encode()).hexdigest())


def _unkeyed_rebuild(events: list[AuditEvent]) -> list[AuditEvent]:
    """What an attacker without the key can do: edit, then rebuild every hash with plain SHA-256."""
    rebuilt: list[AuditEvent] = []
    prev = GENESIS
    for event in events:
        details = {"n": 1000} if event.seq == 3 else event.details
        unsigned = replace(event, details=details, prev_hash=prev, hash="")
        fields = unsigned.as_dict()
        del fields["hash"]
        prev = hashlib.sha256(canonical_json(fields).encode()).hexdigest()
        rebuilt.append(replace(unsigned, hash=prev))
    return rebuilt


# --- appending ---------------------------------------------------------------------------------


def test_append_builds_a_linked_chain_with_offset_times(filled: AuditLog, run_id: str) -> None:
    events = filled.events(run_id)
    assert [e.seq for e in events] == list(range(1, EVENTS + 1))
    assert events[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert all(e.time.endswith("+08:00") and "T" in e.time for e in events)
    assert events[2].item_ref == item_ref("item-2", KEY)
    assert events[2].details == {"n": 2}
    result = filled.verify(run_id)
    assert result.ok and result.checked == EVENTS and result.first_bad_seq is None
    assert str(result) == f"审计链完整：已核对 {EVENTS} 条事件"


def test_actions_outside_a_run_have_their_own_chain(log: AuditLog, run_id: str) -> None:
    log.append(run_id, "cli", "run_started")
    first = log.append(None, "cli", "settings_changed")
    log.append(None, "cli", "audit_exported")
    assert (first.run_id, first.seq) == (OUTSIDE_RUN, 1)
    assert [e.seq for e in log.events(None)] == [1, 2]
    assert [e.seq for e in log.events(run_id)] == [1]
    assert log.run_ids() == sorted([run_id, OUTSIDE_RUN])
    assert log.verify(None).ok


def test_timezone_setting_gives_the_offset(db_url: str, run_id: str) -> None:
    utc_log = AuditLog(db_url, KEY, timezone="UTC")
    utc_log.create_schema()
    assert utc_log.append(run_id, "cli", "run_started").time.endswith("+00:00")


def test_unknown_chain_does_not_verify(log: AuditLog) -> None:
    result = log.verify("no-such-run")
    assert not result.ok and result.checked == 0 and "数据库中没有 no-such-run 的审计链" in str(result)


def test_from_settings_uses_the_database_and_the_key_file(isolated_settings: Path) -> None:
    from rpa.settings import Settings

    settings = Settings()
    audit = AuditLog.from_settings(settings)
    audit.create_schema()
    audit.append("R1", "cli", "run_started")
    assert (isolated_settings / "queue.db").exists()
    assert settings.audit_key_file.exists() and not settings.audit_key_file.is_relative_to(isolated_settings)
    assert AuditLog(settings.database_url_resolved, settings.audit_key_bytes()).verify("R1").ok


def test_the_events_table_refuses_update_and_delete(filled: AuditLog, run_id: str) -> None:
    engine = _engine(filled)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            _sql(conn, f"{statement} WHERE run_id = :r", r=run_id)
    assert len(filled.events(run_id)) == EVENTS


# --- masking -------------------------------------------------------------------------------------

PERSONAL = {
    "account_no": "6222020200112233445",
    "id_number": "11010519491231002X",
    "uscc": "91350100M000100Y43",
    "legal_rep_name": "张三丰",
}
CLASSES = {
    "account_no": FieldClass.ACCOUNT_NO,
    "id_number": FieldClass.ID_NUMBER,
    "uscc": FieldClass.CREDIT_CODE,
    "legal_rep_name": FieldClass.PERSON_NAME,
    "password": FieldClass.SECRET,
}
MASKED = ["***************3445", "**************002X", "**************0Y43", "张**"]


def test_details_are_masked_by_field_class_in_database_and_export(
    log: AuditLog, run_id: str, tmp_path: Path
) -> None:
    registered = f"tok-{uuid.uuid4().hex}"
    register_secret(registered)
    class_secret = f"pw-{uuid.uuid4().hex}"
    details = {
        **PERSONAL,
        "password": class_secret,
        "note": f"portal answered with session {registered}",
        "free_text": "代码 91350100M000100Y43 账号 6222020200112233445",
        "rows": [{"legal_rep_name": "李四"}],
        "count": 3,
    }
    event = log.append(
        run_id,
        "worker-1",
        "item_done",
        item_key="open:6222020200112233445",
        details=details,
        field_classes=CLASSES,
    )
    assert event.details["account_no"] == MASKED[0] and event.details["legal_rep_name"] == "张**"
    assert event.details["rows"] == [{"legal_rep_name": "李*"}] and event.details["count"] == 3
    with _engine(log).connect() as conn:
        stored = " ".join(
            str(v)
            for row in conn.execute(text("SELECT * FROM audit_events WHERE run_id = :r"), {"r": run_id})
            for v in row
        )
    exported = log.export(run_id, tmp_path / "run" / "audit.jsonl").read_text(encoding="utf-8")
    for place in (stored, exported):
        for raw in [*PERSONAL.values(), "李四", registered, class_secret, "0200112233445"]:
            assert raw not in place
        for masked in MASKED:
            assert masked in place
    assert log.verify_export(tmp_path / "run" / "audit.jsonl").ok


# --- tampering in the database --------------------------------------------------------------------

Tampering = Callable[[Connection, str, list[AuditEvent]], None]


def _edit_details(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _sql(conn, "UPDATE audit_events SET details = :d WHERE run_id = :r AND seq = 3", r=run, d='{"n":7}')


def _edit_time(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _sql(
        conn,
        "UPDATE audit_events SET time = :t WHERE run_id = :r AND seq = 6",
        r=run,
        t="2020-01-01T00:00+08:00",
    )


def _delete_one(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _sql(conn, "DELETE FROM audit_events WHERE run_id = :r AND seq = 4", r=run)


def _delete_last(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _sql(conn, "DELETE FROM audit_events WHERE run_id = :r AND seq = :s", r=run, s=EVENTS)


def _delete_and_renumber(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _delete_one(conn, run, events)
    _shift(conn, run, 5, -1)
    _sql(conn, "UPDATE audit_heads SET last_seq = :s WHERE run_id = :r", r=run, s=EVENTS - 1)


def _insert_in_the_middle(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _shift(conn, run, 5, 1)
    _insert_row(conn, _forged(events[0], 5, events[3].hash))


def _insert_at_the_end(conn: Connection, run: str, events: list[AuditEvent]) -> None:
    _insert_row(conn, _forged(events[0], EVENTS + 1, events[-1].hash))


def _swapping(a: int, b: int) -> Tampering:
    def swap(conn: Connection, run: str, events: list[AuditEvent]) -> None:
        _sql(conn, "UPDATE audit_events SET seq = -1 WHERE run_id = :r AND seq = :a", r=run, a=a)
        _sql(conn, "UPDATE audit_events SET seq = :a WHERE run_id = :r AND seq = :b", r=run, a=a, b=b)
        _sql(conn, "UPDATE audit_events SET seq = :b WHERE run_id = :r AND seq = -1", r=run, b=b)

    return swap


DB_TAMPERING: dict[str, tuple[Tampering, int, str]] = {
    "edit details": (_edit_details, 3, "edited"),
    "edit time": (_edit_time, 6, "edited"),
    "delete one": (_delete_one, 4, "missing/deleted"),
    "delete the last": (_delete_last, EVENTS, "missing/deleted"),
    "delete and renumber": (_delete_and_renumber, 4, "missing/deleted"),
    "insert in the middle": (_insert_in_the_middle, 5, "inserted"),
    "insert at the end": (_insert_at_the_end, EVENTS + 1, "inserted"),
    "swap two seqs": (_swapping(2, 6), 2, "out of order"),
    "swap neighbours": (_swapping(3, 4), 3, "out of order"),
}


@pytest.mark.parametrize("case", list(DB_TAMPERING))
def test_tampering_in_the_database_is_named(filled: AuditLog, run_id: str, case: str) -> None:
    change, bad_seq, kind = DB_TAMPERING[case]
    events = filled.events(run_id)
    _tamper(filled, lambda conn: change(conn, run_id, events))
    result = filled.verify(run_id)
    assert not result.ok
    assert (result.first_bad_seq, result.kind) == (bad_seq, kind)
    assert result.checked == bad_seq - 1
    assert str(result).startswith(f"第 {bad_seq} 条事件")


def test_a_database_chain_rebuilt_with_plain_sha256_fails(filled: AuditLog, run_id: str) -> None:
    rebuilt = _unkeyed_rebuild(filled.events(run_id))

    def rewrite(conn: Connection) -> None:
        _sql(conn, "DELETE FROM audit_events WHERE run_id = :r", r=run_id)
        for event in rebuilt:
            _insert_row(conn, event)
        _sql(conn, "UPDATE audit_heads SET last_hash = :h WHERE run_id = :r", r=run_id, h=rebuilt[-1].hash)

    _tamper(filled, rewrite)
    result = filled.verify(run_id)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.kind == "edited"
    assert result.reason is not None and "不用密钥的 SHA-256" in result.reason


def test_another_key_does_not_verify(filled: AuditLog, run_id: str, db_url: str) -> None:
    result = AuditLog(db_url, b"some-other-key").verify(run_id)
    assert (result.ok, result.first_bad_seq) == (False, 1)


# --- tampering in the export ----------------------------------------------------------------------


def _edit_line(lines: list[str], index: int) -> None:
    data = json.loads(lines[index])
    data["details"] = {"n": 12345}
    lines[index] = json.dumps(data, ensure_ascii=False)


def _replace_in_line(lines: list[str], index: int, old: str, new: str) -> None:
    lines[index] = lines[index].replace(old, new)


def _swap(lines: list[str], a: int, b: int) -> None:
    lines[a], lines[b] = lines[b], lines[a]


def _insert_forged(lines: list[str], index: int) -> None:
    previous = AuditEvent(**json.loads(lines[index - 1]))
    lines.insert(index, canonical_json(_forged(previous, index + 1, previous.hash).as_dict()))


EXPORT_TAMPERING: dict[str, tuple[Callable[[list[str]], object], int, str]] = {
    "edit a line": (lambda lines: _edit_line(lines, 2), 3, "edited"),
    "break a line": (lambda lines: _replace_in_line(lines, 4, '"seq":5', '"seq":"5"'), 5, "edited"),
    "delete a line": (lambda lines: lines.pop(3), 4, "missing/deleted"),
    "delete the first line": (lambda lines: lines.pop(0), 1, "missing/deleted"),
    "delete the last line": (lambda lines: lines.pop(), EVENTS, "missing/deleted"),
    "insert a forged line": (lambda lines: _insert_forged(lines, 4), 5, "inserted"),
    "insert a copied line": (lambda lines: lines.insert(5, lines[1]), 6, "inserted"),
    "swap two lines": (lambda lines: _swap(lines, 1, 6), 2, "out of order"),
    "swap neighbour lines": (lambda lines: _swap(lines, 4, 5), 5, "out of order"),
}


@pytest.mark.parametrize("case", list(EXPORT_TAMPERING))
def test_tampering_in_the_export_is_named(filled: AuditLog, run_id: str, tmp_path: Path, case: str) -> None:
    change, bad_seq, kind = EXPORT_TAMPERING[case]
    path = filled.export(run_id, tmp_path / "runs" / run_id / "audit.jsonl")
    assert filled.verify_export(path).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == EVENTS
    change(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = filled.verify_export(path)
    assert not result.ok
    assert (result.first_bad_seq, result.kind) == (bad_seq, kind)
    assert str(result).startswith(f"第 {bad_seq} 条事件")


def test_an_export_rebuilt_with_plain_sha256_fails(filled: AuditLog, run_id: str, tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    rebuilt = _unkeyed_rebuild(filled.events(run_id))
    path.write_text("".join(canonical_json(e.as_dict()) + "\n" for e in rebuilt), encoding="utf-8")
    result = filled.verify_export(path)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.reason is not None and "不用密钥的 SHA-256" in result.reason


def test_an_intact_export_of_a_tampered_database_does_not_match(
    filled: AuditLog, run_id: str, tmp_path: Path
) -> None:
    path = filled.export(run_id, tmp_path / "audit.jsonl")
    _tamper(filled, lambda conn: _edit_details(conn, run_id, []))
    result = filled.verify_export(path)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.reason is not None and "与数据库中的审计链不同" in result.reason


def test_an_export_verifies_alone_where_its_run_is_not_in_the_database(
    filled: AuditLog, run_id: str, tmp_path: Path
) -> None:
    path = filled.export(run_id, tmp_path / "audit.jsonl")
    elsewhere = AuditLog(f"sqlite:///{tmp_path / 'other.db'}", KEY)
    elsewhere.create_schema()
    assert elsewhere.verify_export(path).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    _swap(lines, 0, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert elsewhere.verify_export(path).first_bad_seq == 1


# --- file names and digests ----------------------------------------------------------------------


def test_evidence_names_and_digests_stay_whole_whatever_digits_they_hold(
    log: AuditLog, run_id: str, tmp_path: Path
) -> None:
    # an item_ref is 16 hex characters: about one in ten holds a run of 8 or more digits
    name = "evidence/3a12345678901bcd-2.png"
    (tmp_path / "evidence").mkdir()
    (tmp_path / name).write_bytes(b"\x89PNG fake screenshot")
    event = log.append(
        run_id, "worker-1", "item.done", details={"evidence": name, "note": "账号 6222020200112233445"},
        files_root=tmp_path,
    )
    assert event.details["evidence"] == name
    assert event.details["evidence_sha256"] == hashlib.sha256(b"\x89PNG fake screenshot").hexdigest()
    assert event.details["note"] == "账号 ***************3445"  # free text is still scrubbed
    sealed = log.seal_files(run_id, tmp_path)
    assert sealed.details["files"] == [
        {"file": name, "file_sha256": hashlib.sha256(b"\x89PNG fake screenshot").hexdigest()}
    ]


def test_an_item_ref_is_never_digits_alone_so_its_evidence_name_survives_masking(
    log: AuditLog, run_id: str, tmp_path: Path
) -> None:
    # about one 16-hex-character digest prefix in 1,900 is all decimal digits; find keys that give one
    digits_only = [key for key in (f"open:{n}:2026-12-01" for n in range(40_000))
                   if hmac.new(KEY, key.encode(), hashlib.sha256).hexdigest()[:16].isdigit()]
    assert digits_only, "no key with an all-digit digest prefix in the range searched"
    (tmp_path / "evidence").mkdir()
    for key in digits_only[:3]:
        ref = item_ref(key, KEY)
        assert len(ref) == 16 and not ref.isdigit()
        name = f"evidence/{ref}.png"
        (tmp_path / name).write_bytes(b"\x89PNG")
        event = log.append(run_id, "worker-1", "item.done", details={"evidence": name},
                           files_root=tmp_path)
        assert event.details["evidence"] == name
    ordinary = next(key for key in (f"open:{n}" for n in range(100)) if key not in digits_only)
    assert item_ref(ordinary, KEY) == hmac.new(KEY, ordinary.encode(), hashlib.sha256).hexdigest()[:16]


def test_a_rows_filing_ref_stays_whole_whatever_digits_it_holds(log: AuditLog, run_id: str) -> None:
    # a row's filing_ref is an item_ref of its filing: about one in six holds 8 digits in a row,
    # and scrubbed it would never match a later filing of the same account
    digit_run = next(ref for ref in (item_ref(f"open:62284800{n:06d}:2026-12-01", KEY) for n in range(2_000))
                     if any(ch.isdigit() for ch in ref) and "********" not in ref
                     and any(ref[i:i + 8].isdigit() for i in range(9)))
    details = {"row": 2, "status": "valid", "filing_ref": digit_run, "account": "6222020200112233445"}
    event = log.append(run_id, "run", "row.validated", details=details)
    assert event.details["filing_ref"] == digit_run
    assert log.events(run_id)[-1].details["filing_ref"] == digit_run
    assert event.details["account"] == "***************3445"  # other fields are still scrubbed
    # a field of that name holding digits alone (an account number put there) is masked
    assert "6222020200112233" not in json.dumps(log.append(
        run_id, "run", "row.validated", details={"filing_ref": "6222020200112233"}).details)


@pytest.mark.parametrize(
    "value",
    ["6222020200112233445.png", "evidence/../6222020200112233445.png", "a b/6222020200112233445.png"],
)
def test_a_file_name_that_is_an_account_number_or_not_plain_is_still_masked(
    log: AuditLog, run_id: str, value: str
) -> None:
    event = log.append(run_id, "worker-1", "item.done", details={"evidence": value})
    assert "6222020200112233445" not in json.dumps(event.details)


def test_the_ledger_copy_is_appended_in_seq_order_and_never_rewritten(db_url: str, tmp_path: Path) -> None:
    copy = tmp_path / "keys" / "ledger.jsonl"
    log = AuditLog(db_url, KEY, ledger_file=copy)
    log.create_schema()
    log.ledger_started("R-ledger-1")
    first = copy.read_text()
    log.append("R-ledger-1", "run", "run.finished")
    log.ledger_ended("R-ledger-1", {"done": 2, "failed": 1})
    lines = copy.read_text().splitlines()
    assert copy.read_text().startswith(first) and len(lines) == 2
    ended = json.loads(lines[1])
    assert ended["event"] == "run.ended" and ended["seq"] == 2
    assert ended["details"]["last_seq"] == 1 and ended["details"]["items"] == 3
    assert ended["details"]["last_hash"] == log.events("R-ledger-1")[0].hash
    assert log.verify_export(copy).ok


def test_a_chain_cut_short_with_its_head_rewritten_without_the_key_fails(
    filled: AuditLog, run_id: str
) -> None:
    kept = filled.events(run_id)[EVENTS - 3]

    def cut(conn: Connection) -> None:
        _sql(conn, "DELETE FROM audit_events WHERE run_id = :r AND seq > :s", r=run_id, s=kept.seq)
        _sql(
            conn,
            "UPDATE audit_heads SET last_seq = :s, last_hash = :h WHERE run_id = :r",
            r=run_id, s=kept.seq, h=kept.hash,
        )

    _tamper(filled, cut)
    result = filled.verify(run_id)
    assert (result.ok, result.first_bad_seq) == (False, None)  # the head's fault, no event's (tester AU F7b)
    assert result.reason is not None and f"链头（第 {kept.seq} 条）没有用审计密钥签名" in result.reason


@pytest.mark.parametrize("how", ["deleted", "unsigned"])
def test_a_chain_cut_short_with_its_head_deleted_or_unsigned_fails(
    filled: AuditLog, run_id: str, how: str
) -> None:
    """Tester AU of 2026-12-07 (F1): the ledger's last events cut and its head row deleted, not
    rolled back, verified 核对通过 and a run was erased unseen; a head whose MAC is cleared the same."""
    kept = filled.events(run_id)[EVENTS - 3]

    def cut(conn: Connection) -> None:
        _sql(conn, "DELETE FROM audit_events WHERE run_id = :r AND seq > :s", r=run_id, s=kept.seq)
        if how == "deleted":
            _sql(conn, "DELETE FROM audit_heads WHERE run_id = :r", r=run_id)
        else:
            moved = "UPDATE audit_heads SET last_seq = :s, last_hash = :h, head_mac = NULL WHERE run_id = :r"
            _sql(conn, moved, r=run_id, s=kept.seq, h=kept.hash)

    _tamper(filled, cut)
    result = filled.verify(run_id)
    assert not result.ok and result.reason is not None
    said = "链头行被删除" if how == "deleted" else f"链头（第 {kept.seq} 条）没有签名"
    assert said in result.reason, result.reason
    assert result.kind == ("missing/deleted" if how == "deleted" else "edited")


def test_an_unsigned_head_the_ledger_recorded_at_the_run_s_end_verifies(
    filled: AuditLog, run_id: str
) -> None:
    """A chain that ended before heads were signed (2026-12-03) has none: the ledger's keyed
    run.ended, which records its last seq and hash, vouches for it (code review of 2026-12-07:
    every such run failed verify for good). A head moved back and unsigned still fails."""
    filled.ledger_ended(run_id, {"done": 1})
    unsign = "UPDATE audit_heads SET head_mac = NULL WHERE run_id = :r"
    _tamper(filled, lambda conn: _sql(conn, unsign, r=run_id))
    assert filled.verify(run_id).ok
    kept = filled.events(run_id)[EVENTS - 3]

    def cut(conn: Connection) -> None:
        _sql(conn, "DELETE FROM audit_events WHERE run_id = :r AND seq > :s", r=run_id, s=kept.seq)
        _sql(conn, "UPDATE audit_heads SET last_seq = :s, last_hash = :h WHERE run_id = :r",
             r=run_id, s=kept.seq, h=kept.hash)

    _tamper(filled, cut)
    result = filled.verify(run_id)
    assert not result.ok and result.reason is not None and "运行账本也没有记下这个链头" in result.reason


def test_an_older_database_gains_the_head_mac_column_and_its_heads_still_verify(db_url: str) -> None:
    engine = engine_for(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE audit_heads (run_id VARCHAR(128) PRIMARY KEY, "
            "last_seq INTEGER NOT NULL, last_hash VARCHAR(64) NOT NULL)"
        )
        conn.exec_driver_sql(f"INSERT INTO audit_heads VALUES ('R-old', 0, '{GENESIS}')")
    log = AuditLog(db_url, KEY)
    log.create_schema()
    with engine.connect() as conn:
        old = conn.exec_driver_sql("SELECT head_mac FROM audit_heads WHERE run_id = 'R-old'").scalar()
    assert old is None
    log.append("R-old", "run", "run.started")
    assert log.verify("R-old").ok
