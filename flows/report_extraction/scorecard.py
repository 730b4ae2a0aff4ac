"""The branch scorecard: indicators scaled min-max to 0-100, a weighted total, a ranking.

    config = load_scorecard_config(Path("config/scorecard.yaml"))
    card = score_branches({"110101": {"储蓄存款余额": Decimal("8.3e8"), ...}, ...}, config,
                          names={"110101": "东城支行"}, reasons={"110102": "网点经营日报: 提取失败"})
    [(s.rank, s.branch, s.total) for s in card.ranked], card.unranked
    card = withhold(card, ["1 个文件未取得"])   # a partial picture ranks nothing

See config/scorecard.yaml for the rules in words. A ranking is only published when every branch's
figures are in and every check passed: min-max scores of some branches would crown the first
branch fetched with 100 on every indicator, so an incomplete run's scorecard ranks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rpa.config_files import read_yaml
from rpa.errors import ConfigError

HUNDRED = Decimal(100)
SHOWN = Decimal("0.01")


class Indicator(BaseModel):
    """One indicator: the sum of some figures of the branch report, and its weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    metrics: list[str] = Field(min_length=1)
    weight: Decimal = Field(ge=0)


class ScorecardConfig(BaseModel):
    """The indicators, the column they read, and the tie-breaking indicator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = "本日"
    tie_breaker: str
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ScorecardConfig:
        names = [i.name for i in self.indicators]
        if len(set(names)) != len(names):
            raise ValueError(f"指标名称重复：{names}")
        if self.tie_breaker not in names:
            raise ValueError(f"tie_breaker {self.tie_breaker!r} 不是指标之一（{'、'.join(names)}）")
        total = sum((i.weight for i in self.indicators), Decimal(0))
        if total != 1:
            raise ValueError(f"权重之和为 {total}，应为 1")
        return self

    def metrics(self) -> list[str]:
        """Every figure the scorecard reads, in order."""
        return list(dict.fromkeys(m for i in self.indicators for m in i.metrics))


def load_scorecard_config(path: Path) -> ScorecardConfig:
    """Read and validate the scorecard YAML; ConfigError names the file and the problem."""
    try:
        data = read_yaml(path)
        return ScorecardConfig.model_validate(data)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"评分配置 {path} 读不出：{error}") from None
    except ValidationError as error:
        problems = "；".join(
            f"{'.'.join(str(p) for p in e['loc']) or '整体'}：{str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise ConfigError(f"评分配置 {path} 有误：{problems}") from None


@dataclass(frozen=True)
class BranchScore:
    """A ranked branch: indicator values (元 or counts), scores 0-100, total and rank."""

    branch: str
    name: str
    values: dict[str, Decimal]
    scores: dict[str, Decimal]
    total: Decimal
    rank: int


@dataclass(frozen=True)
class Unranked:
    """A branch left out of the ranking, and why."""

    branch: str
    name: str
    reason: str


@dataclass
class Scorecard:
    """The ranking (best first), the branches left out, and the configuration used."""

    config: ScorecardConfig
    ranked: list[BranchScore] = field(default_factory=list)
    unranked: list[Unranked] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # why nothing is ranked (empty: a full ranking)


WITHHELD = "评分不完整，未排名"


def withhold(card: Scorecard, why: list[str]) -> Scorecard:
    """The card of an incomplete picture: every branch unranked (its own reason kept), and why."""
    if not why:
        return card
    unranked = [Unranked(s.branch, s.name, WITHHELD) for s in card.ranked] + card.unranked
    unranked.sort(key=lambda u: u.branch)
    return Scorecard(card.config, ranked=[], unranked=unranked, incomplete=list(why))


def score_branches(
    figures: Mapping[str, Mapping[str, Decimal]],
    config: ScorecardConfig,
    *,
    names: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> Scorecard:
    """Rank the branches of `figures` ({branch: {metric: value}}); branches named only in
    `reasons` ({branch: why it has no figures}) and those missing a metric are left unranked."""
    names, reasons = names or {}, reasons or {}
    card = Scorecard(config)
    values: dict[str, dict[str, Decimal]] = {}
    for branch in sorted(set(figures) | set(reasons)):
        own = figures.get(branch, {})
        missing = [m for m in config.metrics() if m not in own]
        if branch not in figures or missing:
            why = reasons.get(branch) or f"缺少指标数据: {', '.join(missing)}"
            card.unranked.append(Unranked(branch, names.get(branch, ""), why))
            continue
        values[branch] = {i.name: sum((own[m] for m in i.metrics), Decimal(0)) for i in config.indicators}
    scores: dict[str, dict[str, Decimal]] = {branch: {} for branch in values}
    for indicator in config.indicators:
        column = [v[indicator.name] for v in values.values()]
        low, high = (min(column), max(column)) if column else (Decimal(0), Decimal(0))
        for branch, own_values in values.items():
            value = own_values[indicator.name]
            scaled = HUNDRED if high == low else (value - low) / (high - low) * HUNDRED
            scores[branch][indicator.name] = scaled
    totals = {
        branch: sum((i.weight * scores[branch][i.name] for i in config.indicators), Decimal(0)).quantize(
            SHOWN, ROUND_HALF_UP
        )
        for branch in values
    }
    order = sorted(values, key=lambda b: (-totals[b], -values[b][config.tie_breaker], b))
    for rank, branch in enumerate(order, 1):
        shown = {k: v.quantize(SHOWN, ROUND_HALF_UP) for k, v in scores[branch].items()}
        card.ranked.append(
            BranchScore(branch, names.get(branch, ""), values[branch], shown, totals[branch], rank)
        )
    return card
