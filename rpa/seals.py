"""The seal of a work item's payload: a keyed hash (HMAC-SHA256 under the audit key) of what the
engine wrote into the queue, so that an edit of the database is caught before it is filed.

A payload is what a worker files (the record of an input row, a corrected one, an approval's
mark). The queue seals every payload it writes (`rpa.queue`); a worker refuses to hand an item
whose seal does not match to its bot (`rpa.run.worker`), a person cannot correct one
(`rpa.casework`), and `rpa audit verify` names it (`rpa.audit.item_checks`). The seal covers the
item's flow and key with the payload, so giving a payload to another item breaks it too (not its
run: a later run takes open items over as they are); without the audit key nobody can make one.

    >>> seal = payload_seal(b"k" * 32, "account_filing", "af:3", {"row": 3})
    >>> len(seal), payload_seal(b"k" * 32, "account_filing", "af:3", {"row": 4}) == seal
    (64, False)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

_DOMAIN = b"rpa-queue-payload\x00"  # never the same input as an audit event's digest


def payload_seal(key: bytes, flow: str, item_key: str, payload: Mapping[str, Any]) -> str:
    """The seal of `payload` as item `item_key` of `flow` (64 hex characters).
    The JSON is canonical (sorted keys), so SQLite's text and PostgreSQL's JSONB seal alike."""
    text = json.dumps([flow, item_key, payload], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return hmac.new(key, _DOMAIN + text.encode(), hashlib.sha256).hexdigest()


def seal_matches(key: bytes, flow: str, item_key: str, payload: Mapping[str, Any], seal: str | None) -> bool:
    """True when `seal` is the payload's (compared in constant time); a missing seal never is."""
    return seal is not None and hmac.compare_digest(seal, payload_seal(key, flow, item_key, payload))
