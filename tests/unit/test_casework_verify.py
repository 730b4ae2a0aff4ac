"""A person's legitimate work on a row never reads as tampering: a by-hand mark waiting for its
checker, or refused, changes the refused row's result in the queue, and `rpa audit verify`
holds a refused row's result to the keyed digest its outcome event recorded. The real SQLite
queue and audit chain of tests/unit/test_casework_actions.py; the refusal's outcome event is
written as the worker writes it (rpa.run.settle)."""

from __future__ import annotations

import sqlite3

from rpa.audit.item_checks import check_queue_items
from rpa.audit.log import AuditLog
from rpa.audit.report_lines import Report
from rpa.casework.actions import mark_by_hand, refuse_by_hand
from rpa.queue.work_queue import WorkQueue
from rpa.settings import Settings
from tests.unit.test_casework_actions import CHECKER, OPERATOR, RUN, settings  # noqa: F401  (fixture)


def _verified(cfg: Settings) -> Report:
    audit, report = AuditLog.from_settings(cfg), Report(RUN)
    check_queue_items(report, audit, audit.events(RUN), WorkQueue.from_settings(cfg).items(RUN))
    return report


def test_a_mark_waiting_for_its_checker_or_refused_is_no_difference_but_an_edit_is(
    settings: Settings,  # noqa: F811
) -> None:
    queue, audit = WorkQueue.from_settings(settings), AuditLog.from_settings(settings)
    [refused] = [item for item in queue.items(RUN) if item.payload["row"] == 2]
    audit.append(RUN, "w1", "item.business_error", item_key=refused.key,
                 details={"code": refused.last_error_code, "message": refused.last_error_message,
                          "result_hmac": audit.keyed_digest(refused.result)})
    name = f"事项 {refused.id}（"
    assert not [line for line in _verified(settings).lines if name in line]

    mark_by_hand(settings, RUN, refused.id, OPERATOR, "AMS20261202009999", "柜面已在 AMS 中办理")
    report = _verified(settings)
    assert not [line for line in report.lines if name in line], report.lines
    refuse_by_hand(settings, RUN, refused.id, CHECKER, "编号与回执不符")
    report = _verified(settings)
    assert not [line for line in report.lines if name in line], report.lines

    with sqlite3.connect(settings.runs_dir / "queue.db") as conn:  # an invented portal message
        conn.execute("UPDATE queue_items SET result = json_set(result, '$.portal_message', '客户主动撤回')"
                     " WHERE id = ?", (refused.id,))
    report = _verified(settings)
    assert [line for line in report.lines if name in line and "密钥摘要" in line], report.lines


def test_an_action_on_a_run_whose_export_was_replaced_is_refused_before_it_changes_anything(
    settings: Settings,  # noqa: F811
) -> None:
    """The resume after a case action refuses an export replaced since the run began (exit 2):
    the action is refused first, so no mark stands and no row is put back with nobody to file
    it."""
    import hashlib
    import json

    import pytest

    from rpa.errors import InputFileError

    folder = settings.runs_dir / RUN
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    export = settings.runs_dir.parent / "x.xlsx"
    export.write_bytes(b"yesterday's export")
    info["inputs_sha256"] = {str(export): hashlib.sha256(b"yesterday's export").hexdigest()}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    export.write_bytes(b"today's export, written over it")
    queue = WorkQueue.from_settings(settings)
    before = [(item.id, item.state, item.result) for item in queue.items(RUN)]
    [refused] = [item for item in queue.items(RUN) if item.payload["row"] == 2]
    with pytest.raises(InputFileError, match="本次操作未做任何改动"):
        mark_by_hand(settings, RUN, refused.id, OPERATOR, "AMS20261202009999", "柜面已办理")
    assert [(item.id, item.state, item.result) for item in queue.items(RUN)] == before
    assert not [e for e in AuditLog.from_settings(settings).events(RUN) if e.event.startswith("case.")]


def test_a_corrected_row_held_for_its_check_is_no_difference(settings: Settings) -> None:  # noqa: F811
    """RPA_FILING_REQUIRE_CHECK holds a corrected row (test_casework_actions): the chain records
    that hold as its outcome, so verify finds the queue as the chain says."""
    from rpa.casework.actions import correct

    queue, audit = WorkQueue.from_settings(settings), AuditLog.from_settings(settings)
    [refused] = [item for item in queue.items(RUN) if item.payload["row"] == 2]
    audit.append(RUN, "w1", "item.business_error", item_key=refused.key,
                 details={"code": refused.last_error_code, "message": refused.last_error_message,
                          "result_hmac": audit.keyed_digest(refused.result)})
    gated = settings.model_copy(update={"filing_require_check": True})
    correct(gated, RUN, refused.id, OPERATOR, {"证件种类": "护照", "证件号码": "E12345678"})
    report = _verified(gated)
    assert not [line for line in report.lines if f"事项 {refused.id}（" in line], report.lines
