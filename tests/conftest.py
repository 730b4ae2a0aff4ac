"""Test configuration shared by every suite.

Sizes and timeouts come from `TestConfig` (environment `RPA_TEST_*`), so CI and a developer's
laptop can run the same tests at different scales. Fixtures live in `tests/plugins/`, one
module per component: browser, postgres, portals; `ordering` sends the longest files first.
"""

from __future__ import annotations

pytest_plugins = [
    "tests.plugins.config",
    "tests.plugins.browser",
    "tests.plugins.postgres",
    "tests.plugins.portals",
    "tests.plugins.report_portal",
    "tests.plugins.enterprise_check",
    "tests.plugins.alert_receivers",
    "tests.plugins.ordering",
]
