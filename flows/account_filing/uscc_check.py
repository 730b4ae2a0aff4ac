"""统一社会信用代码 checks (GB 32100-2015), cached for the row that checks twice.

    >>> uscc_checked("91110000600037341L"), uscc_checked("91110000600037341X")
    (('91110000600037341L', None), (None, 'uscc_checksum'))
    >>> uscc_checked("N2330110MF0123451C")  # a village collective, registered by 农业 (N)
    ('N2330110MF0123451C', None)

18 characters of `0123456789ABCDEFGHJKLMNPQRTUWXY`: the registering authority and the kind of
body (positions 1-2: 91 a company, 51 a social organisation, N2 a village collective, Y1
others), the division code (3-8, digits), the organisation code (9-17) and the check character
(`stdnum.cn.uscc.calc_check_digit`). `stdnum.cn.uscc.validate` is not used: it demands digits
in positions 1-8 and so refuses the codes of the bodies registered by 中央军委 (A), 农业 (N) and
other authorities (Y), which are real.

A row's code is checked by its field's parser and again by the record model (which must hold
no invalid code whoever builds it): the last codes seen are cached, so the second check costs a
look-up.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum.cn import uscc

ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_DIGITS = frozenset("0123456789")


@lru_cache(maxsize=64)
def uscc_checked(text: str) -> tuple[str | None, str | None]:
    """(the code, upper-cased and without spaces or dashes, None) when valid, else (None, issue
    code): uscc_length, uscc_format or uscc_checksum."""
    number = uscc.compact(text)
    if len(number) != 18:
        return None, "uscc_length"
    if not set(number) <= ALPHABET or not set(number[2:8]) <= _DIGITS:
        return None, "uscc_format"
    if number[-1] != uscc.calc_check_digit(number[:17]):
        return None, "uscc_checksum"
    return number, None
