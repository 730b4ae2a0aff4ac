"""Playwright page objects, one module per portal, with methods named for what an operator does."""
