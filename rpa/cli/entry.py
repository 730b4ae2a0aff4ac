"""The `rpa` command's entry: the Typer app run with Chinese usage errors and no flag taken as
an option's value.

    rpa run account-filing --input x.csv --maker --approval

would otherwise read `--approval` as the maker's name and file without a checker (a value that
takes the next word takes it whatever it is). Every option that takes a value refuses one that
starts with `--` (`rpa.cli.entry._refuse_flags_as_values`), and every usage error (an unknown
option, a missing argument, a value that does not read) is one Chinese line and exit 2, as for
any bad input, instead of click's English.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer

# Typer runs on its own copy of click (`typer._click`, Typer 0.2x): its exceptions and parameter
# classes are the ones to catch and walk
try:
    from typer._click import exceptions
except ImportError:  # a Typer on the click package itself
    from click import exceptions  # type: ignore[no-redef]

from rpa.errors import EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> None:
    """Run `rpa` with `argv` (default: the command line) and exit with its code."""
    from rpa.cli.main import app

    command = typer.main.get_command(app)
    _refuse_flags_as_values(command)  # typer's own classes: walked by what click names them
    try:
        code = command.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="rpa",
                            standalone_mode=False)
    except exceptions.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else "", err=True)
        sys.exit(EXIT_USAGE)
    except typer.Abort:  # end of input at a prompt: said, not a traceback
        typer.echo("已中止", err=True)
        sys.exit(1)
    except exceptions.UsageError as exc:
        typer.echo(f"错误：{_in_chinese(exc)}", err=True)
        if exc.ctx is not None:
            typer.echo(f"用 {exc.ctx.command_path} --help 查看用法", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else 0)


# click's words for a command not known, a suggestion after them when one is near
_NO_SUCH_COMMAND = re.compile(r"No such command (['\"])(.*)\1\.(?: Did you mean '(.*)'\?)?")


def _in_chinese(exc: exceptions.UsageError) -> str:
    """One line saying what was wrong on the command line."""
    if isinstance(exc, exceptions.NoSuchOption):
        near = f"（是不是 {'、'.join(sorted(exc.possibilities))}？）" if exc.possibilities else ""
        return f"没有这个选项：{exc.option_name}{near}"
    if isinstance(exc, exceptions.MissingParameter):
        return f"缺少{_named(exc.param, exc.param_hint)}"
    if isinstance(exc, exceptions.BadParameter):
        return f"{_named(exc.param, exc.param_hint)}的取值不对：{_why(exc)}"
    if isinstance(exc, exceptions.BadOptionUsage):
        return f"选项 {exc.option_name} 需要一个取值：请写在它后面"
    extra = re.search(r"unexpected extra argument(?:s|\(s\))? \((.*)\)", exc.format_message())
    if extra:  # tester AB: `--branches 110101 110102`, as a usage line's `C ...` reads
        return (f"多出了参数 {extra.group(1)}：一个选项要给几个值时，每个值前都写一次选项"
                "（如 --branches 110101 --branches 110102）；不带选项的参数只有 --help 列出的那些")
    command = re.fullmatch(_NO_SUCH_COMMAND, exc.format_message())
    if command:  # `rpa validate 导出.csv`: click's English, a Chinese file name in it
        if command.group(3):
            return f"没有这个命令：{command.group(2)}（是不是 {command.group(3)}？）"
        listing = getattr(exc.ctx.command, "list_commands", None) if exc.ctx is not None else None
        names = "、".join(listing(exc.ctx)) if listing is not None else ""
        return f"没有这个命令：{command.group(2)}" + (f"（这里的命令有：{names}）" if names else "")
    said = exc.format_message()  # click's own words are English, whatever a quoted argument holds
    return "命令行写得不对" if re.sub(r"'[^']*'|\"[^\"]*\"", "", said).isascii() else said


_KINDS = {int: "整数", float: "数", bool: "是或否"}


def _why(exc: Any) -> str:
    """The refusal's own words when they are Chinese (the entry's, a command's), else what the
    option takes (a type's English message is not for a clerk)."""
    if not str(exc.message).isascii():
        return str(exc.message)
    annotation = getattr(getattr(exc.param, "type_descriptor", None), "annotation", None)
    kind = _KINDS.get(annotation) if isinstance(annotation, type) else None
    return f"应为{kind}" if kind else "见 --help 中这一项的说明"


def _named(param: Any, hint: Any) -> str:
    kind = getattr(param, "param_type_name", None)
    if kind == "option":
        return f"选项 {' / '.join(param.opts)} "
    if kind == "argument":
        return f"参数 {str(param.name or '').upper()}"
    return f"{hint} " if hint else "参数"


def _refuse_flags_as_values(command: Any) -> None:
    """Every option of `command` and its subcommands that takes a value refuses one starting
    with `--`: it is the next option, taken because the value was left out."""
    for param in command.params:
        if param.param_type_name == "option" and not param.is_flag and not param.count:
            param.callback = _checked(param.callback)
    for sub in getattr(command, "commands", {}).values():
        _refuse_flags_as_values(sub)


def _checked(callback: Callable[..., Any] | None) -> Callable[..., Any]:
    def check(ctx: Any, param: Any, value: Any) -> Any:
        for one in value if isinstance(value, list | tuple) else [value]:
            if one is not None and str(one).startswith("--"):
                raise exceptions.BadParameter(
                    f"缺少取值：{one} 是另一个选项。请在 {param.opts[0]} 后写上取值", ctx=ctx, param=param)
        return callback(ctx, param, value) if callback is not None else value

    return check
