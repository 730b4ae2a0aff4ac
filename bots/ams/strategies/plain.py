"""The plain strategy: one tab, one item at a time, one page at a time, each element located
and each field set through Playwright (no page marks, no forms filled in one round trip).

The reference the filing tests run the pipelined strategy against (`RPA_AMS_STRATEGY=plain`):
slower, with nothing loaded ahead, and the way to start on a portal that keeps one open form
per session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bots.ams.bot import AmsBot
    from bots.ams.content import CanonicalFiling


class PlainStrategy:
    """The filing steps as `AmsBot` does them, nothing more."""

    name = "plain"
    looks_ahead = False  # the worker claims one item at a time

    def __init__(self, bot: AmsBot) -> None:
        self.bot = bot
        bot.use_quick(False)

    def look_ahead(self, upcoming: CanonicalFiling | None) -> None:
        """Nothing: no item is claimed ahead."""

    def begin(self, record: CanonicalFiling) -> None:
        """Nothing to take over: the record's pages are opened when they are asked for."""

    def looked_up(self, record: CanonicalFiling) -> None:
        """Nothing to load ahead."""

    def meanwhile(self, record: CanonicalFiling) -> Callable[[], None] | None:
        """Nothing to do while 确认提交 is answered."""
        return None
