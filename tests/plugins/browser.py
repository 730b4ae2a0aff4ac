"""One Chromium per test session; a fresh context and page per test (as playwright-python does)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rpa.browser.session import chromium_launch_options
from rpa.settings import Settings


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(**chromium_launch_options(Settings()))
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Any, test_config: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(test_config.step_timeout_ms)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
