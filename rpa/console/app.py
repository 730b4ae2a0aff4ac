"""The console's FastAPI app: the login page, logging out, static files and the page routers.

    app = create_app(settings)          # served by rpa.console.serve, or in a test's thread

Only the login page and /static answer an anonymous visitor; every other route is on a guarded
router (rpa.console.web). Logins, failed logins and logouts are in the audit chain.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, StarletteHTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from loguru import logger

from rpa.audit.log import AuditLog
from rpa.console.security import (
    COOKIE,
    CSRF_FIELD,
    LOGIN_COOKIE,
    LoginLimiter,
    Sessions,
    new_token,
    same_token,
)
from rpa.console.users import ConsoleUsers
from rpa.console.web import (
    STATIC,
    ConsoleState,
    LoginRequired,
    Refused,
    guarded_router,
    login_url,
    make_templates,
    record,
    record_refusal,
    render,
    state_of,
)
from rpa.errors import RpaError
from rpa.masking import mask_name, scrub_text
from rpa.queue.work_queue import WorkQueue

if TYPE_CHECKING:
    from rpa.settings import Settings


def create_app(settings: Settings, *, secure_cookies: bool | None = None) -> FastAPI:
    """The console for `settings`; cookies are Secure when served over TLS (both TLS files set)."""
    from rpa.console import (
        approvals_page,
        exceptions_page,
        home,
        new_run,
        operators_page,
        progress,
        run_pages,
        schedule_page,
    )

    if secure_cookies is None:
        secure_cookies = bool(settings.console_tls_cert_file and settings.console_tls_key_file)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    audit = AuditLog.from_settings(settings)
    audit.create_schema()
    WorkQueue.from_settings(settings).create_schema()  # the pages read items of runs not yet made
    app.state.console = ConsoleState(
        settings=settings,
        users=ConsoleUsers.from_settings(settings),
        sessions=Sessions(idle=timedelta(minutes=settings.console_session_minutes)),
        limiter=LoginLimiter(per_user=settings.console_login_failures),
        audit=audit,
        templates=make_templates(),
        secure_cookies=secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.path), status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        # a right a user lacked, a form without its token, a download outside the run's folder, an
        # unknown run: an auditor reads each (tester AI: `..` and /etc/passwd left no trace)
        record_refusal(request, exc.status, exc.message)
        return render(request, "refused.html.j2", status=exc.status, message=exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if getattr(request.state, "session", None) is None:  # no route ran: the page still shows who is in
            request.state.session = state_of(request).sessions.get(request.cookies.get(COOKIE))
        words = _http_words(request, exc)
        record_refusal(request, exc.status_code, words)  # a path outside every route, `..` in it too
        return render(request, "refused.html.j2", status=exc.status_code, message=words)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, exc: RequestValidationError) -> Response:
        names = "、".join(dict.fromkeys(str(error.get("loc", ("?",))[-1]) for error in exc.errors()))
        return render(request, "refused.html.j2", status=400,
                      message=f"请求中 {names} 的写法不对（如应为数字的编号）：请从页面上的链接或按钮操作")

    @app.exception_handler(RpaError)
    async def _known_error(request: Request, exc: RpaError) -> Response:
        if request.method == "POST":  # an action refused (a maker approving their own run, ...)
            record_refusal(request, 400, scrub_text(str(exc)))
        return render(request, "refused.html.j2", status=400, message=scrub_text(str(exc)))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        logger.opt(exception=exc).error(f"控制台程序错误：{request.method} {request.url.path}")
        return render(request, "refused.html.j2", status=500,
                      message=f"程序错误（{type(exc).__name__}），操作未完成：请把时间和页面告诉维护人员")

    app.add_api_route("/login", _login_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/login", _login, methods=["POST"])
    session_routes = guarded_router()
    session_routes.add_api_route("/logout", _logout, methods=["POST"])
    app.include_router(session_routes)
    # new_run first: its /runs/new is not a run id
    for module in (home, new_run, progress, run_pages, schedule_page, operators_page, exceptions_page,
                   approvals_page):
        app.include_router(module.router)
    return app


def _http_words(request: Request, exc: StarletteHTTPException) -> str:
    """An HTTP error the framework raised (no such page, a method the page does not take), in Chinese."""
    if exc.status_code == 404:
        return f"没有这个页面（{request.url.path}）：请从首页的菜单进入"
    if exc.status_code == 405:
        return f"这个地址不接受 {request.method} 请求：请从页面上的链接或按钮操作"
    return f"请求未能办理（HTTP {exc.status_code}）：请从首页重新进入"


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this console only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(request: Request, status: int = 200, message: str = "", name: str = "") -> Response:
    token = new_token()
    response = render(request, "login.html.j2", status=status, message=message, name=name,
                      login_csrf=token, next=_safe_next(request.query_params.get("next")))
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=state_of(request).secure_cookies, path="/login")
    return response


async def _login_page(request: Request) -> Response:
    return _login_form(request)


async def _login(request: Request) -> Response:
    state = state_of(request)
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not same_token(token if isinstance(token, str) else None, request.cookies.get(LOGIN_COOKIE)):
        return _login_form(request, 403, "登录表单已过期或缺少校验码：请重新输入后登录")
    name = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    address = request.client.host if request.client else "?"
    # a name no user has is kept masked: it may be a password typed into the wrong box, and the
    # audit chain cannot be pruned (tester U's U7)
    said = name if state.users.get(name) is not None else mask_name(name)
    if state.limiter.blocked(name, address):
        record(request, "console.login_refused", {"user": said, "reason": "rate_limited"})
        return _login_form(request, 429, "登录失败次数过多：请 15 分钟后再试，或联系管理员", name)
    user = state.users.authenticate(name, password) if name and password else None
    if user is None:
        state.limiter.failed(name, address)
        record(request, "console.login_failed", {"user": said})
        return _login_form(request, 401, "用户名或密码不正确", name)
    state.limiter.succeeded(name)
    session_token = state.sessions.open(user)
    request.state.session = state.sessions.get(session_token)
    record(request, "console.login", {"role": user.role.value})
    target = _safe_next(str(form.get("next") or "/"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, session_token, httponly=True, samesite="strict",
                        secure=state.secure_cookies, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


async def _logout(request: Request) -> Response:
    record(request, "console.logout")
    state_of(request).sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
