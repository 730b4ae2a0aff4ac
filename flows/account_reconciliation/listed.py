"""AMS's 备案业务清单 as the reconciliation keeps it between its worker and its finish: the list
read (`LISTED`), the accounts AMS refused to show at the look-ups that confirm it (`REFUSED`),
and, in the list item's payload, our runs' filings as keyed digests (`KNOWN`): the worker looks
up every listed filing that is not one of them (`bots.ams.AmsBot.confirm_listed`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa.masking import item_ref, scrub_text

if TYPE_CHECKING:
    from bots.ams import ListedFiling
    from rpa.settings import Settings

LISTED = "ams_filings.json"  # AMS's list as read: a record (account numbers, names), like the book
REFUSED = "ams_refused.json"  # {account: AMS's words} of listed accounts AMS refused to show
KNOWN = "known"  # the list item's payload: keyed digests of our runs' filings (account, number)


def known_digest(account_no: str, filing_no: str, settings: Settings) -> str:
    """A filing of ours as the list item's payload holds it: a keyed digest, no account number."""
    return item_ref(f"{account_no} {filing_no}", settings.audit_key_bytes())


def ours_in(payload: dict[str, Any], settings: Settings) -> Callable[[ListedFiling], bool]:
    """Whether a listed filing is one our runs recorded (the list item's `KNOWN` digests)."""
    held = frozenset(payload.get(KNOWN) or ())
    return lambda filing: known_digest(filing.account_no, filing.filing_no, settings) in held


def refused_in(folder: Path) -> dict[str, str]:
    """The accounts AMS refused to show at the list's look-ups; {} for a list read before they
    were kept (2026-12-07). A file that does not read as such a table is a ValueError."""
    if not (folder / REFUSED).exists():
        return {}
    found = json.loads((folder / REFUSED).read_text("utf-8"))
    if not isinstance(found, dict):
        raise ValueError(REFUSED)
    return {str(account): str(words) for account, words in found.items()}


def unconfirmed(words: str) -> str:
    """The note of a line whose account AMS would not show (`words`: its message)."""
    return (f"按清单所列账号查询时 AMS 不予显示（{scrub_text(words)[:100]}）：未能核实清单所列的是完整账号，"
            "须人工核实")
