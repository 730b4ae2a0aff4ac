"""How the filing bot goes through AMS's screens: `RPA_AMS_STRATEGY` chooses.

    pipelined  (the default) three tabs, one item ahead, pages that only read loaded early,
               page marks, forms filled in one round trip (`pipelined.py`)
    plain      one tab, one item at a time, one page at a time, Playwright's own way for
               every step (`plain.py`): the reference the tests run the other against

Both compose the same page objects (`bots.ams.pages`) through `AmsBot`; the filing handler
calls a strategy's hooks (`look_ahead`, `begin`, `looked_up`, `meanwhile`) around the steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bots.ams.strategies.pipelined import PipelinedStrategy
from bots.ams.strategies.plain import PlainStrategy

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page

    from bots.ams.bot import AmsBot
    from bots.ams.content import CanonicalFiling

STRATEGIES = ("pipelined", "plain")


class FilingStrategy(Protocol):
    """What the filing handler asks of a strategy around the steps of one record."""

    name: str
    looks_ahead: bool  # True: the worker claims one item ahead and passes it to `look_ahead`

    def look_ahead(self, upcoming: CanonicalFiling | None) -> None: ...
    def begin(self, record: CanonicalFiling) -> None: ...
    def looked_up(self, record: CanonicalFiling) -> None: ...
    def meanwhile(self, record: CanonicalFiling) -> Callable[[], None] | None: ...


def open_strategy(
    name: str, bot: AmsBot, new_page: Callable[[], Page], *, dry_run: bool = False
) -> FilingStrategy:
    """The strategy `name` set up on `bot` (before login); `new_page` opens another tab of the
    bot's browser context."""
    if name == "plain":
        return PlainStrategy(bot)
    if name == "pipelined":
        strategy = PipelinedStrategy(bot, dry_run=dry_run)
        strategy.open_tabs(lookup=new_page(), spare=new_page())
        return strategy
    raise ValueError(f"不认识的 AMS 办理方式 {name!r}（可选：{'、'.join(STRATEGIES)}）")


__all__ = ["STRATEGIES", "FilingStrategy", "PipelinedStrategy", "PlainStrategy", "open_strategy"]
