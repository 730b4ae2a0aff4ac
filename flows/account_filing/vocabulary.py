"""Short names for the registry's action and account-kind words (`registry.py` holds them all).

Records carry `open`/`change`/`close` and `basic`/`general`/`special`/`temporary`; the Chinese
words for them, and every other label list, live in the field registry.
"""

from __future__ import annotations

from typing import Literal

from flows.account_filing.registry import FIELDS

Action = Literal["open", "change", "close"]
AccountKind = Literal["basic", "general", "special", "temporary"]

ACTION_NAMES: dict[str, str] = {c.value: c.label for c in FIELDS["action"].choices}
KIND_NAMES: dict[str, str] = {c.value: c.label for c in FIELDS["account_kind"].choices}
CLOSE_REASONS: tuple[str, ...] = FIELDS["close_reason"].labels
