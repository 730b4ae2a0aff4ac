"""Filing deadlines and approval rules from config/deadlines.yaml.

    >>> rules = load_deadline_rules(Path("config"))
    >>> deadline_for(rules, calendar, action="open", kind="general", business_date=date(2026, 9, 30))
    Deadline(due=datetime.date(2026, 10, 13), estimated=False)

Working days are counted by the one calendar module, `rpa.workdays`.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.account_filing.vocabulary import AccountKind, Action
from rpa.config_files import first_problem, read_yaml
from rpa.errors import ConfigError
from rpa.workdays import Deadline, WorkCalendar

DEADLINES_FILE = "deadlines.yaml"
CountsFrom = Literal["business_date", "notice_date_or_business"]


class DeadlineRule(BaseModel):
    """Kinds and actions -> working days after the date named by `counts_from`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[AccountKind]
    actions: list[Action]
    working_days: int = Field(ge=0)
    counts_from: CountsFrom = "business_date"


class ApprovalRule(BaseModel):
    """Which accounts need the central bank's approval (核准) rather than a filing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[AccountKind] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)

    @field_validator("categories", mode="before")
    @classmethod
    def _two_digit_codes(cls, value: Any) -> Any:
        """AMS's 存款人类别 codes, 01 to 17 (DOMAIN.md), as the export writes them: a code it
        would never equal (`8` for 08, unquoted, or a name) would let such a row be filed."""
        for code in value if isinstance(value, list) else []:
            if not (isinstance(code, str) and re.fullmatch(r"0[1-9]|1[0-7]", code)):
                raise ValueError(f"{code!r} 不是存款人类别代码：应为带引号的两位数"
                                 " \"01\" 至 \"17\"（如 \"08\"）")
        return value

    def applies(self, action: str | None, kind: str) -> bool:
        """Whether 核准 may apply to this action and kind: then 存款人类别 decides."""
        return kind in self.kinds and action in self.actions

    def requires_approval(self, *, action: str, kind: str, category: str) -> bool:
        return self.applies(action, kind) and category in self.categories


class DeadlineRules(BaseModel):
    """The whole rules file; every kind x action must be covered by some rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[DeadlineRule]
    approval: ApprovalRule = Field(default_factory=ApprovalRule)

    @model_validator(mode="after")
    def _complete(self) -> DeadlineRules:
        for kind, action in itertools.product(get_args(AccountKind), get_args(Action)):
            if self.rule_for(action=action, kind=kind) is None:
                raise ValueError(f"没有 {kind} 账户 {action} 业务的期限规则")
        for number, rule in enumerate(self.rules, 1):  # tester AB: a rule added at the end did nothing
            if not rule.kinds or not rule.actions:
                raise ValueError(f"第{number}条规则的 kinds 或 actions 为空：请写明它管哪些账户和业务")
            unused = [f"{k} {a}" for k in rule.kinds for a in rule.actions
                      if self.rule_for(action=a, kind=k) is not rule]
            if unused:  # tester AC: a rule half used, the rest of it silently not
                raise ValueError(f"第{number}条规则中的 {'、'.join(unused)} 永远用不上：前面的规则已覆盖"
                                 "（先写的规则优先）；请调整规则的先后，或从该规则中删去它们")
        return self

    def counts_from_notice(self, action: str) -> bool:
        """Whether every kind's rule for `action` counts from the 通知日期 when one is given."""
        return all((rule := self.rule_for(action=action, kind=kind)) is not None
                   and rule.counts_from == "notice_date_or_business" for kind in get_args(AccountKind))

    def rule_for(self, *, action: str, kind: str) -> DeadlineRule | None:
        """The first rule naming this kind and action."""
        return next((r for r in self.rules if kind in r.kinds and action in r.actions), None)


def load_deadline_rules(config_dir: Path) -> DeadlineRules:
    """Read config/deadlines.yaml (ConfigError naming the file and the problem)."""
    path = config_dir / DEADLINES_FILE
    try:
        data: Any = read_yaml(path)
        return DeadlineRules.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"报备期限规则文件 {path} 不存在") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"报备期限规则文件 {path} 有误：{first_problem(exc)}") from None


def deadline_for(
    rules: DeadlineRules,
    calendar: WorkCalendar,
    *,
    action: str,
    kind: str,
    business_date: date,
    notice_date: date | None = None,
) -> Deadline:
    """The filing deadline of one row, counted in PRC working days."""
    rule = rules.rule_for(action=action, kind=kind)
    if rule is None:  # the validator makes this unreachable for known kinds and actions
        raise ConfigError(f"报备期限规则中没有 {kind} 账户 {action} 业务的规则：请检查 deadlines.yaml")
    start = business_date
    if rule.counts_from == "notice_date_or_business" and notice_date is not None:
        start = notice_date
    return calendar.add_working_days(start, rule.working_days)


def earliest_deadline(
    rules: DeadlineRules,
    calendar: WorkCalendar,
    *,
    action: str | None,
    kind: str | None,
    business_date: date,
    notice_date: date | None = None,
) -> Deadline:
    """The deadline of a row whose 账户性质 or 业务类型 does not read (None): the earliest of
    those it could be, so that an invalid row is never told later than its real deadline."""
    kinds = [kind] if kind is not None else list(get_args(AccountKind))
    actions = [action] if action is not None else list(get_args(Action))
    return min((deadline_for(rules, calendar, action=a, kind=k, business_date=business_date,
                             notice_date=notice_date) for a in actions for k in kinds),
               key=lambda deadline: deadline.due)  # fmt: skip


def unknown_years(calendar: WorkCalendar, start: date, end: date) -> list[int]:
    """Years between two dates that no calendar knows, or knows only provisionally (for the
    'estimated' message)."""
    first, last = sorted((start.year, end.year))
    return [year for year in range(first, last + 1)
            if not calendar.covers_year(year) or calendar.is_provisional(year)]
