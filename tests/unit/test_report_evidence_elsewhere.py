"""report.html's screenshot of a row an earlier run settled (rpa.run.report_evidence): found in
that run's folder beside this one on a real file tree, named with that run and never linked
(the page links only inside its own run folder); missing only when that folder lacks it."""

from __future__ import annotations

from pathlib import Path

from rpa.run.report_evidence import Evidence, evidence_of_run

THIS, EARLIER = "20261208-091500-account-filing-aa11bb", "20261205-064042-account-filing-6e5b03"
SHOT = "evidence/4a1cc55ae7d17943-failure.png"


def _runs(tmp_path: Path) -> Path:
    for run in (THIS, EARLIER):
        (tmp_path / run / "evidence").mkdir(parents=True)
    (tmp_path / EARLIER / SHOT).write_bytes(b"\x89PNG\r\n")
    return tmp_path / THIS


def test_an_earlier_runs_screenshot_is_named_with_that_run_and_not_linked(tmp_path: Path) -> None:
    folder = _runs(tmp_path)
    shot = evidence_of_run(SHOT, folder, EARLIER)
    assert shot == Evidence("4a1cc55ae7d17943-failure.png", None, run=EARLIER)


def test_this_runs_own_screenshot_is_linked_as_before(tmp_path: Path) -> None:
    folder = _runs(tmp_path)
    (folder / SHOT).write_bytes(b"\x89PNG\r\n")
    for run in ("", THIS):
        shot = evidence_of_run(SHOT, folder, run)
        assert shot is not None and shot.href == SHOT and shot.run == ""


def test_missing_when_the_earlier_folder_lacks_it_or_the_run_is_no_plain_name(tmp_path: Path) -> None:
    folder = _runs(tmp_path)
    (tmp_path / EARLIER / SHOT).unlink()
    assert evidence_of_run(SHOT, folder, EARLIER) == Evidence("4a1cc55ae7d17943-failure.png", None)
    (tmp_path / EARLIER / SHOT).write_bytes(b"\x89PNG\r\n")
    for run in ("../" + EARLIER, f"{THIS}/../{EARLIER}", "/etc"):
        shot = evidence_of_run(SHOT, folder, run)
        assert shot is not None and shot.href is None and shot.run == ""
    assert evidence_of_run("", folder, EARLIER) is None


def test_a_ref_holding_a_long_digit_run_is_named_whole_and_a_digits_only_name_masked(tmp_path: Path) -> None:
    """An item ref is 16 hex characters and may hold eight digits in a row (0daa780518748e0c, seen
    in CI): the page names it whole, as the file is named, so an auditor can find it. A name whose
    stem is digits alone may be an account number and stays masked."""
    folder = _runs(tmp_path)
    for name in ("0daa780518748e0c.png", "e12345678901234f-2-failure.png"):
        (tmp_path / EARLIER / "evidence" / name).write_bytes(b"\x89PNG\r\n")
        (folder / "evidence" / name).write_bytes(b"\x89PNG\r\n")
        assert evidence_of_run(f"evidence/{name}", folder, EARLIER) == Evidence(name, None, run=EARLIER)
        shot = evidence_of_run(f"evidence/{name}", folder, THIS)
        assert shot is not None and shot.name == name and shot.href == f"evidence/{name}"
    (folder / "evidence" / "6222020200001234567.png").write_bytes(b"\x89PNG\r\n")
    shot = evidence_of_run("evidence/6222020200001234567.png", folder, THIS)
    assert shot is not None and "6222020200001234567" not in shot.name
