"""首页: today's runs, the next scheduled runs, filings overdue or due today (their deadlines in
PRC working days, read from the queue and the rows put aside as `rpa alerts check` reads them:
rpa.alerts.due), runs with rows waiting for a person (held, or put aside while validating), and
runs whose rows wait for a checker (待复核, rpa.approvals.decisions.waiting)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from rpa.alerts.due import unfiled_filings
from rpa.alerts.findings import put_aside_everywhere
from rpa.alerts.waiting import not_queued_since
from rpa.approvals.decisions import waiting as waiting_for_checker
from rpa.console.run_pages import FLOW_NAMES, counts_shown, state_words
from rpa.console.schedules import job_rows
from rpa.console.web import guarded_router, render, state_of
from rpa.outcomes import outcome_label
from rpa.run.runs import list_runs, now_in

router = guarded_router()
RECENT = 200  # runs looked at for rows waiting for a person
DUE_SHOWN = 50  # filings listed under 逾期与今日到期; the rest are counted


def _row(request: Request, run: dict[str, Any]) -> dict[str, str]:
    return {
        "run_id": str(run.get("run_id", "?")),
        "flow": FLOW_NAMES.get(str(run.get("flow")), str(run.get("flow", "?"))),
        "started": str(run.get("started_at", ""))[11:19],
        "state": state_words(run),
        "counts": counts_shown(request, run) or "无",
        "maker": str((run.get("parameters") or {}).get("maker") or ""),
    }


def _dry(run: dict[str, Any]) -> bool:
    return bool(((run.get("parameters") or {}).get("flow_params") or {}).get("dry_run"))


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    settings = state_of(request).settings
    today = now_in(settings).date().isoformat()
    runs = list_runs(settings)
    todays = [_row(request, run) for run in runs if str(run.get("started_at", "")).startswith(today)]
    aside: dict[str, Counter[str]] = {}  # rows put aside while validating, by run and status
    for row in not_queued_since(settings, put_aside_everywhere(settings)):
        aside.setdefault(row.run_id, Counter())[outcome_label(row.status)] += 1
    waiting = []
    for run in runs[:RECENT]:
        put: Counter[str] = Counter() if _dry(run) else aside.get(str(run.get("run_id")), Counter())
        if (run.get("counts") or {}).get("held") or put:
            shown = _row(request, run)
            if put:
                shown["counts"] += "；校验时搁置：" + "，".join(f"{word} {n}" for word, n in put.items())
            waiting.append(shown)
    for_checker = [{"run_id": run.run_id, "maker": run.maker or "未记录", "rows": len(run.rows),
                    "flow": FLOW_NAMES.get(run.flow, run.flow)} for run in waiting_for_checker(settings)]
    unfiled = unfiled_filings(settings, now_in(settings).date())
    due = [{"account": u.account, "due": u.due_text, "run_id": u.run_id, "state": u.label,
            "overdue": u.due.isoformat() < today and not u.undated, "undated": u.undated} for u in unfiled]
    jobs, problem = job_rows(settings, 1)
    upcoming = sorted((job for job in jobs if job.next_fires and job.enabled and job.paused is None),
                      key=lambda job: job.next_fires[0])
    return render(request, "home.html.j2", today=today, runs=todays, waiting=waiting,
                  upcoming=upcoming[:8], flow_names=FLOW_NAMES, schedule_problem=problem,
                  for_checker=for_checker, due=due[:DUE_SHOWN], due_total=len(due),
                  overdue_total=sum(1 for line in due if line["overdue"]),
                  undated_total=sum(1 for line in due if line["undated"]))
