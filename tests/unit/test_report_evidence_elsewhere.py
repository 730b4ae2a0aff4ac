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


def test_a_hold_decided_off_the_page_shows_no_earlier_attempts_screenshot(tmp_path: Path) -> None:
    """An error raised without the portal (`RpaError.on_a_page` False: the registration gate, a
    row held behind another) marks the held item's result, and the 500 page an earlier attempt
    left is not given as its screenshot (testers AM, AO, AP); an error on a page is not marked."""
    from flows.account_filing.account_rows import HeldBehind
    from rpa.errors import NeedsPerson
    from rpa.run.report_evidence import last_failure_shot
    from rpa.run.settle import result_of

    folder = _runs(tmp_path) / ".." / EARLIER
    ref = SHOT.removeprefix("evidence/").removesuffix("-failure.png")
    held = result_of(HeldBehind("同一账户的前一行未办理完", code="waits", details={"status": "held"}))
    on_page = result_of(NeedsPerson("企业名称不符", code="differs", details={"status": "held"}))
    assert held == {"status": "held", "off_the_page": True} and on_page == {"status": "held"}
    assert last_failure_shot(folder, ref, held) == "" and last_failure_shot(folder, ref, on_page) == SHOT
    assert result_of(HeldBehind("无详情", code="waits")) == {"off_the_page": True}
    refiled = {"note": "更正后须重新核查", "held_on_refile": True}  # a corrected row's gate
    assert last_failure_shot(folder, ref, refiled) == ""
