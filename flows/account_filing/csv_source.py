"""CSV exports: the encoding found by a streaming first pass (UTF-8, else GBK), then rows streamed.

Core-banking systems on Windows write GBK; newer ones UTF-8, often with a BOM. A file that is
neither is unreadable (InputFileError), never decoded into mojibake.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from rpa.errors import InputFileError

# gb18030 decodes every GBK byte sequence the same way, and also the few GBK extensions
# Windows writes; utf-8-sig drops a BOM when there is one.
ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 1 << 16


def detect_encoding(path: Path) -> str:
    """The first of ENCODINGS that decodes the whole file, read in chunks (memory stays flat)."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise InputFileError(f"无法读取 {path.name}：{exc.strerror or type(exc).__name__}") from None
        return encoding
    raise InputFileError(f"无法读取 {path.name}：编码既不是 UTF-8 也不是 GBK")


def _delimiter(first_line: str) -> str:
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def open_csv_rows(path: Path) -> tuple[Iterator[list[str]], str, Callable[[], None]]:
    """(rows, encoding, close): each row a list of cell texts, in file order."""
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as probe:
        first_line = probe.readline()
    if "\x00" in first_line:
        raise InputFileError(f"无法读取 {path.name}：不是文本文件")
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=_delimiter(first_line))
    return reader, encoding, handle.close
