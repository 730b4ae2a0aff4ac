"""账户报备核对: a period's core-banking exports, our filing runs and AMS's own list of filings,
matched by account, action and business date (see flow.py)."""
