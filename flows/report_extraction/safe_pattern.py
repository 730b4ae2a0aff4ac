"""A guard for the regular expressions a spec brings: none that can backtrack catastrophically.

    >>> safe_pattern(r"(?P<code>\\d{6})")
    re.compile('(?P<code>\\\\d{6})')
    >>> safe_pattern(r"(\\d+)+x")
    Traceback (most recent call last):
    ValueError: 正则表达式「(\\d+)+x」可能灾难性回溯：重复的部分中又有重复（嵌套量词），请改写

Python's `re` backtracks: `(a+)+$` against a line of thirty a's and a b takes minutes. Rather
than time a search out, a pattern is refused before use when it has what makes backtracking
exponential: a repeated part that itself repeats or offers alternatives (`(a+)+`, `(a|ab)*`),
or a back-reference. Repeats bounded to at most one (`(...)?`) are fine, and so are repeats
side by side (`\\d+\\s*\\d+`), whose cost grows with the line only polynomially.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own parse of a pattern, as `re.compile` uses it
from typing import Any

MAX_PATTERN_LENGTH = 300
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT}
_BACKREFS = {sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS}


def safe_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern; ValueError (in Chinese, quoting it) when it is not a regular
    expression, is too long, or could backtrack catastrophically."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"正则表达式长于{MAX_PATTERN_LENGTH}个字符，请改短")
    try:
        compiled = re.compile(pattern)
        tree = sre_parse.parse(pattern)
    except re.error as error:
        raise ValueError(f"「{pattern}」不是有效的正则表达式：{error}") from None
    problem = _problem(tree)
    if problem:
        raise ValueError(f"正则表达式「{pattern}」可能灾难性回溯：{problem}，请改写")
    return compiled


def _problem(items: Any) -> str | None:
    """What makes the (sub)pattern unsafe, or None."""
    for op, arg in items:
        if op in _BACKREFS:
            return "含有反向引用"
        if op in _REPEATS and _many(arg[1]):
            if _repeats(arg[2]):
                return "重复的部分中又有重复（嵌套量词）"
            if _branches(arg[2]):
                return "重复的部分中有可选的分支"
        for child in _children(op, arg):
            found = _problem(child)
            if found:
                return found
    return None


def _many(high: int) -> bool:
    return high is sre_parse.MAXREPEAT or high > 1


def _repeats(items: Any) -> bool:
    """Whether the subpattern holds a repeat of more than one, at any depth."""
    for op, arg in items:
        if op in _REPEATS and _many(arg[1]):
            return True
        if any(_repeats(child) for child in _children(op, arg)):
            return True
    return False


def _branches(items: Any) -> bool:
    """Whether the subpattern offers alternatives of more than one character each, at any depth
    (`[ab]` and `a|b` as single characters cannot overlap in two ways)."""
    for op, arg in items:
        if op is sre_parse.BRANCH and any(len(branch) != 1 or _repeats(branch) for branch in arg[1]):
            return True
        if any(_branches(child) for child in _children(op, arg)):
            return True
    return False


def _children(op: Any, arg: Any) -> list[Any]:
    if op is sre_parse.SUBPATTERN:
        return [arg[-1]]
    if op is sre_parse.BRANCH:
        return list(arg[1])
    if op in _REPEATS:
        return [arg[2]]
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [arg[1]]
    return []
