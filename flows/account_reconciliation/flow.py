"""`rpa run account-reconciliation --from D --to D [--input export.xlsx ...] [--as-of D]`: what
the exports of the period meant to file, what our account-filing runs filed (the queue) and what
AMS holds (备案业务清单, every page, one work item read by a worker logged in to AMS), matched by
account, action and business date into five classes (classify.py). reconciliation.xlsx has one
sheet per class (book.py), report.html a section; the run exits 1 when a filing is overdue, AMS
and the export differ, a filing our runs made is not in AMS's list, or an export row is invalid.
Without --input (a scheduled run) the exports are those the drop folder took for account-filing
runs since the period began (taken.py); when it took none, 应报未报 cannot be checked: the run
says so and is not all done. An export that cannot be read is exit 2; a list page
that cannot be read (a header renamed, a column gone) stops the run naming it, and a list that
keeps changing while it is read fails the item (bots.ams.pages.filing_list): no workbook is
written either way. The account of each listed filing that is not one of our runs' filings is
looked up in AMS's history (`AmsBot.confirm_listed`, listed.py): a list cutting its account
numbers stops the run too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flows.account_reconciliation.classify import (
    CLASSES,
    CONFIRMED,
    DIFFERS,
    DUE,
    NOT_IN_AMS,
    SCOPE,
    ExportRow,
    Reconciled,
    reconcile,
)
from flows.account_reconciliation.listed import (
    KNOWN,
    LISTED,
    REFUSED,
    Confirmed,
    known_digest,
    refused_in,
    unconfirmed,
)
from flows.account_reconciliation.ours import FILING_FLOW, our_filings
from flows.account_reconciliation.rows import period_rows
from flows.account_reconciliation.shown import comparison
from flows.account_reconciliation.taken import taken_exports
from rpa.alerts.findings import RECONCILIATION_FOUND
from rpa.atomic import atomic_write
from rpa.errors import ConfigError, InputFileError, LoginRefused, SessionLost
from rpa.masking import FieldClass, item_ref, mask, personal_values, scrub_text
from rpa.outcomes import item_label
from rpa.queue.work_queue import ItemState, NewItem, WorkItem
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.report_sections import FlowSections, Reconciliation
from rpa.run.runs import RunContext, now_in
from rpa.settings import Settings

BOOK = "reconciliation.xlsx"
MAX_DAYS = 92  # one quarter: AMS's list is read whole, page by page


class AccountReconciliationFlow(Flow):
    """Reconcile the period's exports, our filings and AMS's list of filings."""

    name = "account-reconciliation"
    portal = "ams"
    finish_from_queue = True
    payload_not_personal = frozenset({"begin", "end", KNOWN})  # KNOWN: keyed digests
    workers_need_open_items = True

    def __init__(self, date_from: str, date_to: str, input: str | list[str] | None = None,
                 as_of: str | None = None) -> None:
        self.begin, self.end = date.fromisoformat(date_from), date.fromisoformat(date_to)
        if self.begin > self.end or self.end - self.begin > timedelta(days=MAX_DAYS):
            raise ValueError(f"--from 须不晚于 --to，且相隔不超过 {MAX_DAYS} 天")
        self.inputs = [input] if isinstance(input, str) else list(input or [])
        self.as_of = date.fromisoformat(as_of) if as_of else None
        self.rows: list[ExportRow] = []
        self.unread: list[str] = []  # export rows whose key (account, action, date) did not parse
        self.problems: list[str] = []
        self.read = ""  # what prepare() read: how many export files, and their rows of the period
        self.none_read = ""  # why 应报未报 could not be checked: no export was read
        self.sections: FlowSections | None = None

    def check_setup(self, settings: Settings) -> None:
        """Every element and message the AMS bot uses, before anything is queued (`rpa.run.preflight`)."""
        from bots.ams.setup import check_ams_setup

        check_ams_setup(settings)

    def prepare(self, ctx: RunContext) -> Prepared:
        settings = ctx.settings
        today = self.as_of or now_in(settings).date()
        ctx.params.setdefault("flow_params", {})["as_of"] = today.isoformat()  # a resume keeps it
        for name in ("header_aliases.yaml", "deadlines.yaml"):
            ctx.add_shaping_file(settings.config_dir / name)
        self.rows, self.unread = [], []
        inputs: list[str | Path] = list(self.inputs) or list(taken_exports(settings, self.begin))
        first_of: dict[str, str] = {}  # content digest -> the file read with it
        twice = []  # a file given twice, or a copy of one given (tester V's 1.1: its rows counted twice)
        for given in inputs:
            path = Path(given)
            if not path.is_file():
                raise InputFileError(f"输入文件 {path} 不存在或不是文件：请检查 --input")
            ctx.add_input(path)
            digest = ctx.inputs[str(path)]
            if digest in first_of:
                twice.append(f"{path.name} 与 {first_of[digest]} 内容相同，只读一次")
                continue
            first_of[digest] = path.name
            rows, unread = period_rows(path, self.begin, self.end, as_of=today, today=now_in(settings).date(),
                                       config_dir=settings.config_dir, calendar_file=settings.calendar_file,
                                       max_rows=settings.max_export_rows)  # fmt: skip
            self.rows.extend(rows)
            self.unread.extend(unread)
        span, key = {"begin": self.begin.isoformat(), "end": self.end.isoformat()}, settings.audit_key_bytes()
        ours = our_filings(ctx.queue, self.begin, self.end, settings, self.rows)
        known = sorted({known_digest(filing.account_no, filing.filing_no, key) for filing in ours
                        if filing.filing_no})  # the worker looks the rest up; the queue keeps no account
        results = ctx.queue.enqueue_many(self.name, ctx.run_id, [NewItem(f"ams-list:{ctx.run_id}",
                                                                         {**span, KNOWN: known})])
        source = "" if self.inputs else f"（未指定 --input：投放文件夹自 {span['begin']} 起为报备运行取走的）"
        names = f"：{'、'.join(Path(given).name for given in inputs)}" if inputs else ""
        once = f"（{'；'.join(twice)}）" if twice else ""
        self.read = f"{len(first_of)} 个{source}{names}{once}；核对期间内 {len(self.rows)} 行"
        self.none_read = "" if inputs else (
            f"核对期间 {span['begin']} 至 {span['end']} 没有读到任何导出文件{source}，应报未报无法核对："
            "请把本期的导出文件放入报备的投放文件夹，或用 --input 指定本期的导出文件后重新运行核对"
            "（用 rpa run account-filing --input 报备的导出文件不在投放文件夹的记录中，须用 --input 指定）")
        if inputs and not self.rows and not self.unread:  # last month's export, or a header alone
            self.none_read = (f"读到的导出文件{names}中没有核对期间 {span['begin']} 至 {span['end']} 的行，"
                              "应报未报无法核对：请确认导出文件是本期的后重新运行核对")
        notes = [f"核对 {span['begin']} 至 {span['end']}（期限按 {today.isoformat()} 判断）："
                 f"导出文件 {self.read}"]
        ahead = today > now_in(settings).date()  # a typo, or a look ahead: said (tester AN)
        warned = [f"--as-of {today.isoformat()} 晚于今天：是否逾期按该日判断，请确认"] if ahead else []
        return Prepared(enqueued=sum(r.created for r in results), notes=notes, warnings=warned)

    # -- worker process ----------------------------------------------------------------------
    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        from bots.ams import AmsBot, load_message_catalogue
        from rpa.browser.evidence import item_evidence
        from rpa.browser.selectors import load_selectors
        from rpa.browser.session import BrowserSession
        from rpa.run.operators import remember_refusal

        operator, settings = wctx.operator, wctx.settings
        if operator is None:
            raise ConfigError("这个工作进程没有可用的 AMS 操作员：请设置 RPA_AMS_OPERATORS")
        selectors = load_selectors("ams", settings.selectors_dir)
        with BrowserSession(settings, evidence_dir=wctx.evidence_dir, trace_dir=wctx.trace_dir) as session:
            bot = AmsBot(session.new_page(), selectors, settings, load_message_catalogue(settings.config_dir))
            who = mask(operator.code, FieldClass.ACCOUNT_NO)
            logged_in = False

            def handle(item: WorkItem) -> dict[str, Any]:
                nonlocal logged_in
                ref = item_ref(item.key, settings.audit_key_bytes())
                personal = personal_values(item.payload, wctx.payload_not_personal)
                with item_evidence(session, lambda: bot.page_in_use, ref, attempt=item.attempts,
                                   mask=bot.list_masks, personal=personal):  # fmt: skip
                    if not logged_in:
                        try:
                            with session.login_window():  # no trace may hold the password
                                bot.login(operator.code, operator.password.get_secret_value())
                        except LoginRefused as exc:  # kept: no run tries this operator again
                            remember_refusal(settings, "ams", operator.code, exc, run_id=wctx.run_id)
                            raise
                        logged_in = True
                        wctx.record("ams.login", None, operator=who)
                    try:
                        listed = bot.list_filings(date.fromisoformat(item.payload["begin"]),
                                                  date.fromisoformat(item.payload["end"]))  # fmt: skip
                        confirmed = Confirmed(wctx.folder, item.payload, settings)
                        try:
                            refused = bot.confirm_listed(listed, confirmed.known, confirmed.add)
                        finally:
                            confirmed.keep()
                    except SessionLost:
                        logged_in = False  # the next attempt (the queue's backoff) logs in afresh
                        raise
                with atomic_write(wctx.folder / LISTED, "w", encoding="utf-8") as handle:
                    json.dump([asdict(filing) for filing in listed], handle, ensure_ascii=False)
                with atomic_write(wctx.folder / REFUSED, "w", encoding="utf-8") as handle:
                    json.dump(refused, handle, ensure_ascii=False)  # accounts AMS would not show
                wctx.record("ams.filings_listed", item, count=len(listed), evidence=LISTED,
                            refused=len(refused))
                return {"listed": len(listed), "file": LISTED}  # the queue keeps no account number

            try:
                yield handle
            finally:  # at the end, on a stop request and after a run-fatal error alike
                if bot.logout():
                    wctx.record("ams.logout", None, operator=who)

    # -- parent process, at the end ------------------------------------------------------------
    def finish(self, ctx: RunContext) -> list[Path]:
        from bots.ams import ListedFiling
        from flows.account_reconciliation.book import write_book

        item = next((i for i in ctx.queue.items(ctx.run_id) if i.key.startswith("ams-list:")), None)
        if item is None:  # stopped before asking AMS (an export refused): its own words say why
            self.problems = ["没有查询 AMS 的备案业务清单，没有写出核对结果"]
            return []
        if item.state != ItemState.DONE:  # tester V's 2.4: the reason, and what to do, on the terminal
            state = item_label(item.state.value, item.result)
            stopped = ctx.queue.stop_requested(ctx.run_id)  # a drift that stopped the run says why there
            why = scrub_text(item.last_error_message or (stopped or ("", ""))[1])[:200] or "原因见 run.log"
            failed = item.state == ItemState.FAILED
            then = f"；AMS 恢复后用 rpa runs retry {ctx.run_id} 重新读取" if failed else ""
            self.problems = [f"未能读出 AMS 的备案业务清单（{state}：{why}）：没有写出核对结果{then}"]
            return []
        try:
            listed = [ListedFiling(**entry) for entry in json.loads((ctx.folder / LISTED).read_text("utf-8"))]
            refused = refused_in(ctx.folder, ctx.audit.last_details(ctx.run_id, "ams.filings_listed"))
        except (OSError, ValueError, TypeError) as exc:
            self.problems = [f"读不出本次运行保存的 AMS 备案业务清单 {LISTED} 或 {REFUSED}"
                             f"（{type(exc).__name__}）：请重新运行核对"]
            return []
        worked = ctx.queue.find_by_keys(FILING_FLOW, [row.item_key for row in self.rows if row.item_key])
        rows = [replace(row, note=_worked_note(row.note, worked.get(row.item_key))) for row in self.rows]
        ours = our_filings(ctx.queue, self.begin, self.end, ctx.settings, self.rows)
        reconciled = reconcile(rows, ours, listed)
        for name, lines in reconciled.lines.items():  # listed, but AMS would not show the account
            reconciled.lines[name] = [replace(line, unconfirmed=True, note="；".join(filter(None, (
                line.note, unconfirmed(refused[line.account_no]))))) if line.account_no in refused else line
                for line in lines]  # fmt: skip
        period = f"{self.begin.isoformat()} 至 {self.end.isoformat()}"
        invalid = [row.source for row in self.rows if row.invalid]
        notes = [*([f"{len(invalid)} 行导出行无效，已按账号、业务类型和业务日期归类（说明中写明原因）："
                    f"{'；'.join(invalid[:20])}"] if invalid else []),
                 *([f"{len(self.unread)} 行读不出账号、业务类型或业务日期，未能核对："
                    f"{'；'.join(self.unread[:20])}"] if self.unread else []),
                 *([f"{len(refused)} 个清单所列账号 AMS 账户查询不予显示，未能核实是完整账号"
                    "（各行说明写明）：须人工在 AMS 中核实"] if refused else [])]  # fmt: skip
        guessed = [f"{reconciled.estimated} 笔的报备期限为估算（所跨年份的节假日安排未定）：正式安排写入日历"
                   "后请重新核对"] if reconciled.estimated else []  # in 汇总 too, not the cells alone (AN)
        absent = sum(not line.source for name in (CONFIRMED, NOT_IN_AMS) for line in reconciled.lines[name])
        told = [f"{absent} 笔本行报备运行已报的备案不在所读的导出文件中（其说明：导出文件中没有这一笔）："
                "导出文件应包含它们时，导出可能不全或不是本期的"] if absent and not self.none_read else []
        twice = sum(line.listed_twice for lines in reconciled.lines.values() for line in lines)
        dup = [f"{twice} 笔在 AMS 中有多条同一账号、业务类型和业务日期的备案"
               "（可能重复报送）"] if twice else []
        said = [*notes, *told, *guessed, *(f"{d}：所在工作表的说明列出各备案编号，须人工核实" for d in dup)]
        path = write_book(ctx.folder / BOOK, reconciled, period, said,  # a duplicate in 汇总 too (tester AN)
                          read=self.none_read or self.read)
        self.problems = [*([self.none_read] if self.none_read else []), *notes]
        if reconciled.overdue:
            self.problems.append(f"{reconciled.overdue} 笔应报未报且已逾期：见 {BOOK} 的工作表 {DUE}")
        if reconciled.differing:  # no export read: differing from the runs' alone (tester AN)
            whose = "本行报备运行" if self.none_read else "导出文件或本行报备运行"
            self.problems.append(f"{reconciled.differing} 笔 AMS 与{whose}的数据不一致：见 {BOOK} 的工作表"
                                 f" {DIFFERS}")
        if missing := len(reconciled.lines[NOT_IN_AMS]):  # we hold its filing number, AMS does not
            self.problems.append(
                f"{missing} 笔本行已报备（有备案编号）但 AMS 清单中没有：见 {BOOK} 的工作表 {NOT_IN_AMS}")
        self.problems += [f"{d}：见 {BOOK} 各工作表的说明" for d in dup]  # DOMAIN.md: a real incident
        counts = "，".join(f"{name} {len(reconciled.lines[name])}" for name in CLASSES)
        ctx.record(RECONCILIATION_FOUND, told=_told(reconciled, len(self.unread), bool(self.none_read)),
                   classes=[[name, len(reconciled.lines[name])] for name in CLASSES])
        ctx.log.info(f"核对完成（{period}）：{counts}；已写出 {path}")
        self.sections = FlowSections(reconciliations=[Reconciliation(
            title=f"与 AMS 备案业务清单核对：{period}（已读导出文件 {self.read}）",
            first_label="本行（备案编号或导出行）",
            second_label="AMS 备案编号", group_label="类别", item_label="业务类型 账号 业务日期",
            difference_label="不一致的字段", scope=SCOPE, comparisons=[
                comparison(name, line) for name in CLASSES for line in reconciled.lines[name]])])  # fmt: skip
        return [path]

    def report_sections(self, ctx: RunContext) -> FlowSections | None:
        return self.sections

    def output_problems(self, ctx: RunContext) -> list[str]:
        return list(self.problems)


def _told(reconciled: Reconciled, unread: int, none_read: bool) -> list[str]:
    """What a person must act on, in Chinese (the run end alerts it); empty when the
    reconciliation found nothing."""
    refused = sum(line.unconfirmed for lines in reconciled.lines.values() for line in lines)
    found = [(none_read, f"没有读到任何导出文件，{DUE}无法核对"),
             (refused, f"{refused} 笔清单所列账号 AMS 不予显示，未能核实"),
             (reconciled.overdue, f"{reconciled.overdue} 笔{DUE}且已逾期"),
             (len(reconciled.lines[NOT_IN_AMS]), f"{len(reconciled.lines[NOT_IN_AMS])} 笔{NOT_IN_AMS}"),
             (reconciled.differing, f"{reconciled.differing} 笔{DIFFERS}"),
             (unread, f"{unread} 行读不出账号、业务类型或业务日期，未能核对")]
    return [words for count, words in found if count]


def _worked_note(note: str, item: WorkItem | None) -> str:
    """A row's note, and what the filing run that holds it made of it when not done."""
    if item is None or item.state == ItemState.DONE:
        return note
    worked = f"报备运行 {item.run_id}：{item_label(item.state.value, item.result)}"
    return f"{note}；{worked}" if note else worked
