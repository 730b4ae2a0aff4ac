"""统一社会信用代码 checks (GB 32100, python-stdnum), cached for the row that checks twice.

    >>> uscc_checked("91110000600037341L"), uscc_checked("91110000600037341X")
    (('91110000600037341L', None), (None, 'uscc_checksum'))

A row's code is checked by its field's parser and again by the record model (which must hold
no invalid code whoever builds it): the last codes seen are cached, so the second check costs a
look-up.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


@lru_cache(maxsize=64)
def uscc_checked(text: str) -> tuple[str | None, str | None]:
    """(the code as stdnum normalises it, None) when valid, else (None, issue code):
    uscc_length, uscc_checksum or uscc_format."""
    try:
        return str(uscc.validate(text)), None
    except InvalidLength:
        return None, "uscc_length"
    except InvalidChecksum:
        return None, "uscc_checksum"
    except StdnumError:
        return None, "uscc_format"
