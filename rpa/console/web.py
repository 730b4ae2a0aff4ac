"""What every console page shares: the app's state, rendering, the sign-in and CSRF guard, role
checks and the audit record of an action.

Every router but the login page's is built with `guarded_router()`: its routes answer an
anonymous visitor (no session, or one idle too long) with a redirect to the login page, and a
POST without the session's CSRF token with 403. `require(request, action)` answers 403 when the
user's role may not do `action`; `record()` writes an action to the audit chain with the user's
name as its actor.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.datastructures import FormData
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from loguru import logger

from rpa.audit.log import AuditLog
from rpa.console.roles import Action, Role, may
from rpa.console.security import COOKIE, CSRF_FIELD, LoginLimiter, Session, Sessions, same_token
from rpa.console.users import ConsoleUsers
from rpa.masking import scrub_text
from rpa.people import CONSOLE_ACTOR

if TYPE_CHECKING:
    from rpa.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass
class ConsoleState:
    """One console's settings and services, kept on `app.state.console`."""

    settings: Settings
    users: ConsoleUsers
    sessions: Sessions
    limiter: LoginLimiter
    audit: AuditLog
    templates: Environment
    secure_cookies: bool
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)  # runs and triggers started

    def started(self, child: subprocess.Popen[bytes]) -> None:
        """Keep a started process until it has ended (then it is reaped, never left a zombie)."""
        self.children = [c for c in self.children if c.poll() is None]
        self.children.append(child)


def make_templates() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    return env


class LoginRequired(Exception):
    """No live session: the visitor is sent to the login page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Refused(Exception):
    """A request the console answers with a page saying why (403, 404, 400, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


async def _guard(request: Request) -> AsyncIterator[None]:
    state = state_of(request)
    session = state.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.session = session
    form: FormData | None = None
    if request.method not in ("GET", "HEAD"):
        limit = (state.settings.console_upload_max_mb + 1) * 1024 * 1024  # the file and the form around it
        if int(request.headers.get("content-length") or 0) > limit:
            raise Refused(413, f"上传的内容超过 {state.settings.console_upload_max_mb} MB 的上限"
                               "（RPA_CONSOLE_UPLOAD_MAX_MB）：请拆分导出后分批上传")
        given = request.headers.get("x-csrf-token")
        if given is None:
            form = await request.form()  # cached: the route reads the same form
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not same_token(given, session.csrf):
            if form is not None:
                await form.close()
            raise Refused(403, "表单缺少有效的校验码（CSRF），已拒绝：请刷新页面后重新提交")
    try:
        yield
    finally:
        if form is not None:
            await form.close()  # an uploaded file's temporary copy


def guarded_router() -> APIRouter:
    return APIRouter(dependencies=[Depends(_guard)])


def login_url(path: str) -> str:
    return "/login" if path in ("", "/") else f"/login?next={quote(path, safe='')}"


def require(request: Request, action: Action) -> None:
    user = session_of(request).user
    if not may(user.role, action):
        raise Refused(403, f"{user.role.label}角色不能执行此操作：请联系有权限的同事")


def can(request: Request, action: Action) -> bool:
    return may(session_of(request).user.role, action)


def record(request: Request, event: str, details: dict[str, Any] | None = None,
           run_id: str | None = None) -> None:
    """Write a console action to the audit chain (the run's, or the one of actions outside any
    run), its actor the signed-in user."""
    session = getattr(request.state, "session", None)
    actor = f"{CONSOLE_ACTOR}{session.user.name}" if session is not None else "console"
    address = request.client.host if request.client else "?"
    state_of(request).audit.append(run_id, actor, event, details={**(details or {}), "address": address})


def record_refusal(request: Request, status: int, message: str) -> None:
    """A refused request in the audit chain of actions outside any run (`console.refused`: the
    path, the method, the status and the words the user read). Never the refusal's own failure:
    a chain that cannot be written is logged and the page still answers."""
    try:
        asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")  # ?file=../x
        record(request, "console.refused", {"path": asked, "method": request.method,
                                            "status": status, "said": scrub_text(message)[:300]})
    except Exception as exc:
        logger.opt(exception=exc).error(f"控制台拒绝的操作未能记入审计链（{type(exc).__name__}）")


def done_and_back(request: Request, path: str, notice: str) -> RedirectResponse:
    """After an action: back to `path`, which says once what was done."""
    session_of(request).notice = notice
    return RedirectResponse(path, status_code=303)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    notice = ""
    if session is not None:
        notice, session.notice = session.notice, ""
    page = state_of(request).templates.get_template(template).render(
        user=session.user if session else None,
        role_label=session.user.role.label if session else "",
        csrf=session.csrf if session else "",
        may_start=session is not None and may(session.user.role, Action.START_RUN),
        path=request.url.path,
        done=notice,
        Role=Role,
        **context,
    )
    return HTMLResponse(page, status_code=status)
