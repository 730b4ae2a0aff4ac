"""The account beside a typed name (rpa.people.os_account): read from the account database, so
`USER=zhao.lei rpa approvals approve ...` records the real account, not the colleague typed;
nothing beside a console user, whose session says who acts."""

from __future__ import annotations

import os
import pwd
import threading

import pytest

from rpa.people import as_signed_in, one_account_words, os_account, os_user, signed_in


def test_the_account_is_the_processes_not_what_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "zhao.lei")
    real = pwd.getpwuid(os.getuid()).pw_name
    assert real != "zhao.lei"
    assert os_user() == real and os_account() == {"os_user": real}


def test_a_signed_in_person_gets_no_account_beside_the_name() -> None:
    with signed_in():
        assert os_account() == {}
    assert "os_user" in os_account()
    seen: list[dict[str, str]] = []
    worker = threading.Thread(target=lambda: seen.append(as_signed_in(os_account)))  # a console thread
    worker.start()
    worker.join()
    assert seen == [{}] and "os_user" in os_account()


@pytest.mark.parametrize(("maker", "checker", "said"), [
    ("root", "root", "，二者为同一操作系统账户 root"),  # two names typed under one account (BM F7)
    ("wang.jb", "li.fh", ""),
    ("wang.jb", "", ""),  # the checker signed in to the console
    ("", "", ""),  # both signed in, or recorded before accounts were
    (None, None, ""),
])
def test_a_mark_and_its_approval_under_one_account_say_so(maker: str | None, checker: str | None,
                                                           said: str) -> None:
    assert one_account_words(maker, checker) == said
