"""A workbook openpyxl opens read-only holds its file open until `close()`; left to the garbage
collector, its ResourceWarning surfaces in whichever test runs next (CI on c18664a failed so, in a
test that never opened the book). Every module that opens one read-only refers to `close` at least
as often as it opens one; a function that returns the book it opens leaves that to its caller.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("rpa", "flows", "bots", "fixtures", "tests", "benchmarks")


def _opens_and_closes(tree: ast.AST) -> tuple[int, int]:
    returned = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Return) and node.value}
    opens = closes = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "close":
            closes += 1
        if not isinstance(node, ast.Call) or id(node) in returned:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        read_only = any(k.arg == "read_only" and getattr(k.value, "value", False) is True
                        for k in node.keywords)
        opens += name == "open_read_only" or (name in ("load_workbook", "load_xlsx") and read_only)
    return opens, closes


def test_every_read_only_workbook_is_closed() -> None:
    unclosed = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            opens, closes = _opens_and_closes(ast.parse(path.read_text(encoding="utf-8")))
            if closes < opens:
                unclosed.append(f"{path.relative_to(ROOT)}: {opens} read-only opens, {closes} closes")
    assert not unclosed, unclosed


def test_the_check_sees_a_book_left_open() -> None:
    left = ast.parse("rows = load_workbook('a.xlsx', read_only=True).active")
    closed = ast.parse("book = load_workbook('a.xlsx', read_only=True)\nbook.close()")
    assert _opens_and_closes(left) == (1, 0) and _opens_and_closes(closed) == (1, 1)
