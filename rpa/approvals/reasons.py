"""The reason a person gives for a decision on a row (a refusal, a by-hand filing), as the audit
chain, run.log and result.xlsx keep it: one line, not empty, at most `REASON_LIMIT` characters.

    reason = stated_reason(text, "退回须写明原因")   # a UsageError (exit 2) asking for it otherwise

A 36,000-character reason was accepted and cut at Excel's cell limit in result.xlsx, losing the
maker and checker written after it (tester BM F16, 2026-12-08): a reason longer than a note
refuses the action before anything is recorded.
"""

from __future__ import annotations

from rpa.errors import UsageError

REASON_LIMIT = 500


def stated_reason(reason: str, ask: str) -> str:
    """`reason` on one line (runs of whitespace and line breaks made one space); `ask` is the
    refusal when nothing is left."""
    text = " ".join(reason.split())
    if not text:
        raise UsageError(ask)
    if len(text) > REASON_LIMIT:
        raise UsageError(f"原因共 {len(text)} 个字，超过 {REASON_LIMIT} 个字的上限，本次操作未做任何改动："
                         "请简要写明原因，详细材料另行存档并在原因中写明存档编号")
    return text
