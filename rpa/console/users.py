"""Console users in the queue's database: a name, a role and an argon2 hash of the password.

    users = ConsoleUsers.from_settings(settings)
    users.add("zhangsan", Role.OPERATOR, "a long password")   # `rpa console add-user`
    users.authenticate("zhangsan", "a long password")          # -> ConsoleUser, or None

The password itself is never stored or logged; a wrong name and a wrong password take the same
time (a hash is checked either way) and give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, update

from rpa.console.roles import Role
from rpa.errors import UsageError
from rpa.queue.schema import UtcDateTime
from rpa.queue.tables import tables_ready

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rpa.settings import Settings

MIN_PASSWORD = 10
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")

metadata = MetaData()
users = Table(
    "console_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime()),
)

_HASHER = PasswordHasher()
# checked when the name is unknown, so a wrong name costs the same time as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class ConsoleUser:
    name: str
    role: Role


def check_name(name: str) -> str:
    """A user name: letters, digits, `_ . -`, 2 to 64 characters; UsageError saying so."""
    name = name.strip()
    if not 2 <= len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise UsageError(f"用户名 {name!r} 不可用：请用 2 到 64 个英文字母、数字或 _ . -")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    return password


class ConsoleUsers:
    """The console's users of one database (the queue's)."""

    def __init__(self, url: str) -> None:
        self._url = url

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsoleUsers:
        return cls(settings.database_url_resolved)

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)

    def add(self, name: str, role: Role, password: str) -> ConsoleUser:
        name = check_name(name)
        check_password(password)
        with self._engine.begin() as conn:
            if conn.execute(select(users.c.name).where(users.c.name == name)).first() is not None:
                raise UsageError(f"用户 {name} 已存在：请换一个用户名")
            conn.execute(insert(users).values(
                name=name, role=role.value, password_hash=_HASHER.hash(password), created_at=datetime.now(UTC)
            ))
        return ConsoleUser(name, role)

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def get(self, name: str) -> ConsoleUser | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(users.c.name, users.c.role).where(users.c.name == name)).first()
        return None if row is None else ConsoleUser(row.name, Role(row.role))

    def authenticate(self, name: str, password: str) -> ConsoleUser | None:
        """The user when the password is theirs, else None (an unknown name included)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name.strip())).first()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        with self._engine.begin() as conn:
            changes: dict[str, object] = {"last_login_at": datetime.now(UTC)}
            if _HASHER.check_needs_rehash(stored):
                changes["password_hash"] = _HASHER.hash(password)
            conn.execute(update(users).where(users.c.name == row.name).values(**changes))
        return ConsoleUser(row.name, Role(row.role))
