"""Which lines of a workbook changed after its run wrote it: `outputs.written` records, beside
each workbook's SHA-256, a keyed digest of every row of every sheet (`with_row_digests`), and
`rpa audit verify` names the rows that differ (`changed_rows`) where the file's hash alone said
only that the file changed (tester AU of 2026-12-07: a row 门户拒绝 edited to 已报备 in
result.xlsx was named by the file's hash, not by its row).

A digest is keyed (the audit key), so the chain reveals nothing of a row's values and only the
key's holder can recompute it; it is cut to 12 hex characters, enough to tell a row changed,
written in letters (0-9 as g-p) so the chain's masking never takes it for digits.

    >>> entry = with_row_digests(folder, [{"file": "result.xlsx", ...}], audit.keyed_digest)[0]
    >>> changed_rows(folder / "result.xlsx", entry[ROWS], audit.keyed_digest)
    ['工作表“报备结果”写出后被改动的行：第 3 行（行号 3）']
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

ROWS = "rows"  # an output entry's key: sheet title -> the digest of each row, in order
_DIGEST_CHARS = 12
_ROW_HEADER = "行号"  # result.xlsx's column of the input row: named beside the sheet row
_LISTED = 20  # rows named one by one; more are counted

Digest = Callable[[Any], str]
_Sheets = dict[str, tuple[list[str], list[Any]]]  # title -> (row digests, each row's 行号 or None)


# hex digits as letters: the chain's masking takes a run of digits inside a value for part of an
# account number (`rpa.audit.details`), and a digest so masked would no longer compare
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _unmaskable(digest: str) -> str:
    """The digest's hex written in letters only (0-9 as g-p), which no masking touches."""
    return digest.translate(_LETTERS)


def _read(path: Path, digest: Digest) -> _Sheets | None:
    """Each sheet's row digests and 行号 cells; None when the file is no readable workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, zlib.error, SyntaxError, InvalidFileException, KeyError,
            ValueError, EOFError):
        return None
    sheets: _Sheets = {}
    try:
        for sheet in workbook.worksheets:
            digests: list[str] = []
            numbers: list[Any] = []
            at: int | None = None
            for index, row in enumerate(sheet.iter_rows(values_only=True)):
                cells = ["" if value is None else str(value) for value in row]
                while cells and cells[-1] == "":
                    cells.pop()  # a row read wider or narrower by openpyxl is the same row
                if index == 0 and _ROW_HEADER in cells:
                    at = cells.index(_ROW_HEADER)
                digests.append(_unmaskable(digest(cells)[:_DIGEST_CHARS]))
                numbers.append(cells[at] if at is not None and index > 0 and at < len(cells) else None)
            sheets[sheet.title] = (digests, numbers)
    except (OSError, zipfile.BadZipFile, zlib.error, SyntaxError, KeyError, ValueError, EOFError):
        return None
    finally:
        workbook.close()
    return sheets


def with_row_digests(folder: Path, entries: Iterable[dict[str, str]], digest: Digest) -> list[dict[str, Any]]:
    """`output_listing`'s entries, each workbook's with its rows' digests (`ROWS`)."""
    listed: list[dict[str, Any]] = []
    for entry in entries:
        name = str(entry.get("file", ""))
        sheets = _read(folder / name, digest) if name.lower().endswith(".xlsx") else None
        rows = {title: digests for title, (digests, _) in sheets.items()} if sheets else None
        listed.append({**entry, ROWS: rows} if rows else entry)
    return listed


def _spans(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:_LISTED])
    return shown + (f" 等 {len(numbers)} 行" if len(numbers) > _LISTED else "")


def changed_rows(path: Path, recorded: Mapping[str, Any], digest: Digest) -> list[str]:
    """One sentence per sheet whose rows differ from the digests `recorded` when the file was
    written: rows changed (with their 行号), rows added or taken away, sheets added or gone. None
    when the file cannot be read (its hash line says it changed) or the rows all match."""
    now = _read(path, digest)
    if now is None:
        return []
    lines: list[str] = []
    for title in [*recorded, *(t for t in now if t not in recorded)]:
        if title not in now:
            lines.append(f"工作表“{title}”已不在文件中")
            continue
        if title not in recorded:
            lines.append(f"多出工作表“{title}”")
            continue
        old = [str(d) for d in recorded[title]] if isinstance(recorded[title], list) else []
        new, numbers = now[title]
        changed = [i for i in range(min(len(old), len(new))) if old[i] != new[i]]
        if changed:
            named = [f"第 {i + 1} 行" + (f"（行号 {numbers[i]}）" if numbers[i] else "")
                     for i in changed[:_LISTED]]
            more = f" 等 {len(changed)} 行" if len(changed) > _LISTED else ""
            lines.append(f"工作表“{title}”写出后被改动的行：{'、'.join(named)}{more}")
        if len(new) > len(old):
            lines.append(f"工作表“{title}”多出第 {_spans(list(range(len(old) + 1, len(new) + 1)))} 行")
        elif len(new) < len(old):
            lines.append(f"工作表“{title}”少了原第 {_spans(list(range(len(new) + 1, len(old) + 1)))} 行")
    return lines
