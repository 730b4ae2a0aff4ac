"""A workbook openpyxl opens read-only holds its file open until `close()`; left to the garbage
collector, its ResourceWarning surfaces in whichever test runs next (CI on c18664a failed so, in a
test that never opened the book). Every read-only book a module opens is bound to a name that the
module closes (`book.close()`, or `book.close` handed on), opened in a `with`, or returned to the
caller, who is held to the same rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("rpa", "flows", "bots", "fixtures", "tests", "benchmarks")
OPENERS = ("load_workbook", "load_xlsx")


def _is_open(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    read_only = any(k.arg == "read_only" and getattr(k.value, "value", False) is True for k in node.keywords)
    return name == "open_read_only" or (name in OPENERS and read_only)


def unclosed(tree: ast.AST) -> list[int]:
    """Lines of read-only opens in `tree` that nothing closes."""
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    closed = {node.value.id for node in ast.walk(tree) if isinstance(node, ast.Attribute)
              and node.attr == "close" and isinstance(node.value, ast.Name)}
    lines = []
    for node in ast.walk(tree):
        if not _is_open(node):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Return | ast.withitem):
            continue
        target = parent.targets[0] if isinstance(parent, ast.Assign) and len(parent.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id in closed:
            continue
        lines.append(node.lineno)  # type: ignore[attr-defined]
    return lines


def test_every_read_only_workbook_is_closed() -> None:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = unclosed(ast.parse(path.read_text(encoding="utf-8")))
            found += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert not found, found


def test_the_check_sees_a_book_left_open() -> None:
    assert unclosed(ast.parse("rows = load_workbook('a.xlsx', read_only=True).active")) == [1]
    assert unclosed(ast.parse("book = load_workbook('a.xlsx', read_only=True)\npage.close()")) == [1]
    assert unclosed(ast.parse("book = load_workbook('a.xlsx', read_only=True)\nbook.close()")) == []
    assert unclosed(ast.parse("def f():\n    return open_read_only(p, data_only=True)")) == []
