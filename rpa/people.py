"""Who a person is, for the four-eyes rules: a maker never decides on their own work.

A name typed as `ＡＬＩＣＥ`, `alice `, `a l i c e` or with a zero-width character inside is the
same person as `Alice`: full-width forms are folded (NFKC), case is folded, and spaces and
invisible characters do not count. The console records its user `alice` as the actor
`console:alice`: that prefix names where the person acted, not another person, so it does not
count either, nor does any other such prefix (`cli:`, `cases:`, `schedule:`) or a host after
`@` (`alice@console`).

>>> same_person("Alice", "ＡＬＩＣＥ"), same_person("ro\\u200bot", "root"), same_person("张 三", "张三")
(True, True, True)
>>> same_person("console:alice", "Alice"), same_person("Console：alice", "console:ALICE")
(True, True)
>>> same_person("schedule:adm1", "adm1"), same_person("op1@console", "cli:OP1")
(True, True)
>>> same_person("alice", "alicia")
False
"""

from __future__ import annotations

import getpass
import os
import re
import unicodedata

CONSOLE_ACTOR = "console:"  # the console's actor for its user NAME is `console:NAME`
_WHERE = re.compile(r"^(?:[a-z][a-z_-]*:)+|@[^@]*$")  # `console:`, `cli:`… before; `@host` after


def person_key(name: str) -> str:
    """The form two names are compared in: NFKC, case folded, no spaces, no invisible characters,
    no `where:` before the name and no `@host` after it (a name that is only that stays whole)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(c for c in folded if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc"))
    return _WHERE.sub("", key) or key


def os_user() -> str:
    """The operating-system account this process runs as: recorded beside the name a person
    typed (`--user`, `--checker`), which anyone can type; its uid when the account has no name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def same_person(first: str, second: str) -> bool:
    """True when the two names are one person's, written differently."""
    return person_key(first) == person_key(second)
