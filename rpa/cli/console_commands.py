"""CLI commands `rpa console` (serve the operations console) and `rpa console add-user`.

The console needs the [console] extra (fastapi, uvicorn, argon2-cffi, python-multipart); its
modules are imported inside the commands, so `rpa --help` stays quick and works without it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rpa.cli.common import app, command_group, handles_errors, settings
from rpa.errors import UsageError

console_app = command_group(
    help="运营控制台（网页）：经办、复核、审计、管理员在浏览器中使用机器人。\n\n"
    "The operations console (web). Without a subcommand: serve it.",
    invoke_without_command=True,
)
app.add_typer(console_app, name="console")

_EXTRA = ("运营控制台需要附加依赖 [console]（缺少 {name}）：请在项目目录运行 "
          "pip install '.[console]'")


def _need_extra() -> None:
    """Refuse with what to install when a library of the [console] extra is missing (looked for,
    not imported: the console's modules import them)."""
    from importlib.util import find_spec

    for name in ("fastapi", "uvicorn", "multipart", "argon2", "jinja2"):
        try:
            found = find_spec(name)
        except ImportError:
            found = None
        if found is None:
            raise UsageError(_EXTRA.format(name=name))


@console_app.callback()
@handles_errors
def console_serve(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="Port (default RPA_CONSOLE_PORT, 8810).")] = None,
) -> None:
    """启动运营控制台（默认 127.0.0.1:8810，见 RPA_CONSOLE_HOST / RPA_CONSOLE_PORT），直到按 Ctrl-C。

    Serve the operations console until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    _need_extra()
    from rpa.console.serve import bind_warning, serve_console
    from rpa.console.users import ConsoleUsers

    cfg = settings()
    warning = bind_warning(cfg.console_host)
    if warning:
        typer.echo(warning, err=True)
    if ConsoleUsers.from_settings(cfg).count() == 0:
        typer.echo("还没有控制台用户：请先运行 rpa console add-user 用户名 --role admin", err=True)
    serve_console(cfg, port=port, announce=lambda line: typer.echo(line, err=True))


@console_app.command("add-user")
@handles_errors
def console_add_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . -).")],
    role: Annotated[
        str, typer.Option(help="operator（经办）, checker（复核）, auditor（审计）or admin（管理员）.")
    ],
) -> None:
    """创建控制台用户：密码输入两次（不显示），或从标准输入读取一行。

    Create a console user; the password is asked twice (never echoed) or read from stdin."""
    _need_extra()
    from rpa.audit.log import AuditLog
    from rpa.console.roles import parse_role
    from rpa.console.users import ConsoleUsers, check_name, check_password

    try:
        chosen = parse_role(role)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check_name(name)
    cfg = settings()
    password = _read_password()
    user = ConsoleUsers.from_settings(cfg).add(name, chosen, check_password(password))
    audit = AuditLog.from_settings(cfg)
    audit.create_schema()
    import getpass

    audit.append(None, getpass.getuser(), "console.user_added",
                 details={"user": user.name, "role": user.role.value})
    typer.echo(f"已创建用户 {user.name}（{user.role.label}）")


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("标准输入中没有密码：请输入一行密码，或在终端中运行以便输入两次")
        return line
    import getpass

    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UsageError("两次输入的密码不一致：请重新运行")
    return first
