"""The browser: Chromium under Playwright, selectors (YAML -> models) bound to pages, evidence."""
