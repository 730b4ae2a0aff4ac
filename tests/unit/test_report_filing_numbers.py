"""report.html shows a row's 备案编号 whole, as result.xlsx does (finding X7): AMS's own numbers
(digits), the numbers AMS shows for filings made at its screens and the numbers clerks mark for
rows filed by hand (letters, then digits). Personal data written where a filing number goes (a
basic account permit, an ID number, a credit code, an account number with a letter) stays masked.
A real report.html written from disk by the run report's own writer."""

from __future__ import annotations

from pathlib import Path

from rpa.run.report import write_run_report
from rpa.run.report_sections import InputRow
from rpa.run.runs import make_private_dir

# written by hand: the numbers of the tester's run, and personal data a slip could put there
WHOLE = ("100020261204000014", "AMS2026112000020", "HAND2026120501", "ams2026111000021")
MASKED = ("J1031000000101", "11010519491231002X", "91110000600037341L", "A6222020200112233445")


def test_filing_numbers_are_shown_whole_and_personal_data_in_their_place_is_not(tmp_path: Path) -> None:
    folder = make_private_dir(tmp_path / "20261205-120814-account-filing-5136ac")
    rows = [InputRow("开户", n + 2, f"***************{n:04d}", "北京甲乙软件有限公司", "开户", "filed",
                     filing_no=number, note="报备成功", attempts=1)
            for n, number in enumerate((*WHOLE, *MASKED))]
    report = write_run_report(folder, {"flow": "account-filing"}, [], [], input_rows=rows)
    html = report.read_text(encoding="utf-8")
    for number in WHOLE:
        assert number in html, number
    for personal in MASKED:
        assert personal not in html and personal[-4:] in html, personal
