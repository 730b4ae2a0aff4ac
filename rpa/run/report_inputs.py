"""The run report's table of input rows: one row per row of the flow's input file, in input order,
with its outcome as a coloured badge, and the page's only script, which filters the rows by
outcome and by a search text. The page's Content-Security-Policy allows that script by its hash
(`SCRIPT_HASH`), and nothing else.

    >>> outcome_choices([InputRow("开户", 2, "6222****1234", "张*", "备案", "filed")])
    [('filed', '已报备', 1)]
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rpa.outcomes import OUTCOME_LABELS, outcome_label
from rpa.run.report_evidence import Evidence, evidence_of_run
from rpa.run.report_sections import InputRow, shown_reference, shown_text

# row outcome (rpa.outcomes) -> badge colour
OUTCOME_COLOURS: dict[str, str] = {
    "filed": "#2e7d32", "already_filed": "#1565c0", "would_file": "#558b2f", "refused": "#c62828",
    "rejected": "#d9730d", "held": "#6a1b9a", "needs_person": "#6a1b9a", "failed": "#b71c1c",
    "pending": "#607d8b", "elsewhere": "#607d8b", "invalid": "#8d6e63",
}  # fmt: skip
# the page's only script: filters the input rows by outcome and by a search text. The page's
# Content-Security-Policy allows this script by its hash, and nothing else.
FILTER_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.input-row"));
  var outcome = document.getElementById("outcome-filter");
  var search = document.getElementById("row-search");
  var shown = document.getElementById("rows-shown");
  if (!outcome || !search || !shown) { return; }
  function apply() {
    var wanted = outcome.value, text = search.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute("data-outcome") === wanted) &&
               (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.hidden = !ok;
      var shots = row.nextElementSibling;  // the row's screenshot, in a row of its own
      if (shots && shots.classList.contains("input-evidence")) { shots.hidden = !ok; }
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
  }
  outcome.addEventListener("change", apply);
  search.addEventListener("input", apply);
})();
"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()


@dataclass(frozen=True)
class ShownInputRow:
    """An input row as the page shows it."""

    where: str
    account: str
    name: str
    action: str
    outcome: str
    label: str
    colour: str
    filing_no: str
    portal_message: str
    note: str
    attempts: int
    shot: Evidence | None
    due: str = ""


def shown_input_row(row: InputRow, folder: Path) -> ShownInputRow:
    """An input row as the page shows it: scrubbed, with its outcome's word and colour."""
    return ShownInputRow(
        where=f"{shown_text(row.sheet)} 第{row.row}行",
        account=shown_text(row.account),
        name=shown_text(row.name),
        action=shown_text(row.action),
        outcome=filter_key(row.outcome),
        label=outcome_label(row.outcome),
        colour=OUTCOME_COLOURS.get(row.outcome, "#455a64"),
        filing_no=shown_reference(row.filing_no),
        portal_message=shown_text(row.portal_message),
        note=shown_text(row.note),
        attempts=row.attempts,
        shot=evidence_of_run(row.evidence, folder, row.evidence_run),
        due=shown_text(row.due),
    )


def filter_key(outcome: str) -> str:
    """What the filter matches a row by: its outcome's word's first code (a held item and a row
    put aside for a person are both 需人工处理: one choice, tester AG saw two of that name)."""
    word = outcome_label(outcome)
    return next((code for code in OUTCOME_LABELS if outcome_label(code) == word), outcome)


def outcome_choices(rows: Sequence[InputRow]) -> list[tuple[str, str, int]]:
    """(filter key, word, count) of each outcome word the rows have, in the vocabulary's order."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[filter_key(row.outcome)] = counts.get(filter_key(row.outcome), 0) + 1
    order = [code for code in OUTCOME_LABELS if code in counts] + sorted(set(counts) - set(OUTCOME_LABELS))
    return [(code, outcome_label(code), counts[code]) for code in order]


def held_elsewhere(rows: Sequence[InputRow], run_id: str) -> int:
    """How many input rows another run's items hold (filed by it, or still in its hands)."""
    return sum(1 for row in rows if row.evidence_run and row.evidence_run != run_id)


def aside_line(rows: Sequence[InputRow], run_id: str = "") -> str:
    """The input rows put aside while validating (never queue items, so in no tile), and those
    another run's items hold (filed by it, or in its hands), in words; "" when there are none:
    the tiles count this run's items only, and 0 需人工处理 beside three such rows would read as
    none (tester BJ F7, 2026-12-07: the counts added up to 33 of 34 rows)."""
    invalid = sum(1 for row in rows if row.outcome == "invalid")
    for_a_person = sum(1 for row in rows if row.outcome == "needs_person")
    elsewhere = held_elsewhere(rows, run_id) if run_id else 0
    said = ""
    if invalid or for_a_person:
        counted = (("invalid", invalid), ("needs_person", for_a_person))
        parts = "，".join(f"{outcome_label(code)} {n} 行" for code, n in counted if n)
        said = (f"另有 {invalid + for_a_person} 行在校验输入时即搁置，未成为事项（不在上面的计数中）："
                f"{parts}；")
    if elsewhere:
        said += f"另有 {elsewhere} 行由其他运行的事项办理（不在上面的计数中，说明中写明是哪次运行）；"
    return f"{said}见下方逐行结果" if said else ""
