"""The catalogue of AMS messages (config/ams_messages.yaml): which words mean what for the bot.

    catalogue = load_message_catalogue(settings.config_dir)
    catalogue.classify("备案失败：基本存款账户不存在").kind      # 'business'
    raise catalogue.error_for(text, context="开户 ***5678")      # the matching exception

Operations staff classify a new message by adding a line to the YAML. A message that matches
nothing is an application error that keeps the portal's text, so the item is retried and the
text shows up in the report for someone to classify.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from rpa.config_files import first_problem, read_yaml
from rpa.errors import (
    ApplicationError,
    BatchWindow,
    ConfigError,
    LoginRefused,
    PortalRefusal,
    PortalUnavailable,
    RpaError,
    RunFatalError,
    SessionLost,
)
from rpa.masking import scrub_text

CATALOGUE_FILE = "ams_messages.yaml"
MessageKind = Literal["business", "retry", "run_fatal", "session_lost", "batch_window", "one_form"]
BATCH_WINDOW_CODE = "batch_window"
# the kinds that are not a business refusal, the gravest first (when a page shows several)
NOT_BUSINESS: tuple[MessageKind, ...] = ("session_lost", "batch_window", "one_form", "retry", "run_fatal")


class StaleForm(ApplicationError):
    """The portal refused a form because the session opened another since (one open form per
    session): nothing was submitted; work one page at a time and retry."""

    code = "stale_form"


class MessageRule(BaseModel):
    """One entry: the words (`contains`) or a regular expression (`pattern`), a kind, a code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contains: str | None = None
    pattern: str | None = None
    kind: MessageKind
    code: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern {value!r} 不是正则表达式：{exc}") from None
        return value

    @model_validator(mode="after")
    def _one_matcher(self) -> MessageRule:
        if (self.contains is None) == (self.pattern is None):
            raise ValueError("contains 和 pattern 只能给一个，且必须给一个")
        if not (self.contains or self.pattern or "").strip():
            raise ValueError("提示的文字是空的")
        return self

    def matches(self, text: str) -> bool:
        if self.contains is not None:
            return self.contains in text
        assert self.pattern is not None
        return re.search(self.pattern, text) is not None


@dataclass(frozen=True)
class Classified:
    """A message as the catalogue reads it: the line that matched (the whole text when none
    did), its kind (None: no entry matched) and the entry's code."""

    text: str
    kind: MessageKind | None
    code: str


class MessageCatalogue(BaseModel):
    """The whole file: entries tried in order, the first match wins."""

    model_config = ConfigDict(extra="forbid")

    messages: list[MessageRule]

    def classify(self, text: str, *, kinds: Collection[MessageKind] | None = None) -> Classified:
        """The first entry (of `kinds`, if given) matching any line of `text`: a page may show
        several lines."""
        lines = [line.strip() for line in text.splitlines() if line.strip()] or [text.strip()]
        for rule in self.messages:
            if kinds is not None and rule.kind not in kinds:
                continue
            line = next((line for line in lines if rule.matches(line)), None)
            if line is not None:
                return Classified(line, rule.kind, rule.code)
        return Classified(text.strip(), None, "unknown_portal_message")

    def error_for_lines(self, lines: list[str], *, context: str) -> RpaError:
        """One exception for several messages shown together (a form's 提示信息): an unknown
        line makes it a system error that keeps every line; otherwise the gravest kind wins."""
        found = [self.classify(line) for line in lines]
        text = "；".join(lines)
        if any(f.kind is None for f in found):
            return self.error_for(next(f.text for f in found if f.kind is None), context=context)
        for kind in NOT_BUSINESS:
            first = next((f for f in found if f.kind == kind), None)
            if first is not None:
                return self.error_for(first.text, context=context)
        words = scrub_text(text)
        return PortalRefusal(f"{context}：AMS 提示“{words}”", code=found[0].code, portal_message=words)

    def error_for(self, text: str, *, context: str, at_login: bool = False) -> RpaError:
        """The exception that means what the message means. `context` (already masked) says
        where it was seen; the message itself is scrubbed before it goes into the exception."""
        found = self.classify(text)
        words = scrub_text(found.text)
        message = f"{context}：AMS 提示“{words}”"
        if at_login and found.kind not in ("retry", "batch_window"):
            # any other answer to a login is a refusal: never try that password again
            return LoginRefused(message, code=found.code, portal_message=words)
        if found.kind == "business":
            return PortalRefusal(message, code=found.code, portal_message=words)
        if found.kind == "run_fatal":
            return RunFatalError(message, code=found.code, portal_message=words)
        if found.kind == "session_lost":
            return SessionLost(message, code=found.code, portal_message=words)
        if found.kind == "batch_window":  # minutes: the queue waits its longest backoff
            return BatchWindow(message, code=found.code, portal_message=words)
        if found.kind == "retry":
            return PortalUnavailable(message, code=found.code, portal_message=words)
        if found.kind == "one_form":
            return StaleForm(message, code=found.code, portal_message=words)
        return ApplicationError(
            f"{context}：AMS 给出了提示目录（{CATALOGUE_FILE}）中没有的提示“{words}”",
            code=found.code,
            portal_message=words,
        )


def load_message_catalogue(config_dir: Path) -> MessageCatalogue:
    """Read and validate config/ams_messages.yaml; a problem is a ConfigError naming the file."""
    path = config_dir / CATALOGUE_FILE
    try:
        data = read_yaml(path)  # a YAML error is said in Chinese with its line
        return MessageCatalogue.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"AMS 提示目录 {path} 不存在") from None
    except ValidationError as exc:
        raise ConfigError(f"AMS 提示目录 {path} 有误：{first_problem(exc)}") from None
