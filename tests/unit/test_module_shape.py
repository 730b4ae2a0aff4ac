"""Module shape (issue #20): modules of rpa/, bots/ and flows/ stay small and say what they are for.

Every module opens with a docstring, and none is over `LIMIT` lines unless `ALLOWED_OVER` names
it with the reason it is not split. A new module over the limit, or one that grows past it, fails
here: split it where a seam is (a class or a group of functions with its own purpose), or add it
below with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rpa", "bots", "flows")
LIMIT = 300

# module -> why it is still over LIMIT lines
ALLOWED_OVER: dict[str, str] = {}


def modules(root: Path) -> list[Path]:
    """Every Python module under the packages, relative to `root`, sorted."""
    return sorted(p.relative_to(root) for name in PACKAGES for p in (root / name).rglob("*.py"))


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def too_long(root: Path, limit: int = LIMIT) -> dict[str, int]:
    """Modules over `limit` lines, with their line counts."""
    counts = {p.as_posix(): line_count(root / p) for p in modules(root)}
    return {name: n for name, n in counts.items() if n > limit}


def without_docstring(root: Path) -> list[str]:
    """Modules whose first statement is not a docstring."""
    return [
        p.as_posix()
        for p in modules(root)
        if ast.get_docstring(ast.parse((root / p).read_text(encoding="utf-8"))) is None
    ]


def test_no_module_is_over_the_limit_unless_allowed_with_a_reason() -> None:
    over = {name: n for name, n in too_long(ROOT).items() if name not in ALLOWED_OVER}
    assert not over, f"modules over {LIMIT} lines: split them or name them in ALLOWED_OVER: {over}"


def test_every_module_says_what_it_is_for() -> None:
    assert without_docstring(ROOT) == []


def test_the_allow_list_names_modules_that_exist_with_a_reason() -> None:
    for name, reason in ALLOWED_OVER.items():
        assert (ROOT / name).is_file(), name
        assert reason.strip(), name


def test_the_checks_find_a_long_module_and_one_without_a_docstring(tmp_path: Path) -> None:
    package = tmp_path / "flows" / "example"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""An example package."""\n', encoding="utf-8")
    (package / "long.py").write_text('"""Long."""\n' + "x = 1\n" * 300, encoding="utf-8")
    (package / "short.py").write_text('"""Short."""\n' + "x = 1\n" * 299, encoding="utf-8")
    (package / "bare.py").write_text("# a comment is no docstring\nx = 1\n", encoding="utf-8")
    for name in ("rpa", "bots"):
        (tmp_path / name).mkdir()
    assert too_long(tmp_path) == {"flows/example/long.py": 301}
    assert without_docstring(tmp_path) == ["flows/example/bare.py"]


# The third bot (企业信息联网核查, issue #20): its own files, and the filing flow's lines that
# call its gate, as docs/ARCHITECTURE.md counts them; 300 for the proof, 310 once its rules were
# corrected (docs/ARCHITECTURE.md says why)
THIRD_BOT_FILES = ("bots/enterprise_check/*.py", "flows/enterprise_check/*.py",
                   "selectors/enterprise_check.yaml", "flows/account_filing/check_gate.py")
THIRD_BOT_LIMIT = 300  # issue #20: the bot, its page objects and its flow in 300 new lines


def third_bot_lines(root: Path) -> int:
    own = sum(line_count(path) for pattern in THIRD_BOT_FILES for path in root.glob(pattern))
    filing = (root / "flows/account_filing/flow.py").read_text(encoding="utf-8").splitlines()
    gate = ("check_gate", "filing_require_check", "hold_unchecked")
    return own + sum(1 for line in filing if any(word in line for word in gate))


def test_the_third_bot_stays_within_its_lines() -> None:
    assert 250 < third_bot_lines(ROOT) <= THIRD_BOT_LIMIT  # more than 250: the files were found
