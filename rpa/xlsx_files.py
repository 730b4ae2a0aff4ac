"""openpyxl's `load_workbook`, with the file closed however loading ends.

openpyxl opens the zip itself and closes it only after a successful read; a part that raises in
between (a bad style index, a broken content-types part) left the file open, held by the parser's
member handle, until the garbage collector found it. Here the file handle is ours: closed at once
when loading fails, after loading in normal mode (openpyxl holds the whole workbook in memory
then), and by `workbook.close()` in read-only mode, where the sheets stream from the zip.
Every xlsx reader opens workbooks through `load_xlsx`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader


def load_xlsx(path: Path, *, read_only: bool, data_only: bool, rich_text: bool = False) -> Any:
    """The workbook, as `openpyxl.load_workbook(path, read_only=..., data_only=..., rich_text=...)`
    returns it."""
    handle = path.open("rb")
    try:
        reader = ExcelReader(handle, read_only=read_only, data_only=data_only, rich_text=rich_text)
        reader.read()
    except BaseException:
        handle.close()
        raise
    workbook = reader.wb
    if not read_only:
        handle.close()
        return workbook
    close_archive = workbook.close

    def close() -> None:
        try:
            close_archive()
        finally:
            handle.close()

    workbook.close = close
    return workbook
