"""Account filing (单位结算账户备案): reading and validating the core-banking export.

>>> aliases, rules = load_aliases(config_dir), load_deadline_rules(config_dir)
>>> calendar = WorkCalendar.load(settings.calendar_file)
>>> with read_export(Path("accounts.xlsx"), aliases=aliases) as export:
...     report = validate_rows(export, calendar=calendar, rules=rules, today=date.today())
>>> print(report.render_text())          # masked, for people
>>> report.to_json()                     # the file's columns and one object per row (`--json`)
>>> report.valid_records()               # FilingRecord list: what the bot files
"""

from flows.account_filing.aliases import HeaderAliases, load_aliases
from flows.account_filing.deadlines import DeadlineRules, deadline_for, load_deadline_rules
from flows.account_filing.export_rows import ExportReadResult, RawRow, RowValues
from flows.account_filing.issues import RowIssue, Severity
from flows.account_filing.reader import read_export
from flows.account_filing.records import FilingRecord
from flows.account_filing.report import RowOutcome, ValidationReport
from flows.account_filing.validate import validate_file, validate_rows

__all__ = [
    "DeadlineRules",
    "ExportReadResult",
    "FilingRecord",
    "HeaderAliases",
    "RawRow",
    "RowIssue",
    "RowOutcome",
    "RowValues",
    "Severity",
    "ValidationReport",
    "deadline_for",
    "load_aliases",
    "load_deadline_rules",
    "read_export",
    "validate_file",
    "validate_rows",
]
