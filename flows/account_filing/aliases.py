"""Header aliases: which sheet header is which record field (config/header_aliases.yaml).

>>> aliases = load_aliases(Path("config"))
>>> aliases.match("单位名称")
ColumnMatch(field='depositor_name', multiplier=1)
>>> aliases.match("注册资本（万元）")
ColumnMatch(field='registered_capital_yuan', multiplier=10000)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from flows.account_filing.normalise import header_key
from flows.account_filing.records import FilingRecord
from rpa.config_files import first_problem, read_yaml
from rpa.errors import ConfigError

ALIASES_FILE = "header_aliases.yaml"
Unit = Literal["元", "万元"]
Action = Literal["open", "change", "close"]
_MULTIPLIERS: dict[str, int] = {"元": 1, "万元": 10_000}


@dataclass(frozen=True, slots=True)
class ColumnMatch:
    """The field a header stands for, and what its numbers must be multiplied by to be 元."""

    field: str
    multiplier: int = 1


class AliasEntry(BaseModel):
    """An alias with its own unit: `{header: 注册资金(元), unit: 元}`."""

    model_config = ConfigDict(extra="forbid")

    header: str
    unit: Unit | None = None


class FieldAliases(BaseModel):
    """The canonical header of one field and the other words for it."""

    model_config = ConfigDict(extra="forbid")

    header: str
    core: bool = False
    unit: Unit | None = None
    aliases: list[str | AliasEntry] = Field(default_factory=list)
    # headers that hold the field for one action only (开户日期, 变更日期, 撤销日期 side by side)
    by_action: dict[Action, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _by_action_headers_known(self) -> FieldAliases:
        known = {header_key(header) for header, _ in _headers_of(self)}
        listed = [header for headers in self.by_action.values() for header in headers]
        if unknown := [header for header in listed if header_key(header) not in known]:
            raise ValueError(f"by_action headers that are not {self.header}'s: {', '.join(unknown)}")
        return self


class HeaderAliases(BaseModel):
    """All fields' headers; a header may stand for one field only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[str, FieldAliases]
    _table: dict[str, ColumnMatch] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._table = {
            header_key(header): ColumnMatch(field=name, multiplier=_MULTIPLIERS[unit or "元"])
            for name, spec in self.fields.items()
            for header, unit in _headers_of(spec)
        }

    @model_validator(mode="after")
    def _known_and_unambiguous(self) -> HeaderAliases:
        unknown = sorted(set(self.fields) - set(FilingRecord.model_fields))
        if unknown:
            raise ValueError(f"not fields of the filing record: {', '.join(unknown)}")
        seen: dict[str, str] = {}
        for name, spec in self.fields.items():
            for header, _ in _headers_of(spec):
                key = header_key(header)
                if seen.setdefault(key, name) != name:
                    raise ValueError(f"header {header!r} is given for both {seen[key]} and {name}")
        return self

    def match(self, header: str) -> ColumnMatch | None:
        """The field this sheet header stands for, or None for a column the filing does not use."""
        return self._table.get(header_key(header))

    def named(self, name: str) -> ColumnMatch | None:
        """The field a person names, by a header or by it without its unit (`--absent-column
        注册资金`): a column so named is not read (`resembled`), but the field is meant."""
        if (found := self.match(name)) is not None:
            return found
        stem = _stem(name)
        return next((ColumnMatch(field) for field, spec in self.fields.items()
                     if any(_stem(header) == stem for header, _ in _headers_of(spec))), None)  # fmt: skip

    def canonical_header(self, field: str) -> str:
        """The DOMAIN.md header of a field (or the field name when not configured)."""
        spec = self.fields.get(field)
        return spec.header if spec else field

    def headers(self, field: str) -> list[str]:
        """Every header that stands for a field: the canonical one first, then its aliases."""
        spec = self.fields.get(field)
        return [header for header, _ in _headers_of(spec)] if spec else []

    def resembled(self, header: str) -> tuple[str, str] | None:
        """(field, alias) when an unmapped header looks like a field without being one of its
        aliases: one holds the other (组织机构代码 and 机构代码, 通讯地址 and 地址), also once a
        word is put for its synonym (`_SYNONYMS`: 法人名字 for 法人姓名). Such a column is not
        read, and the person should know."""
        if self.match(header) is not None:
            return None
        key = _stem(header)
        for word, synonym in _SYNONYMS:
            key = key.replace(word, synonym)
        if len(key) < 2:
            return None
        for name, spec in self.fields.items():
            for alias, _ in _headers_of(spec):
                stem = _stem(alias)
                if len(stem) >= 2 and (stem in key or key in stem):
                    return name, alias
        return None

    def action_of(self, field: str, header: str) -> str | None:
        """The action a header holds the field for (`by_action`: 变更日期 -> change), or None."""
        key = header_key(header)
        return next((action for action, headers in self._by_action(field)
                     if key in {header_key(h) for h in headers}), None)  # fmt: skip

    def action_header(self, field: str, action: str) -> str:
        """The header of the field's column for an action (`by_action`'s first), for messages."""
        headers = next((headers for name, headers in self._by_action(field) if name == action), [])
        return headers[0] if headers else self.canonical_header(field)

    def _by_action(self, field: str) -> list[tuple[str, list[str]]]:
        spec = self.fields.get(field)
        return list(spec.by_action.items()) if spec else []

    def core_fields(self) -> list[str]:
        """Fields whose column must be present for a file to be read at all."""
        return [name for name, spec in self.fields.items() if spec.core]


def _headers_of(spec: FieldAliases) -> list[tuple[str, Unit | None]]:
    headers: list[tuple[str, Unit | None]] = [(spec.header, spec.unit)]
    for alias in spec.aliases:
        if isinstance(alias, AliasEntry):
            headers.append((alias.header, alias.unit or spec.unit))
        else:
            headers.append((alias, spec.unit))
    return headers


# words an export may put for a header's own word: 名字 for 姓名 (法人名字, 负责人名字)
_SYNONYMS = (("名字", "姓名"),)


def _stem(header: str) -> str:
    """A header without its unit in brackets: 注册资金(万元) -> 注册资金."""
    key = header_key(header)
    return re.sub(r"\((?:人民币)?(?:万元|元|万)\)$", "", key)


def load_aliases(config_dir: Path) -> HeaderAliases:
    """Read config/header_aliases.yaml into validated aliases (ConfigError naming the problem)."""
    path = config_dir / ALIASES_FILE
    try:
        data: Any = read_yaml(path)
        return HeaderAliases.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"表头别名文件 {path} 不存在") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"表头别名文件 {path} 有误：{first_problem(exc)}") from None
