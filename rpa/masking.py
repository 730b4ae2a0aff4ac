"""Masking of personal data and secrets for everything that is a diagnostic.

Masking is by *field class*, not by variable name: whoever puts a value in a diagnostic says
what it is (`mask(value, FieldClass.ACCOUNT_NO)`), and `scrub_text` is a last line of defence
for free text (log messages, exception texts) that catches long digit runs, credit codes, ID
numbers and every secret registered with `register_secret`.

    >>> mask("6222020200112233445", FieldClass.ACCOUNT_NO)
    '***************3445'
    >>> mask("张三丰", FieldClass.PERSON_NAME)
    '张**'
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class FieldClass(StrEnum):
    ACCOUNT_NO = "account_no"
    CREDIT_CODE = "credit_code"
    ID_NUMBER = "id_number"
    BASIC_ACCOUNT_PERMIT = "basic_account_permit"
    PERSON_NAME = "person_name"
    SECRET = "secret"
    REFERENCE = "reference"  # a portal's own reference (a filing number): not personal data
    FILE_NAME = "file_name"  # a run-folder path such as evidence/<item_ref>.png: kept whole
    DIGEST = "digest"  # a SHA-256 in hex: kept whole
    KEYED_HASH = "keyed_hash"  # `item_ref` (filing_ref): 16 hex characters, never digits alone: kept whole
    AMOUNT = "amount"  # a money amount a row states (注册资金 in 元): not personal data, kept whole
    PLAIN = "plain"


KEEP_TAIL = 4
_TAIL_CLASSES = {
    FieldClass.ACCOUNT_NO,
    FieldClass.CREDIT_CODE,
    FieldClass.ID_NUMBER,
    FieldClass.BASIC_ACCOUNT_PERMIT,
}


LONGEST_SHOWN = 40  # longer than any number a field holds: said by its length, not in asterisks


def mask_tail(value: str, keep: int = KEEP_TAIL) -> str:
    """Keep the last `keep` characters; everything before becomes `*` (a value longer than
    LONGEST_SHOWN, say a 5,000-digit cell, as 8 asterisks and its length: tester Y)."""
    if len(value) <= keep:
        return "*" * len(value)
    if len(value) > LONGEST_SHOWN:
        return f"{'*' * 8}…（共 {len(value)} 位）{value[-keep:]}"
    return "*" * (len(value) - keep) + value[-keep:]


def mask_name(value: str) -> str:
    """Keep the first character of a person's name."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask(value: object, field_class: FieldClass) -> str:
    """Mask one value by what it is."""
    if value is None:
        return ""
    text = str(value)
    if field_class in _TAIL_CLASSES:
        return mask_tail(text)
    if field_class is FieldClass.PERSON_NAME:
        return mask_name(text)
    if field_class is FieldClass.SECRET:
        return "***"
    if field_class is FieldClass.REFERENCE and _REFERENCE.fullmatch(text):
        return text
    if field_class is FieldClass.FILE_NAME and _is_run_file_name(text):
        return text
    if field_class is FieldClass.AMOUNT and _AMOUNT.fullmatch(text):
        return text
    if field_class is FieldClass.DIGEST and _DIGEST.fullmatch(text):
        return text
    if field_class is FieldClass.KEYED_HASH and _KEYED_HASH.fullmatch(text) and not text.isdigit():
        return text
    return scrub_text(text)


def mask_mapping(values: Mapping[str, Any], classes: Mapping[str, FieldClass]) -> dict[str, Any]:
    """Mask a flat mapping: keys named in `classes` by their class, the rest scrubbed as text."""
    masked: dict[str, Any] = {}
    for key, value in values.items():
        field_class = classes.get(key)
        if field_class is not None:
            masked[key] = mask(value, field_class)
        elif isinstance(value, str):
            masked[key] = scrub_text(value)
        elif isinstance(value, Mapping):
            masked[key] = mask_mapping(value, classes)
        elif isinstance(value, list | tuple):
            masked[key] = [scrub_text(v) if isinstance(v, str) else v for v in value]
        else:
            masked[key] = value
    return masked


MASKED_MARK = "_masked"  # set in a payload `mask_payload` has masked


def mask_payload(payload: Mapping[str, Any], kept: frozenset[str]) -> dict[str, Any]:
    """A work item's payload as kept once its run has ended: every text (at any depth) masked,
    a value with digits to its last four characters, any other text to its first one, except
    the values of the fields named in `kept` (codes and dates, not personal data); numbers,
    booleans and nulls as they are. Marked with `MASKED_MARK`."""

    def walk(value: Any, name: str | None) -> Any:
        if name in kept:
            return value
        if isinstance(value, Mapping):
            return {str(k): walk(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v, name) for v in value]
        if isinstance(value, str):
            return mask_tail(value) if any(c.isdigit() for c in value) else mask_name(value)
        return value

    masked: dict[str, Any] = walk(dict(payload), None)
    masked[MASKED_MARK] = True
    return masked


def personal_values(payload: Mapping[str, Any], kept: frozenset[str] | None) -> list[str]:
    """The texts of a work item's payload that `mask_payload` would mask: every text at any
    depth except the values of the fields named in `kept` (codes and dates); none when `kept` is
    None (the flow's payloads hold no personal data). Texts of fewer than 2 characters, spaces
    aside, are left out: they would be found in any page. What a failure screenshot masks
    wherever its page shows one (`rpa.browser.text_masks`)."""
    if kept is None:
        return []
    found: list[str] = []

    def walk(value: Any, name: str | None) -> None:
        if name in kept:
            return
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, str(key))
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, name)
        elif isinstance(value, str) and len("".join(value.split())) >= 2 and value not in found:
            found.append(value)

    walk(payload, None)
    return found


# --- free-text scrubbing ---------------------------------------------------------------------
_SECRETS: set[str] = set()
_REFERENCE = re.compile(r"[0-9A-Za-z-]{1,40}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,4})?")
_KEYED_HASH = re.compile(r"[0-9a-f]{16}")
# a relative path of plain parts (item_refs, run ids, fixed names): never an account number alone
_FILE_PART = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z_.-]{0,127}")
# a part with Chinese in it (a report the platform named, downloads/网点经营日报_东城支行_20261127.xlsx):
# plain only when each run of 8 or more digits in it is a date (YYYYMMDD), never an account number
_CHINESE_PART = re.compile(r"[0-9A-Za-z_\u3400-\u9fff-][0-9A-Za-z_.\u3400-\u9fff-]{0,127}")
_EIGHT_OR_MORE = re.compile(r"\d{8,}")
_DATE_DIGITS = re.compile(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_ONLY_DIGITS = re.compile(r"\d+")


def _is_run_file_name(text: str) -> bool:
    """A file name inside a run folder that is safe to show whole: every part plain, no `..`,
    and no stem that is nothing but digits (that would be an account number used as a name)."""
    parts = text.split("/")
    if not text or len(text) > 512 or not all(map(_plain_part, parts)):
        return False
    return all(part != ".." and not _ONLY_DIGITS.fullmatch(part.split(".")[0]) for part in parts)


def _plain_part(part: str) -> bool:
    if _FILE_PART.fullmatch(part):
        return True
    return bool(_CHINESE_PART.fullmatch(part)) and all(
        _DATE_DIGITS.fullmatch(digits) for digits in _EIGHT_OR_MORE.findall(part))

# 18-char USCC (digits and the GB 32100 letters, starting with a registration authority code),
# 18-char ID numbers (17 digits + digit or X), the basic account permit J + 13 digits, and any
# run of 8 or more digits (account numbers, bank codes).
_USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Z])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PERMIT = re.compile(r"(?<![0-9A-Za-z])J\d{13}(?!\d)")
# (a run id, 20261128-093000-flow-abc123, starts with 8 digits and is not personal data)
_DIGIT_RUN = re.compile(r"(?<!\d)\d{8,}(?!\d)(?!-\d{6}-)")


def register_secret(value: str | None) -> None:
    """Make `scrub_text` replace this exact string (a password, a key) with `***`."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def _tail(match: re.Match[str]) -> str:
    return mask_tail(match.group(0))


def scrub_known(text: str, payloads: Iterable[Mapping[str, Any]], kept: frozenset[str] | None) -> str:
    """Free text a person typed about items (a reason): each personal value of their payloads
    (`personal_values`: a sole trader's name, an address) masked where it appears, longest
    first, then what `scrub_text` masks (tester U: only digits were masked in reasons)."""
    values = {value for payload in payloads for value in personal_values(payload, kept)}
    for value in sorted(values, key=len, reverse=True):
        shown = scrub_text(value)  # a number as its kind masks it (the last 4 kept), words as a name
        text = text.replace(value, shown if shown != value else mask_name(value))
    return scrub_text(text)


def scrub_text(text: str, *, digit_runs: bool = True) -> str:
    """Mask anything in free text that looks like personal data, and every registered secret;
    `digit_runs=False` leaves bare runs of 8+ digits (a report's figure, 523456700元) shown."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    text = _PERMIT.sub(_tail, text)
    text = _ID_NUMBER.sub(_tail, text)
    text = _USCC.sub(
        lambda m: mask_tail(m.group(0)) if any(c.isdigit() for c in m.group(0)) else m.group(0), text
    )
    return _DIGIT_RUN.sub(_unless_a_dated_name, text) if digit_runs else text


def _unless_a_dated_name(match: re.Match[str]) -> str:
    """A digit run masked, unless it is the date inside a file name or report id
    (网点经营日报_东城支行_20261204.pdf, D0101-20261204-110101: tester BK F15, BI F9, 2026-12-07,
    the clerk could not find the file a refusal named): a YYYYMMDD between `_` or `-` and `.`,
    `_` or `-`, never an account number."""
    text, start, end = match.string, match.start(), match.end()
    dated = bool(_DATE_DIGITS.fullmatch(match.group(0))) and start > 0 and text[start - 1] in "_-" \
        and end < len(text) and text[end] in "._-"
    return match.group(0) if dated else mask_tail(match.group(0))


def item_ref(item_key: str, key: bytes) -> str:
    """A keyed hash of an item's key: joins an item across logs, audit and reports, reveals nothing.

    16 hex characters, never all of them digits: a name such as `evidence/<item_ref>.png` whose
    stem is nothing but digits is masked in the audit chain as a possible account number (about
    one item in 1,850 would otherwise have such a ref, and its evidence could not be verified)."""
    ref = hmac.new(key, item_key.encode(), hashlib.sha256).hexdigest()[:16]
    if ref.isdigit():
        ref = "abcdef"[int(ref[0]) % 6] + ref[1:]
    return ref
