"""A report's required rows, each found for each branch, or the file refused naming what is
missing, the nearest labels seen, and why a label may be out of sight.

    require_rows(file, spec, found, branches, seen_labels, notes, below)

A row hidden (or filtered out, or in a collapsed group) is never read, and its note says where
it is: a refusal for its label names that row and says to show it (tester BO F10, 2026-12-08:
"找不到行标签" with nothing about the hidden row). Another table below the report's (`below`,
`surroundings.is_appendix`) is said the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.report_extraction.group_blocks import glued_figure
from flows.report_extraction.header import nearest
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.tables import GridCell
from rpa.errors import LabelNotFound


def require_rows(file: str, spec: ExtractionSpec, found: Mapping[tuple[str | None, str], GridCell],
                 branches: Sequence[str | None], seen_labels: Mapping[str | None, list[str]],
                 notes: Sequence[str], below: str) -> None:
    """LabelNotFound naming each required row not found for a branch (or at all)."""
    missing = [(branch, label.name) for branch in branches for label in spec.rows
               if label.required and (branch, label.name) not in found]
    if not branches:
        missing = [(None, label.name) for label in spec.rows if label.required]
    if not missing:
        return
    lines = []
    for branch, name in missing:
        seen = seen_labels.get(branch) or [t for ts in seen_labels.values() for t in ts]
        of_branch = f"（机构 {branch}）" if branch else ""
        hidden = next((n for n in notes if n.startswith("略过的隐藏行 ") and name in n), None)
        unseen = f"；{hidden.removeprefix('略过的')}：请取消隐藏（或筛选、折叠）后重新报送" if hidden else ""
        lines.append(f"{file}：找不到行标签“{name}”{of_branch}；表中相近的行标签：{nearest(name, seen)}"
                     f"{glued_figure(name, seen)}{unseen}{below}")
    raise LabelNotFound("\n".join(lines), details={"file": file, "labels": [n for _, n in missing]})
