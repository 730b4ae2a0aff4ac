"""Coded fields by their labels: an AMS whose selects are numbered and ordered otherwise still
gets every ID type and depositor category right, and a label it does not offer is a row error.

The labels below are written out by hand from DOMAIN.md and the portal's screens, not taken
from the project's registry or the mock's tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bots.ams import AmsBot, differing_fields, load_message_catalogue
from bots.ams.strategies import STRATEGIES, open_strategy
from fixtures.portals.common import RunningServer, serve_in_thread
from flows.account_filing.history_match import compared_fields
from flows.account_filing.records import FilingRecord
from rpa.browser.selectors import load_selectors
from rpa.errors import BusinessError
from rpa.settings import Settings
from tests.integration.ams_helpers import basic_record, http_login, text

CATEGORIES = [
    "企业法人",
    "非法人企业",
    "机关",
    "实行预算管理的事业单位",
    "非预算管理的事业单位",
    "团级(含)以上军队及分散执勤的支(分)队",
    "团级(含)以上武警部队及分散执勤的支(分)队",
    "社会团体",
    "宗教组织",
    "民办非企业组织",
    "外地常设机构",
    "外国驻华机构",
    "有字号个体工商户",
    "无字号个体工商户",
    "居民委员会、村民委员会、社区委员会",
    "单位设立的独立核算的附属机构",
    "其他组织",
]
ID_TYPES = [  # what the AMS screens list, with the codes the standard screens give them
    ("1", "居民身份证"),
    ("2", "军官证"),
    ("3", "文职干部证"),
    ("4", "警官证"),
    ("5", "士兵证"),
    ("6", "护照"),
    ("7", "港澳居民来往内地通行证"),
    ("8", "台湾居民来往大陆通行证"),
    ("9", "其它"),
]


# the second: born 1985 in 北京 密云区, a code created in 2015 (check digit by hand, GB 11643)
RESIDENT_IDS = ("11010519491231002X", "110118198502281238")


@pytest.fixture(scope="module")
def shuffled_ams() -> Iterator[RunningServer]:
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(option_codes="shuffled"))
    yield server
    server.stop()


@pytest.fixture
def admin(shuffled_ams: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shuffled_ams.url, timeout=30.0) as client:
        client.post("/_admin/reset").raise_for_status()
        yield client


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="(\w+)"[^>]*>\w+-([^<]+)</option>', select.group(1))


def test_the_shuffled_portal_numbers_and_orders_its_options_otherwise(
    shuffled_ams: RunningServer,
) -> None:
    with httpx.Client(base_url=shuffled_ams.url, timeout=30.0) as client:
        http_login(client, "OP0003", "Ams0003!")
        page = text(client.get("/ams/acctOpen.do"))
    id_types = _options(page, "idType")
    assert sorted(label for _, label in id_types) == sorted(label for _, label in ID_TYPES)
    assert not set(id_types) & set(ID_TYPES)  # no label keeps its standard code
    assert [label for _, label in id_types] != [label for _, label in ID_TYPES]
    categories = _options(page, "depositorType")
    assert sorted(label for _, label in categories) == sorted(CATEGORIES)
    assert [label for _, label in categories] != CATEGORIES


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> str:
    """Each filing test runs under both strategies (RPA_AMS_STRATEGY)."""
    return str(request.param)


def _bot(page: Any, url: str, strategy: str) -> AmsBot:
    settings = Settings(ams_url=url, answer_timeout_ms=4_000)
    selectors = load_selectors("ams", settings.selectors_dir)
    bot = AmsBot(page, selectors, settings, load_message_catalogue(settings.config_dir))
    open_strategy(strategy, bot, page.context.new_page)
    return bot


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_every_id_type_and_category_is_filed_with_its_label(
    shuffled_ams: RunningServer, admin: httpx.Client, page: Any, strategy: str
) -> None:
    admin.post("/_admin/seed", json=[basic_record("130000000000", serial=90)]).raise_for_status()
    permit = admin.get("/_admin/filings").json()[0]["record"]["basic_account_permit"]
    bot = _bot(page, shuffled_ams.url, strategy)
    bot.login("OP0001", "Ams0001!")
    expected: dict[str, tuple[str, str, str]] = {}
    for i, category in enumerate(CATEGORIES):
        id_type = ID_TYPES[i % len(ID_TYPES)][1]
        role = "单位负责人" if i % 2 else "法定代表人"
        record = FilingRecord.model_validate(
            basic_record(
                f"1300000000{i + 1:02d}",
                serial=100 + i,
                account_kind="special",  # filed for every category (basic ones need 核准)
                basic_account_permit=permit,
                depositor_category=category,
                legal_rep_role=role,
                id_type=id_type,
                id_number=RESIDENT_IDS[i % 2] if id_type == "居民身份证" else f"E{9000000 + i}",
            )
        )
        check = bot.prepare_filing(record)
        assert check["id_type"] == id_type and check["depositor_category"] == category
        assert differing_fields(record, check, compared_fields(record)) == []
        bot.confirm_submission(record)
        expected[record.account_no] = (category, id_type, role)

    filed = {f["record"]["account_no"]: f["record"] for f in admin.get("/_admin/filings").json()}
    shown = {
        account: (r["depositor_category"], r["id_type"], r["legal_rep_role"])
        for account, r in filed.items()
        if account in expected
    }
    assert shown == expected
    assert {e[1] for e in expected.values()} == {label for _, label in ID_TYPES}


@pytest.mark.browser
def test_a_label_the_portal_does_not_offer_is_a_row_error_naming_its_options(
    shuffled_ams: RunningServer, admin: httpx.Client, page: Any, strategy: str
) -> None:
    bot = _bot(page, shuffled_ams.url, strategy)
    bot.login("OP0002", "Ams0002!")
    record = FilingRecord.model_validate(
        basic_record("140000000001", serial=7, id_type="户口簿", id_number="110105194912310")
    )
    with pytest.raises(BusinessError) as refused:
        bot.prepare_filing(record)
    message = str(refused.value)
    assert "证件种类" in message and "户口簿" in message
    for _, label in ID_TYPES:
        assert label in message
    assert admin.get("/_admin/filings").json() == []


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_a_change_and_a_close_go_by_label_too(
    shuffled_ams: RunningServer, admin: httpx.Client, page: Any, strategy: str
) -> None:
    opened = basic_record("150000000001", serial=11, day="2026-11-20", id_type="护照", id_number="E7654321")
    admin.post("/_admin/seed", json=[opened]).raise_for_status()
    permit = admin.get("/_admin/filings").json()[0]["record"]["basic_account_permit"]
    bot = _bot(page, shuffled_ams.url, strategy)
    bot.login("OP0001", "Ams0001!")
    change = FilingRecord.model_validate(
        {
            **opened,
            "action": "change",
            "business_date": "2026-11-25",
            "basic_account_permit": permit,
            "change_items": "法定代表人",
            "legal_rep_role": "单位负责人",
            "id_type": "台湾居民来往大陆通行证",
            "id_number": "T0123456",
        }
    )
    assert differing_fields(change, bot.prepare_filing(change), compared_fields(change)) == []
    bot.confirm_submission(change)
    close = FilingRecord.model_validate(
        {
            **opened,
            "action": "close",
            "business_date": "2026-11-26",
            "basic_account_permit": permit,
            "close_reason": "被吊销营业执照",
        }
    )
    assert differing_fields(close, bot.prepare_filing(close), compared_fields(close)) == []
    bot.confirm_submission(close)
    records = {f["record"]["action"]: f["record"] for f in admin.get("/_admin/filings").json()}
    changed = records["change"]
    assert (changed["id_type"], changed["legal_rep_role"]) == ("台湾居民来往大陆通行证", "单位负责人")
    assert records["close"]["close_reason"] == "被吊销营业执照"
