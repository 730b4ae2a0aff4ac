"""Random bytes and random mutations of a good xlsx, CSV and PDF, fed to the readers: only the
suite's own errors may come out (issue #18), never a library's KeyError, zlib.error or the like.

Bounded: a few dozen examples per reader, no deadline (a PDF parse takes a while).
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.account_filing.aliases import load_aliases
from flows.account_filing.reader import read_export
from flows.report_extraction.extract import extract_file
from flows.report_extraction.specs import load_spec
from rpa.errors import RpaError
from tests.badinput import build
from tests.badinput.descriptors import open_descriptors_on

CONFIG = Path(__file__).resolve().parents[2] / "config"
ALIASES = load_aliases(CONFIG)
SPEC = load_spec("branch_daily", CONFIG / "specs")
GOOD = {
    "xlsx": build.good_xlsx(),
    "csv": build.good_csv("gbk"),
    "pdf": build.pdf_with_text("branch daily report 110102"),
}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300), pytest.mark.filterwarnings("ignore::UserWarning")]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """The file with a few bytes overwritten, a stretch deleted or repeated, or its end cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "delete", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip":
            data[at : at + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))] * draw(st.integers(1, 3))
    return bytes(data)


@st.composite
def mutated_xlsx_part(draw: st.DrawFn) -> bytes:
    """The good workbook with one XML part mutated before zipping (reaches the XML parsers)."""
    parts = build.xlsx_parts()
    name = draw(st.sampled_from(sorted(parts)))
    parts[name] = draw(mutated(parts[name]))
    return build.zip_parts(parts)


def _read_all_rows(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{suffix}"
        path.write_bytes(data)
        try:
            with read_export(path, aliases=ALIASES) as export:
                for _row in export.rows:
                    pass
        except RpaError:
            pass
        assert open_descriptors_on(path) == [], "the reader left the file open"


def _extract(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(RpaError):
            extract_file(path, SPEC)
        assert open_descriptors_on(path) == [], "the reader left the file open"


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(GOOD["xlsx"]), mutated_xlsx_part()))
def test_the_export_reader_on_a_broken_xlsx_raises_only_our_errors(data: bytes) -> None:
    _read_all_rows(data, ".xlsx")


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(GOOD["csv"])))
def test_the_export_reader_on_a_broken_csv_raises_only_our_errors(data: bytes) -> None:
    _read_all_rows(data, ".csv")


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(GOOD["xlsx"]), mutated_xlsx_part()))
def test_the_report_reader_on_a_broken_xlsx_raises_only_our_errors(data: bytes) -> None:
    _extract(data, ".xlsx")


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(GOOD["pdf"])))
def test_the_report_reader_on_a_broken_pdf_raises_only_our_errors(data: bytes) -> None:
    _extract(data, ".pdf")


def test_the_good_files_are_read() -> None:
    """The mutations start from files the readers accept (else the fuzzing proves little)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        path.write_bytes(GOOD["xlsx"])
        with read_export(path, aliases=ALIASES) as export:
            assert [row.row for row in export.rows] == [2, 3]
        assert open_descriptors_on(path) == [], "a good export left open after reading"
