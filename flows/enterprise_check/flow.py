"""`rpa run enterprise-check --input FILE`: each valid 开户/变更 row of a filing export (keyed as its
filing, for `RPA_FILING_REQUIRE_CHECK`) is queried in 企业信息联网核查系统: 通过 when 名称 and 法定代表人
match (width and spaces aside, not case) and it is 存续, else 需人工处理 saying what differs, the answer
page as evidence (法定代表人 and an owner's name masked). result.xlsx: 核查结果, rows put aside too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from flows.account_filing.aliases import load_aliases
from flows.account_filing.normalise import as_registered, case_only, compact
from flows.account_filing.other_runs import settle_other_runs
from flows.account_filing.registry import name_is_owners
from flows.account_filing.report import RowOutcome, ValidationReport
from flows.account_filing.result_book import ResultRow, write_result_book
from flows.account_filing.row_results import result_row, shown_name, with_failure_shot
from rpa.errors import ApplicationError, NeedsPerson
from rpa.outcomes import outcome_label
from rpa.queue.work_queue import ItemState, NewItem, WorkItem
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.runs import RunContext

if TYPE_CHECKING:
    from bots.enterprise_check.pages import Registration

PORTAL, SYSTEM = "enterprise_check", "企业信息联网核查系统"
NO_CODE = "输入行没有统一社会信用代码，无法核查"
CASE = "，仅字母大小写不同"  # said of a difference in letter case alone (width and spaces are none)
ANSWER = {"name": "名称", "legal_rep": "法定代表人", "status": "登记状态", "authority": "登记机关"}


def judge(payload: dict[str, Any], found: Registration | None, message: str) -> dict[str, Any]:
    """Passed or held, with a note, against what the system showed (名称 required, 法定代表人 where given)."""
    if found is None and not any(words in message for words in ("未查询到", "查无此")):  # tester BD F3
        raise ApplicationError(f"{SYSTEM}未给出核查结果（查询页提示「{message}」）", code="check_unanswered")
    if found is None:
        return {"status": "held", "note": f"核查系统无此统一社会信用代码的登记信息（{message}）"}
    differs, name, rep = [], payload["name"], payload["legal_rep"]
    if compact(payload.get("credit_code") or found.credit_code) != compact(found.credit_code):
        differs.append(f"核查结果的统一社会信用代码为{found.credit_code}，与输入行不同")
    if not name:
        differs.append("输入行无名称，未比对企业名称：须人工核对")
    elif as_registered(name) != as_registered(found.name):
        shown = shown_name(found.name, payload.get("category"), found.credit_code)  # an owner's: masked
        differs.append(f"企业名称不符（登记为「{shown}」）{CASE * case_only(name, found.name)}")
    if rep and as_registered(rep) != as_registered(found.legal_rep):
        differs.append(f"法定代表人与登记的不同{CASE * case_only(rep, found.legal_rep)}")
    if compact(found.status) not in ("存续", "存续(在营、开业、在册)"):  # the 公示系统's own words too
        shown = f"登记状态为“{found.status}”（不是存续）" if found.status else "核查系统未显示登记状态"
        differs.append(f"企业已{found.status}" if found.status in ("注销", "吊销") else shown)
    same = f"与登记一致，{found.status}" + ("" if rep else "（输入行无法定代表人：本次变更不涉及，未比对）")
    note = "；".join(differs) or same
    return {"status": "held" if differs else "passed", "note": note, "answer": asdict(found)}


class EnterpriseCheckFlow(Flow):
    """Check the registration of every 开户/变更 row's enterprise in 企业信息联网核查系统."""

    name = "enterprise-check"
    portal = PORTAL
    finish_from_queue = True
    payload_not_personal = frozenset({"sheet", "row", "action", "category"})
    workers_need_open_items = True  # nothing open: no browser, no login
    row_actions: ClassVar[dict[str, str]] = {"open": "开户", "change": "变更"}  # the rows it checks

    def __init__(self, input: str, sheet: str | None = None) -> None:
        self.input, self.sheet = input, sheet
        self.report: ValidationReport | None = None

    def prepare(self, ctx: RunContext) -> Prepared:
        from flows.account_filing.validate import validate_export

        path = Path(self.input)  # a missing file or a folder: InputFileError saying which
        self.report = validate_export(path, ctx.settings, sheet=self.sheet)
        ctx.add_input(path)
        entries = [NewItem(key, {"sheet": o.sheet, "row": o.row, "action": r.action, "credit_code": r.uscc,
                                 "name": r.depositor_name, "legal_rep": r.legal_rep_name,
                                 "category": r.depositor_category})
                   for o, key in self._rows() if key and (r := o.record) is not None]
        results = ctx.queue.enqueue_many(self.name, ctx.run_id, entries)
        others = settle_other_runs(ctx, self.name, [e.key for e in entries], work="核查", redo=entries)
        return Prepared.of(results, notes=others.notes, warnings=others.warnings)

    def _rows(self) -> list[tuple[RowOutcome, str | None]]:
        """(outcome, item key) of each valid 开户/变更 row; (outcome, None) of each row put aside."""
        outcomes = self.report.outcomes if self.report else []
        return [(o, o.record.idempotency_key() if o.valid and o.record else None) for o in outcomes
                if not o.valid or (o.record is not None and o.record.action in self.row_actions)]

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        from bots.enterprise_check.pages import LoginPage, QueryPage, ResultPage
        from rpa.run.portal_worker import portal_worker

        url, wait_ms = wctx.settings.check_url, wctx.settings.action_timeout_ms
        with portal_worker(wctx, PORTAL, SYSTEM, audit_prefix="check.") as work:
            on = (work.page, work.selectors, wait_ms)
            login, query, result = LoginPage(*on), QueryPage(*on), ResultPage(*on)

            def handle(item: WorkItem) -> dict[str, Any]:
                row = item.payload
                if not row["credit_code"]:
                    raise NeedsPerson(NO_CODE, code="no_credit_code", details={"note": NO_CODE})
                with work.evidence(item) as ref:
                    work.with_relogin(lambda: query.check(url, row["credit_code"], row["name"] or ""), item)
                    found = result.registration()
                    owner = [row["name"], found.name] if found and name_is_owners(row.get("category")) else []
                    shot = work.screenshot(ref, personal=[*owner, row["credit_code"]])  # and 法定代表人
                judged = {**judge(row, found, query.message() if found is None else ""), "evidence": shot}
                if judged["status"] == "passed":
                    return judged
                raise NeedsPerson(judged["note"], code="registration_differs", details=judged)

            work.log_in(lambda code, pw: login.log_in(url, code, pw), log_out=lambda: query.log_out(url))
            yield handle

    def finish(self, ctx: RunContext) -> list[Path]:
        if self.report is None:
            return []
        rows, match, run = self._rows(), load_aliases(ctx.settings.config_dir).match, ctx.run_id
        items = ctx.queue.find_by_keys(self.name, [key for _, key in rows if key])
        lines = [_result_row(o, items.get(key) if key else None, ctx, match) for o, key in rows]
        self.not_done_elsewhere = sum(i.run_id != run and i.state != ItemState.DONE for i in items.values())
        return [write_result_book(ctx.folder / "result.xlsx", lines, title="核查结果")]

    def output_problems(self, ctx: RunContext) -> list[str]:
        return self.report.put_aside("核查", "result.xlsx 的核查结果") if self.report else []


def _result_row(outcome: RowOutcome, item: WorkItem | None, ctx: RunContext, match: Any) -> ResultRow:
    """The row's result.xlsx line: the filing flow's `result_row`, with the answer (门户信息) if checked."""
    row = with_failure_shot(result_row(outcome, item, match, elsewhere="", portal=SYSTEM), item, ctx)
    if not outcome.valid or outcome.record is None:
        return row
    answer = (result := (item.result or {}) if item else {}).get("answer") or {}
    shown = "；".join(f"{label}：{answer[f]}" for f, label in ANSWER.items() if f in answer)
    return replace(row, permit=outcome.record.basic_account_permit or "", portal_message=shown,
                   note=str(result.get("note") or row.note or outcome_label(row.status)))
