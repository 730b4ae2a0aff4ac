"""How an audit event's details are stored: fields masked by their class (nested ones too), every
other text scrubbed, a long integer masked like digits in free text, secrets never stored.

    >>> mask_details({"account_no": "6222020200112233445", "rows": 3}, {"account_no": FieldClass.ACCOUNT_NO})
    {'account_no': '***************3445', 'rows': 3}

File names and digests (`FILE_FIELDS`) keep their class, which keeps them whole, so an exported
reference always names the file on disk; so does a row's `filing_ref` (a keyed hash that may hold
eight digits in a row), so a later filing of the same account still matches it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rpa.masking import FieldClass, mask, scrub_text

# fields that name run-folder files, digests (of files, of an item's result) and keyed hashes (a
# row's filing, rpa.alerts.findings.filing_ref): kept whole whatever digits they hold
FILE_FIELDS: dict[str, FieldClass] = {
    "evidence": FieldClass.FILE_NAME,
    "evidence_sha256": FieldClass.DIGEST,
    "file": FieldClass.FILE_NAME,
    "file_sha256": FieldClass.DIGEST,
    "result_hmac": FieldClass.DIGEST,
    "filing_ref": FieldClass.KEYED_HASH,
    "filing_ref_any": FieldClass.KEYED_HASH,
    "input_ref": FieldClass.KEYED_HASH,
    "input_name": FieldClass.FILE_NAME,  # a console upload's generated name, kept to be found again
}
# an integer this long may be an account number; it is masked like digits in free text
_LONG_NUMBER_DIGITS = 8


def mask_details(details: Mapping[str, Any], classes: Mapping[str, FieldClass]) -> dict[str, Any]:
    """Details as stored: classified fields masked by class (nested ones too), all text scrubbed."""
    return {str(name): _masked(value, classes, classes.get(str(name))) for name, value in details.items()}


def _masked(value: Any, classes: Mapping[str, FieldClass], field_class: FieldClass | None) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _masked(v, classes, classes.get(str(k), field_class)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v, classes, field_class) for v in value]
    if value is None:
        return None
    if field_class is not None and field_class is not FieldClass.PLAIN:
        return mask(value, field_class)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return scrub_text(str(value)) if len(str(abs(value))) >= _LONG_NUMBER_DIGITS else value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return scrub_text(str.__str__(value) if isinstance(value, str) else str(value))
