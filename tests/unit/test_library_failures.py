"""What a parsing library raises on a broken file is an InputFileError naming the file; what our
own code raises stays a bug (rpa.input_files.reading). A library may raise from the standard
library it calls: pdfminer's Ascii85 filter raises base64's ValueError (the fuzz test of
2026-12-08 found a PDF whose content stream did so, and the traceback reached the clerk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdfminer.ascii85 import ascii85decode

from rpa.errors import InputFileError
from rpa.input_files import reading


@pytest.mark.parametrize("data", [b"\xff\xff\xff~>", b"uuuuu~>"])
def test_a_library_failing_inside_the_standard_library_names_the_file(data: bytes) -> None:
    with pytest.raises(InputFileError, match=r"无法读取 report\.pdf：文件内容损坏（ValueError）"), \
            reading(Path("report.pdf")):
        ascii85decode(data)


def test_our_own_code_failing_inside_the_standard_library_stays_a_bug() -> None:
    with pytest.raises(json.JSONDecodeError), reading(Path("report.pdf")):
        json.loads("{")
