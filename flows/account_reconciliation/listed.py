"""AMS's 备案业务清单 as the reconciliation keeps it between its worker and its finish: the list
read (`LISTED`), the accounts AMS refused to show at the look-ups that confirm it (`REFUSED`),
and, in the list item's payload, our runs' filings as keyed digests (`KNOWN`): the worker looks
up every listed filing that is not one of them, nor one an earlier attempt found (`Confirmed`,
`bots.ams.AmsBot.confirm_listed`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from rpa.atomic import atomic_write
from rpa.masking import item_ref, scrub_text

if TYPE_CHECKING:
    from bots.ams import ListedFiling
    from rpa.settings import Settings

LISTED = "ams_filings.json"  # AMS's list as read: a record (account numbers, names), like the book
REFUSED = "ams_refused.json"  # {account: AMS's words} of listed accounts AMS refused to show
KNOWN = "known"  # the list item's payload: keyed digests of our runs' filings (account, number)
CONFIRMED = "ams_confirmed.json"  # keyed digests of listed filings found in their accounts' histories


def known_digest(account_no: str, filing_no: str, key: bytes) -> str:
    """A filing of ours as the list item's payload holds it: a keyed digest (`key`: the audit
    key, read once by the caller), no account number."""
    return item_ref(f"{account_no} {filing_no}", key)


class Confirmed:
    """The listed filings already found in their accounts' histories by an earlier attempt of the
    list item (`CONFIRMED`, keyed digests), so that a 500 at the 40th look-up does not send the
    retry through the first 39 again (tester AR); with our runs' filings (`KNOWN`), what is
    `known` to `AmsBot.confirm_listed`."""

    def __init__(self, folder: Path, payload: dict[str, Any], settings: Settings) -> None:
        self.path, self.key = folder / CONFIRMED, settings.audit_key_bytes()
        self.ours = frozenset(payload.get(KNOWN) or ())
        try:
            kept = json.loads(self.path.read_text("utf-8")) if self.path.exists() else []
        except (OSError, ValueError):
            kept = []  # none kept: every account is looked up again
        self.found = {str(digest) for digest in kept} if isinstance(kept, list) else set()

    def known(self, filing: ListedFiling) -> bool:
        digest = known_digest(filing.account_no, filing.filing_no, self.key)
        return digest in self.ours or digest in self.found

    def add(self, account: str, numbers: set[str]) -> None:
        self.found.update(known_digest(account, number, self.key) for number in numbers)

    def keep(self) -> None:
        """Write what was found; a write that fails loses only look-ups saved (never the item's error)."""
        try:
            with atomic_write(self.path, "w", encoding="utf-8") as handle:
                json.dump(sorted(self.found), handle)
        except OSError as exc:
            logger.warning("未能保存已核实的清单账号（{}）：重试时将重新查询", type(exc).__name__)


def refused_in(folder: Path, listed_event: dict[str, Any] | None) -> dict[str, str]:
    """The accounts AMS refused to show at the list's look-ups; {} without the file only when the
    run's `ams.filings_listed` counts none refused (or predates the count, 2026-12-07). A file
    gone that the event says held some, or not such a table, is a ValueError: never read as none."""
    if not (folder / REFUSED).exists():
        if (listed_event or {}).get("refused"):
            raise FileNotFoundError(REFUSED)
        return {}
    found = json.loads((folder / REFUSED).read_text("utf-8"))
    if not isinstance(found, dict):
        raise ValueError(REFUSED)
    return {str(account): str(words) for account, words in found.items()}


def unconfirmed(words: str) -> str:
    """The note of a line whose account AMS would not show (`words`: its message)."""
    return (f"按清单所列账号查询时 AMS 不予显示（{scrub_text(words)[:100]}）：未能核实清单所列的是完整账号，"
            "须人工核实")
