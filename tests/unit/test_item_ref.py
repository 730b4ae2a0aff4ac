"""An item's reference names its evidence files, so it is never all digits: such a file name is
masked in the audit chain as a possible account number (the chaos suite met one in a 40-row run:
`rpa audit verify` then found the evidence "missing" and "added afterwards")."""

from __future__ import annotations

import hashlib
import hmac
import itertools

from rpa.masking import FieldClass, item_ref, mask

KEY = b"unit-test-audit-key-0123456789abcdef"


def _digit_only_key() -> str:
    """An item key whose plain HMAC prefix is all digits (about one in 1,850 is: (10/16)**16)."""
    for n in itertools.count():
        key = f"row-{n}"
        if hmac.new(KEY, key.encode(), hashlib.sha256).hexdigest()[:16].isdigit():
            return key
    raise AssertionError("unreachable")


def test_a_ref_that_would_be_all_digits_gets_a_letter_and_its_evidence_name_stays_whole() -> None:
    key = _digit_only_key()
    ref = item_ref(key, KEY)
    plain = hmac.new(KEY, key.encode(), hashlib.sha256).hexdigest()[:16]
    assert len(ref) == 16 and all(c in "0123456789abcdef" for c in ref)
    assert not ref.isdigit() and ref[1:] == plain[1:]
    assert item_ref(key, KEY) == ref  # the same item, the same ref, in every process
    name = f"evidence/{ref}.png"
    assert mask(name, FieldClass.FILE_NAME) == name


def test_other_refs_are_the_hmac_prefix_unchanged() -> None:
    for n in range(200):
        plain = hmac.new(KEY, f"item-{n}".encode(), hashlib.sha256).hexdigest()[:16]
        if not plain.isdigit():
            assert item_ref(f"item-{n}", KEY) == plain
