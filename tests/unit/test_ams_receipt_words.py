"""A 成功 receipt's 备案编号 and 基本存款账户编号 as AMS holds them (`bots.ams.codes`): grouped
numbers joined, a permit found among words, a cell showing none read as none; anything else does
not read (None), and the answer is then retried after a look-up, never recorded as shown."""

from __future__ import annotations

import pytest

from bots.ams import codes


@pytest.mark.parametrize(("shown", "number"), [
    ("100020261204000022", "100020261204000022"), ("1000-20261204-000022", "100020261204000022"),
    (" 1000 2026 1204 000022 ", "100020261204000022"), ("AMS2026112700017", "AMS2026112700017"),
    ("1000/20261204", None), ("编号100", None), ("", None),
])  # fmt: skip
def test_a_filing_number_reads_without_its_separators(shown: str, number: str | None) -> None:
    assert codes.filing_number(shown) == number


@pytest.mark.parametrize(("shown", "permit"), [
    ("J1000000011301", "J1000000011301"), ("核准号：J1000000011301（请妥善保管）", "J1000000011301"),
    ("", ""), (None, ""), ("无", ""), ("—", ""), ("-", ""),  # shows none: the account has none
    ("J100", None), ("J1000000011301 J1000000011302", None), ("1000000011301", None),
])  # fmt: skip
def test_a_permit_is_found_among_words_and_a_cell_showing_none_is_none(
    shown: str | None, permit: str | None
) -> None:
    assert codes.permit_shown(shown) == permit
