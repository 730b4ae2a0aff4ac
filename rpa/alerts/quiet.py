"""The quiet time: an alert (kind + subject) sent once is not sent again for a while.

An alert that lists things (filings due or overdue) is claimed thing by thing (`claim_any`):
it goes out when it names one not told within the quiet time, and stays quiet only when all it
names was told.

Kept in the queue's database, so the scheduler, a run's process and `rpa alerts check` from cron
agree. `claim` is one write transaction: of two processes claiming the same alert at once, one
sends it.

    quiet = QuietTimes(settings.database_url_resolved)
    if quiet.claim("run_stopped", run_id, timedelta(minutes=240)):
        ...send...; if nothing went out: quiet.release("run_stopped", run_id)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, MetaData, String, Table, delete, select, update

from rpa.db import immediate_transaction
from rpa.queue.schema import UtcDateTime, insert_or_ignore
from rpa.queue.tables import tables_ready

metadata = MetaData()
sent = Table(
    "alerts_sent",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("subject", String(200), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)


class QuietTimes:
    """When each alert was last sent, in one database."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self._url = url
        self._clock = clock or (lambda: datetime.now(UTC))

    def claim(self, kind: str, subject: str, quiet: timedelta) -> bool:
        """True (and the alert recorded as sent now) unless it was sent within `quiet`."""
        return bool(self.claim_any(kind, [subject], quiet))

    def claim_any(self, kind: str, subjects: Sequence[str], quiet: timedelta) -> list[str]:
        """The subjects not sent within `quiet`, each recorded as sent now; in one transaction, so
        of two processes claiming at once only one gets a given subject."""
        now = self._clock()
        engine = tables_ready(self._url, metadata)
        claimed: list[str] = []
        with immediate_transaction(engine) as conn:
            for subject in dict.fromkeys(s[:200] for s in subjects):
                # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING
                inserted = conn.execute(
                    insert_or_ignore(engine.dialect.name, sent, "kind", "subject").values(
                        kind=kind, subject=subject, sent_at=now).returning(sent.c.kind)
                ).first()
                if inserted is None:
                    # taken only if the last sending is older than the quiet time (the row is locked)
                    key = (sent.c.kind == kind) & (sent.c.subject == subject)
                    taken = update(sent).where(key, sent.c.sent_at <= now - quiet).values(sent_at=now)
                    inserted = conn.execute(taken.returning(sent.c.kind)).first()
                if inserted is not None:
                    claimed.append(subject)
        return claimed

    def release(self, kind: str, *subjects: str) -> None:
        """Forget claims whose alert went out through no channel: the next occurrence tries again."""
        engine = tables_ready(self._url, metadata)
        with immediate_transaction(engine) as conn:
            for subject in subjects:
                conn.execute(delete(sent).where(sent.c.kind == kind, sent.c.subject == subject[:200]))

    def last_sent(self, kind: str, subject: str) -> datetime | None:
        engine = tables_ready(self._url, metadata)
        with engine.connect() as conn:
            found = conn.execute(
                select(sent.c.sent_at).where(sent.c.kind == kind, sent.c.subject == subject[:200])
            ).first()
        return None if found is None else found.sent_at
