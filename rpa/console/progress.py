"""Live progress of a run, pushed by server-sent events: done, failed, held, in hand and pending,
the item in hand, and the verdict when the run ends (run.json's exit code)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select

from rpa.console.files import check_run_id
from rpa.console.run_pages import state_words
from rpa.console.web import Refused, guarded_router, render, state_of
from rpa.db import engine_for
from rpa.outcomes import counts_text
from rpa.queue.models import ItemState
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.runs import read_run_json

router = guarded_router()
TICK_SECONDS = 1.0
START_PATIENCE_TICKS = 120  # a run whose run.json has not appeared after this is reported as not started


@router.get("/runs/{run_id}/progress", response_class=HTMLResponse)
def progress_page(request: Request, run_id: str) -> HTMLResponse:
    folder = state_of(request).settings.runs_dir / check_run_id(run_id)
    if not folder.is_dir():
        raise Refused(404, f"没有运行 {run_id}：请从首页的运行列表打开")
    return render(request, "progress.html.j2", run_id=run_id)


def in_hand(queue: WorkQueue, run_id: str, most: int = 3) -> list[str]:
    """The items a worker holds now, as `事项 12（第 14 行）` (the input row, when the item has one)."""
    query = (select(items.c.id, items.c.payload)
             .where(items.c.run_id == run_id, items.c.state == ItemState.LEASED.value)
             .order_by(items.c.id).limit(most))
    with engine_for(queue.url).connect() as conn:
        rows = conn.execute(query).all()
    return [f"事项 {row.id}" + (f"（第 {row.payload['row']} 行）"
                                if isinstance(row.payload, dict) and row.payload.get("row") else "")
            for row in rows]


def snapshot(queue: WorkQueue, run_id: str, run: dict[str, Any]) -> dict[str, Any]:
    counts = queue.counts(run_id)
    total = sum(counts.values())
    current = "、".join(in_hand(queue, run_id)) if counts[ItemState.LEASED] else ""
    ended = total - counts[ItemState.PENDING] - counts[ItemState.LEASED]
    return {
        "total": total, "ended": ended,
        "done": counts[ItemState.DONE], "failed": counts[ItemState.FAILED],
        "business_error": counts[ItemState.BUSINESS_ERROR], "held": counts[ItemState.HELD],
        "in_hand": counts[ItemState.LEASED], "pending": counts[ItemState.PENDING],
        "current": current or "无", "text": counts_text({k.value: v for k, v in counts.items()}),
        "finished": run.get("exit_code") is not None,
        "verdict": state_words(run) if run.get("exit_code") is not None else "",
    }


@router.get("/runs/{run_id}/events")
async def events(request: Request, run_id: str) -> StreamingResponse:
    settings = state_of(request).settings
    folder = settings.runs_dir / check_run_id(run_id)
    queue = WorkQueue.from_settings(settings)

    async def stream() -> AsyncIterator[str]:
        waited = 0
        while not await request.is_disconnected():
            run = read_run_json(folder)
            if not run:
                waited += 1
                if waited > START_PATIENCE_TICKS:
                    yield _event("end", {"finished": True, "verdict": "运行未能开始：请查看运行文件夹中的 "
                                                                   "console-launch.log"})
                    return
            else:
                data = await run_in_threadpool(snapshot, queue, run_id, run)
                yield _event("end" if data["finished"] else "progress", data)
                if data["finished"]:
                    return
            await asyncio.sleep(TICK_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
