"""How old `rpa runs prune` judges a run (rpa.audit.prune.keyed_ends, prunable), on a real SQLite
chain and ledger written at chosen times: by the ledger's last end entry, else its chain's last
event (a run that crashed writes no end entry), and by run.json only where neither knows the run.
An `ended_at` edited in run.json never makes a recent run old. And its `run.pruned` entry checked
for when it was written (rpa.audit.prune_checks): a prune run on a host whose clock was a year
ahead removed yesterday's run; verify, on the right clock, names the entry instead of 已清理."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

from rpa.audit.checks import verify_ledger, verify_run
from rpa.audit.log import AuditLog
from rpa.audit.prune import keyed_ends, prunable, prune_runs

NOW = datetime.fromisoformat("2026-12-05T10:00:00+08:00")
LONG_AGO, RECENTLY = "2026-01-05T17:30:00+08:00", "2026-12-04T17:30:00+08:00"
A_YEAR_AHEAD = "2027-12-05T10:00:00+08:00"
HALF_A_YEAR = timedelta(days=180)


class _At(datetime):
    when = NOW

    @classmethod
    def now(cls, tz: object = None) -> _At:
        return cls.fromisoformat(cls.when.isoformat())


def _at(when: str) -> mock._patch[type[datetime]]:
    _At.when = datetime.fromisoformat(when)
    return mock.patch("rpa.audit.log.datetime", _At)


def _folder(runs: Path, run_id: str, ended_at: str) -> None:
    (runs / run_id).mkdir(parents=True)
    (runs / run_id / "run.json").write_text(json.dumps({"run_id": run_id, "ended_at": ended_at}))


def _world(tmp_path: Path) -> tuple[AuditLog, Path]:
    audit = AuditLog(f"sqlite:///{tmp_path / 'queue.db'}", b"k" * 32, ledger_file=tmp_path / "ledger.jsonl")
    audit.create_schema()
    return audit, tmp_path / "runs"


def test_a_run_is_as_old_as_the_keyed_record_says(tmp_path: Path) -> None:
    audit, runs = _world(tmp_path)
    with _at(RECENTLY):  # ended yesterday; its run.json edited to say January
        audit.append("recent", "run", "run.finished")
        audit.ledger_ended("recent", {})
    _folder(runs, "recent", LONG_AGO)
    with _at(LONG_AGO):  # ended in January, as the ledger says
        audit.append("old", "run", "run.finished")
        audit.ledger_ended("old", {})
    _folder(runs, "old", LONG_AGO)
    with _at(LONG_AGO):  # crashed in January: its chain's last event, no end entry
        audit.append("crashed", "run", "run.started")
    _folder(runs, "crashed", LONG_AGO)
    _folder(runs, "before-ledger", LONG_AGO)  # neither knows it: run.json says
    old = {folder.name for folder in prunable(runs, timedelta(days=180), NOW, keyed_ends(audit))}
    assert old == {"old", "crashed", "before-ledger"}
    assert {f.name for f in prunable(runs, timedelta(days=180), NOW)} == old | {"recent"}  # run.json alone


def test_a_ledger_copy_that_does_not_verify_is_not_believed(tmp_path: Path) -> None:
    audit, runs = _world(tmp_path)
    with _at(RECENTLY):
        audit.append("recent", "run", "run.finished")
        audit.ledger_ended("recent", {})
    _folder(runs, "recent", LONG_AGO)
    forged = json.loads((tmp_path / "ledger.jsonl").read_text().splitlines()[-1])
    forged.update(seq=forged["seq"] + 1, time=LONG_AGO)  # an end entry written without the key
    with (tmp_path / "ledger.jsonl").open("a") as copy:
        copy.write(json.dumps(forged) + "\n")
    assert prunable(runs, timedelta(days=180), NOW, keyed_ends(audit)) == []


def _ended_run(audit: AuditLog, runs: Path, run_id: str, when: str) -> None:
    with _at(when):
        audit.append(run_id, "run", "run.finished")
        audit.ledger_ended(run_id, {})
    _folder(runs, run_id, when)


def _findings(audit: AuditLog, runs: Path, run_id: str) -> list[str]:
    ledger = verify_ledger(audit)[1]
    report = verify_run(audit, runs, run_id, ledger.get(run_id), now=NOW)
    return [line for line in report.lines if "【不符】" in line]


def test_a_prune_on_a_clock_a_year_ahead_is_named_not_called_cleaned(tmp_path: Path) -> None:
    audit, runs = _world(tmp_path)
    _ended_run(audit, runs, "yesterday", RECENTLY)
    with _at(A_YEAR_AHEAD):  # the host's clock: a year ahead, so yesterday's run looks old
        assert prune_runs(audit, runs, HALF_A_YEAR, datetime.fromisoformat(A_YEAR_AHEAD)) == ["yesterday"]
    findings = _findings(audit, runs, "yesterday")
    named = [line for line in findings if f"清理记录时间 {A_YEAR_AHEAD[:19]}" in line]
    assert named and "晚于现在" in named[0], findings


def test_a_prune_entry_sooner_than_its_age_or_before_the_end_is_named(tmp_path: Path) -> None:
    audit, runs = _world(tmp_path)
    _ended_run(audit, runs, "young", RECENTLY)
    with _at(NOW.isoformat()):  # an entry written by hand (with the key) beside a folder removed
        audit.ledger_pruned("young", 180)
    assert any("清理时该运行未满 180 天" in line for line in _findings(audit, runs, "young"))
    _ended_run(audit, runs, "later", RECENTLY)
    with _at(LONG_AGO):
        audit.ledger_pruned("later", 180)
    assert any("早于该运行的最后记录" in line for line in _findings(audit, runs, "later"))


def test_a_prune_at_its_age_on_the_right_clock_is_cleaned(tmp_path: Path) -> None:
    audit, runs = _world(tmp_path)
    _ended_run(audit, runs, "january", LONG_AGO)
    with _at(NOW.isoformat()):
        assert prune_runs(audit, runs, HALF_A_YEAR, NOW) == ["january"]
    ledger = verify_ledger(audit)[1]
    report = verify_run(audit, runs, "january", ledger.get("january"), now=NOW)
    assert report.ok, report.lines
    assert any("运行文件夹已清理" in line for line in report.lines)
    assert ledger["january"].pruned == {"run": "january", "older_than_days": 180}
