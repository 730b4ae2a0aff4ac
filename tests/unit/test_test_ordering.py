"""The suite's file order (tests/plugins/ordering.py): longest files first, nothing lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.plugins.ordering import FILE_SECONDS, file_costs, order_by_length, recorded_seconds


@dataclass
class Item:
    """What the hook reads of a collected test: its node id and its marks."""

    nodeid: str
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name: str) -> Any:
        return name if name in self.marks else None


def test_recorded_files_go_longest_first_and_quick_files_keep_their_order() -> None:
    recorded = recorded_seconds("# comment\n\n  12 tests/e2e/b.py\n300 tests/e2e/demo.py\n")
    assert recorded == {"tests/e2e/b.py": 12.0, "tests/e2e/demo.py": 300.0}
    items = [
        Item("tests/unit/q1.py::test_a"),
        Item("tests/e2e/b.py::test_x", {"slow"}),
        Item("tests/unit/q2.py::test_b"),
        Item("tests/e2e/new.py::test_1", {"slow"}),
        Item("tests/e2e/new.py::test_2", {"slow"}),
        Item("tests/unit/q1.py::test_c"),
        Item("tests/e2e/demo.py::test_demo", {"slow"}),
        Item("tests/e2e/new.py::test_3"),
    ]
    costs = file_costs(items, recorded)  # type: ignore[arg-type]
    assert costs["tests/e2e/new.py"] == 60.0  # not recorded: 30 s a slow test
    ordered = list(items)
    order_by_length(ordered, recorded)  # type: ignore[arg-type]
    assert [i.nodeid for i in ordered] == [
        "tests/e2e/demo.py::test_demo",
        "tests/e2e/new.py::test_1",
        "tests/e2e/new.py::test_2",
        "tests/e2e/new.py::test_3",  # a file's own tests stay together, in their order
        "tests/e2e/b.py::test_x",
        "tests/unit/q1.py::test_a",
        "tests/unit/q2.py::test_b",
        "tests/unit/q1.py::test_c",
    ]
    assert sorted(i.nodeid for i in ordered) == sorted(i.nodeid for i in items)  # none lost


def test_the_recorded_table_reads_and_names_test_files() -> None:
    recorded = recorded_seconds(FILE_SECONDS.read_text(encoding="utf-8"))
    assert len(recorded) > 20 and all(s > 0 for s in recorded.values())
    assert all(p.startswith("tests/") and p.endswith(".py") for p in recorded)

