"""Whether runs may add to this database's audit record: the audit key answers to its chain
heads, and the ledger copy is its ledger's. A run is refused otherwise before it records
anything (`rpa.run.orchestrate.open_run`), and `rpa doctor` says the same in its line.

    problem = record_unfit(audit, settings.audit_key_source())   # None: fit
"""

from __future__ import annotations

from rpa.audit.ledger import LEDGER, copy_problem
from rpa.audit.log import AuditLog


def record_unfit(audit: AuditLog, key_source: str) -> str | None:
    """Why a run must not add to the record, in Chinese; None when it may."""
    if audit.key_fits() is False:  # its chain could never be checked beside the earlier ones
        return (f"审计密钥与数据库中已有的记录对不上（{key_source}）：用它运行留下的审计链将无法与以往记录"
                "一起核对。请指向生成这些记录的那把密钥")
    return copy_problem(audit.ledger_file, lambda: audit.events(LEDGER))
