"""The sentences one audit check says: `rpa audit verify` prints them, 【不符】 marking a failure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    """The sentences of one check; `ok` is False as soon as one of them is a failure."""

    subject: str
    lines: list[str] = field(default_factory=list)
    ok: bool = True
    unknown: bool = False  # a run nothing knows: not the database, the ledger nor a run folder

    def good(self, text: str) -> None:
        self.lines.append(f"{self.subject}：{text}")

    def bad(self, text: str) -> None:
        self.ok = False
        self.lines.append(f"{self.subject}：【不符】{text}")
