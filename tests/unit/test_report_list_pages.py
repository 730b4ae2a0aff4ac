"""A report list read page by page (`bots.report_list.read_pages`) is read whole or says why not:
a pager stuck on a page, a page turned to showing nothing, more pages than the limit, or fewer
rows than the pager's 共N条记录. The pages are given as the list reader reads them."""

from __future__ import annotations

from typing import Any

from bots.report_list import ListedPage, ReportRow, read_pages


class _Pager:
    def __init__(self, pages: list[str]) -> None:
        self.pages, self.at = pages, 0

    def locate(self, name: str) -> Any:
        pager = self

        class _First:
            def inner_text(self) -> str:
                return pager.pages[pager.at]

        class _Locator:
            first = _First()

        assert name == "pager"
        return _Locator()


def _page(*ids: str) -> ListedPage:
    return ListedPage([ReportRow.from_report_id(i) for i in ids], {})


def _read(pages: list[ListedPage], pagers: list[str], limit: int = 50) -> tuple[int, str | None]:
    form = _Pager(pagers)

    def turn() -> ListedPage:
        form.at += 1
        return pages[form.at]

    listing = read_pages(form, pages[0], turn, limit)  # type: ignore[arg-type]
    return len(listing.rows), listing.unread


A, B, C = "D0101-20261203-110101", "D0101-20261203-110102", "D0101-20261203-110105"


def test_pages_read_to_the_last_are_read_whole() -> None:
    assert _read([_page(A, B), _page(C)], ["共3条记录 第1页 共2页", "共3条记录 第2页 共2页"]) == (3, None)
    assert _read([_page()], []) == (0, None)  # 没有符合条件的记录: nothing listed, read whole


def test_a_list_not_read_whole_says_why() -> None:
    stuck = _read([_page(A, B), _page(A, B)], ["共3条记录 第1页 共2页", "共3条记录 第1页 共2页"])
    assert stuck[1] is not None and "仍是已读过的报表" in stuck[1]
    empty = _read([_page(A, B), _page()], ["共3条记录 第1页 共2页", ""])
    assert empty[1] == "翻页后的一页没有报表"
    short = _read([_page(A, B)], ["共3条记录 第1页 共1页"])
    assert short == (2, "列表显示共 3 条记录，读到 2 条")
    endless = _read([_page(A), _page(B), _page(C)], ["共9条记录 第1页 共9页"] * 3, limit=2)
    assert endless[1] == "翻过 2 页仍未到末页"
