"""居民身份证 numbers as they really are (GB 11643).

    >>> resident_id_problem("11010519491231002X"), resident_id_problem("11010519491231002Y")
    (None, 'id_checksum')

The rule: 18 characters (17 digits and a digit or X), the GB 11643 check digit, a real birth
date neither in the future nor before 1900, and an address code that exists in the code list
in any year. `stdnum.cn.ric.validate` also demands that the county existed in the birth year,
which real numbers break all the time: numbers were issued from 1984 on with the code of the
county a person lived in then, and codes change with every re-districting. So stdnum's table is
used for whether a code exists at all, ignoring its years.
"""

from __future__ import annotations

from datetime import date

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

EARLIEST_BIRTH = date(1900, 1, 1)


def address_code_known(code: str) -> bool:
    """Whether the six-digit address code is in stdnum's code list, in any year."""
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


def resident_id_problem(number: str, today: date | None = None) -> str | None:
    """None for a sound number, else the issue code of what is wrong with it: id_length,
    id_format, id_checksum, id_birth_date or id_region."""
    if len(number) != 18:
        return "id_length"
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return "id_format"
    if ric.calc_check_digit(number) != number[17]:
        return "id_checksum"
    try:
        born = ric.get_birth_date(number)
    except InvalidComponent:
        return "id_birth_date"
    if not EARLIEST_BIRTH <= born <= (today or date.today()):
        return "id_birth_date"
    if not address_code_known(number[:6]):
        return "id_region"
    return None
