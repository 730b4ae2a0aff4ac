"""`python -m rpa.browser.check`: prove Playwright can start the system Chromium (bootstrap)."""

from __future__ import annotations

import sys


def main() -> int:
    from rpa.browser.session import chromium_launch_options
    from rpa.errors import RpaError
    from rpa.settings import load_settings

    try:
        from playwright.sync_api import sync_playwright

        settings = load_settings()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**chromium_launch_options(settings))
            version = browser.version
            browser.close()
    except RpaError as exc:
        print(f"browser check: {exc}", file=sys.stderr)
        return 1
    print(f"bootstrap: chromium {version} starts under playwright")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
