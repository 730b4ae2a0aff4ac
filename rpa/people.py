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

import os
import pwd
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

CONSOLE_ACTOR = "console:"  # the console's actor for its user NAME is `console:NAME`
_WHERE = re.compile(r"^(?:[a-z][a-z_-]*:)+|@[^@]*$")  # `console:`, `cli:`… before; `@host` after


def person_key(name: str) -> str:
    """The form two names are compared in: NFKC, case folded, no spaces, no invisible characters,
    no `where:` before the name and no `@host` after it (a name that is only that stays whole)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(c for c in folded if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc"))
    return _WHERE.sub("", key) or key


_SIGNED_IN: ContextVar[bool] = ContextVar("signed_in", default=False)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def os_user() -> str:
    """The operating-system account this process runs as, from the account database (not $USER,
    which anyone can set); its uid when the account has no name."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def os_account() -> dict[str, str]:
    """`{"os_user": account}` for a person's decision recorded in the audit chain: a name typed
    at the command line (`--user`, `--checker`) is text anyone can type, the account is not.
    `{}` where the person signed in (the console, `signed_in`): its service account says nothing
    of them."""
    return {} if _SIGNED_IN.get() else {"os_user": os_user()}


@contextmanager
def signed_in() -> Iterator[None]:
    """Within it, the person acting was signed in (the console's session)."""
    token = _SIGNED_IN.set(True)
    try:
        yield
    finally:
        _SIGNED_IN.reset(token)


def as_signed_in(func: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """`func(*args)` as a signed-in person's action (for a worker thread of the console)."""
    with signed_in():
        return func(*args, **kwargs)


def one_account_words(maker_os: str | None, checker_os: str | None) -> str:
    """What a record of a decision adds when its maker and checker typed two names under one
    operating-system account (tester BM F7, 2026-12-08: `--user 王经办` then `--user ＷＡＮＧ`, as
    root both times, read as two people everywhere); "" otherwise, or where either signed in."""
    return f"，二者为同一操作系统账户 {maker_os}" if maker_os and maker_os == checker_os else ""


def same_person(first: str, second: str) -> bool:
    """True when the two names are one person's, written differently."""
    return person_key(first) == person_key(second)
