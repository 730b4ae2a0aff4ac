"""Files the fuzzing once found (2026-12-03): each is refused as our InputFileError, and the file
is closed afterwards — pdfplumber closes a file it opened only on a PdfminerException, and zipfile
answers an unknown zip version with NotImplementedError, outside the reader's error mapping."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from flows.account_filing.aliases import load_aliases
from flows.account_filing.reader import read_export
from flows.report_extraction.extract import extract_file
from flows.report_extraction.specs import load_spec
from rpa.errors import InputFileError
from tests.badinput import build
from tests.badinput.descriptors import open_descriptors_on

CONFIG = Path(__file__).resolve().parents[2] / "config"
FILES = Path(__file__).with_name("files")
SPEC = load_spec("branch_daily", CONFIG / "specs")

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("ignore::UserWarning")]


def zip_needing_version(data: bytes, version: int) -> bytes:
    """The zip with every central-directory entry asking for `version` (e.g. 66 = 6.6) to extract."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")
    assert at > 0
    while at >= 0:
        raw[at + 6 : at + 8] = struct.pack("<H", version)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


@pytest.mark.parametrize("name", ["malformed_mediabox.pdf", "typeerror_on_open.pdf",
                                  "indexerror_on_open.pdf"])
def test_a_pdf_pdfplumber_fails_to_open_is_refused_and_closed(tmp_path: Path, name: str) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes((FILES / name).read_bytes())
    with pytest.raises(InputFileError, match=r"report\.pdf"):
        extract_file(path, SPEC)
    assert open_descriptors_on(path) == []


def test_a_zip_asking_for_an_unknown_version_is_refused_by_both_readers(tmp_path: Path) -> None:
    export = tmp_path / "export.xlsx"
    export.write_bytes(zip_needing_version(build.good_xlsx(), 66))
    with pytest.raises(InputFileError, match=r"export\.xlsx.*损坏"):
        read_export(export, aliases=load_aliases(CONFIG))
    report = tmp_path / "report.xlsx"
    report.write_bytes(export.read_bytes())
    with pytest.raises(InputFileError, match=r"report\.xlsx.*损坏"):
        extract_file(report, SPEC)
    assert open_descriptors_on(export) == open_descriptors_on(report) == []


def test_a_sheet_that_does_not_inflate_is_refused_not_read_as_formula_free(tmp_path: Path) -> None:
    export = tmp_path / "export.xlsx"
    export.write_bytes(build.corrupt_deflate(build.good_xlsx(), fill=0xFF, length=24))
    with pytest.raises(InputFileError, match=r"export\.xlsx"), \
            read_export(export, aliases=load_aliases(CONFIG)) as result:
        list(result.rows)
    assert open_descriptors_on(export) == []


def test_a_workbook_openpyxl_fails_to_load_is_refused_and_closed(tmp_path: Path) -> None:
    broken = build.edited_xlsx("[Content_Types].xml", lambda _: b"")
    for name, read in (("export.xlsx", lambda p: read_export(p, aliases=load_aliases(CONFIG))),
                       ("report.xlsx", lambda p: extract_file(p, SPEC))):
        path = tmp_path / name
        path.write_bytes(broken)
        with pytest.raises(InputFileError, match=re.escape(name)):
            read(path)
        assert open_descriptors_on(path) == [], name
