"""首页: today's runs, the next scheduled runs and what waits for a person."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from rpa.console.web import guarded_router, render

router = guarded_router()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return render(request, "home.html.j2", runs=[], jobs=[])
