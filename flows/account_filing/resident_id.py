"""居民身份证 numbers as they really are (GB 11643).

    >>> resident_id_problem("11010519491231002X"), resident_id_problem("11010519491231002Y")
    (None, 'id_checksum')

The rule: 18 characters (17 digits and a digit or X), the GB 11643 check digit, a real birth
date neither in the future nor before 1900, and an address code that exists in the code list
in any year and is below a province. A number starting 81, 82 or 83 (810000 香港, 820000 澳门,
830000 台湾) is a 港澳台居民居住证's, which carries the same check digit: those residents are
issued no 居民身份证, so such a number under that type is the wrong type, not a typo
(id_hmt_residence). A province's own code (110000, 440000: xx0000) is no holder's address
(id_region_province). Codes ending in 00 below a province stay accepted: cities without
counties (441900 东莞, 442000 中山) put their own code on their people's numbers.

`stdnum.cn.ric.validate` also demands that the county existed in the birth year, which real
numbers break all the time: numbers were issued from 1984 on with the code of the county a
person lived in then, and codes change with every re-districting. So stdnum's table is used for
whether a code exists at all, ignoring its years.

A row's number is checked by its field's parser and again by the record model (which must hold
no invalid number whoever builds it): the checks that do not depend on the day are cached for
the last numbers seen, so the second check of a row costs a look-up, and a code's place in the
code list is cached too (a few thousand codes exist).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric

EARLIEST_BIRTH = date(1900, 1, 1)
# the first two digits of a 港澳台居民居住证 number: 81 香港, 82 澳门, 83 台湾 (the permit's own
# code for Taiwan, not GB/T 2260's 71, which as 710000 is refused as a province's code)
RESIDENCE_PERMIT_PREFIXES = ("81", "82", "83")


@lru_cache(maxsize=8192)
def address_code_known(code: str) -> bool:
    """Whether the six-digit address code is in stdnum's code list, in any year."""
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


def resident_id_problem(number: str, today: date | None = None) -> str | None:
    """None for a sound number, else the issue code of what is wrong with it: id_length,
    id_format, id_checksum, id_birth_date, id_hmt_residence, id_region or id_region_province."""
    problem, born = _problem_and_birth(number)
    if born is not None and born > (today or date.today()):  # checked before the region
        return "id_birth_date"
    return problem


@lru_cache(maxsize=64)
def _problem_and_birth(number: str) -> tuple[str | None, date | None]:
    """The checks that do not depend on the day, and the birth date when it was read (the
    caller checks it against the day before the region, as the checks always went)."""
    if len(number) != 18:
        return "id_length", None
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return "id_format", None
    if ric.calc_check_digit(number) != number[17]:
        return "id_checksum", None
    try:  # what ric.get_birth_date reads, without its clean-up of a number already clean
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "id_birth_date", None
    if born < EARLIEST_BIRTH:
        return "id_birth_date", None
    if number.startswith(RESIDENCE_PERMIT_PREFIXES):  # before the code list: 830000 is not in it
        return "id_hmt_residence", born
    if not address_code_known(number[:6]):
        return "id_region", born
    if number[2:6] == "0000":
        return "id_region_province", born
    return None, born
