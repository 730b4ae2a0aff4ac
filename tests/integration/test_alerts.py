"""Alerts through a real SMTP server (aiosmtpd) and a local HTTP receiver: the `rpa alerts`
commands, the quiet time across processes, the due-filings and calendar checks, the run-end and
refused-operator hooks, and channels that fail without failing anything.

Account numbers, operator codes and dates are written by hand here (DOMAIN.md: digits, 8-32 long),
never taken from the code's own fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from loguru import logger
from sqlalchemy import update

from flows.account_filing.portal_identity import PortalCodes
from rpa.alerts.config import describe_channels, load_alerts_config
from rpa.alerts.due import calendar_alert, due_alerts
from rpa.alerts.events import alert_run_end, run_end_alerts
from rpa.alerts.kinds import Alert, AlertKind
from rpa.alerts.quiet import QuietTimes
from rpa.alerts.send import send_alert
from rpa.errors import ConfigError, LoginRefused, UsageError
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.operators import remember_refusal
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env
from tests.integration.alert_receivers import (
    SMTP_PASSWORD,
    HttpReceiver,
    SmtpReceiver,
    free_port,
    self_signed_certificate,
    smtp_server,
    write_alerts_yaml,
)
from tests.integration.item_endings import end_items

OVERDUE_ACCOUNT = "6217003320001234567"
DUE_TODAY_ACCOUNT = "44021234000056789"
FILED_ACCOUNT = "6228480010009999111"
DRY_RUN_ACCOUNT = "9558801001117777"
LATER_ACCOUNT = "3301040160002468"
LONG_AGO_ACCOUNT = "1100200030004000"  # overdue since September: past overdue_days
RARE_NAME_ACCOUNT = "6228480055550000123"  # its depositor's name cannot be typed into AMS
UNMASKED = (OVERDUE_ACCOUNT, DUE_TODAY_ACCOUNT, FILED_ACCOUNT, DRY_RUN_ACCOUNT, LATER_ACCOUNT,
            LONG_AGO_ACCOUNT, "OP0417")


@pytest.fixture
def logged() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="INFO", format="{message}")
    yield lines
    logger.remove(sink)


def _settings(tmp_path: Path, alerts: Path) -> Settings:
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                    alerts_file=alerts)


def _everything_sent(smtp: SmtpReceiver, http: HttpReceiver) -> str:
    return "\n".join([*smtp.bodies(), *(json.dumps(p["json"], ensure_ascii=False) for p in http.posts)])


def _assert_masked(text: str) -> None:
    for value in UNMASKED:
        assert value not in text, f"{value} unmasked in an alert"


# -- the configuration file ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("email:\n  host: relay\n  prot: 25\n  sender: a@b.cn\n  to: [c@d.cn]\n", "email.prot：不认识的键"),
        ("webhook:\n  url: im.example/robot\n", "webhook.url"),
        ("email:\n  host: relay\n  sender: a@b.cn\n  to: [c@d.cn]\n  username: u\n", "password_env"),
        ("quiet_minutes: 30\n", "没有任何告警渠道"),
        ("webhook:\n  url: http://im/x\ncalendar_from: 02-30\n", "calendar_from"),
        ("webhook: [1, 2]\n", "webhook"),
    ],
    ids=["typo", "url_without_scheme", "login_half", "no_channel", "no_such_day", "not_a_section"],
)
def test_a_bad_alerts_file_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_alerts_config(path)
    assert str(path) in refused.value.message and words in refused.value.message


def test_a_login_password_comes_from_the_environment_or_the_file_is_refused(tmp_path: Path) -> None:
    path = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=2525, webhook_url="http://127.0.0.1:1/x",
                             login=True)
    with pytest.raises(ConfigError, match="RPA_TEST_SMTP_PASSWORD 没有设置"):
        load_alerts_config(path, environ={})
    config = load_alerts_config(path, environ={"RPA_TEST_SMTP_PASSWORD": SMTP_PASSWORD})
    assert config is not None and config.email is not None and config.email.password is not None
    assert load_alerts_config(tmp_path / "absent.yaml") is None  # no file: alerts are off


@pytest.mark.timeout(60)
def test_rpa_alerts_test_with_a_bad_or_missing_file_exits_2_in_one_chinese_line(tmp_path: Path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("email:\n  host: relay\n  prot: 25\n", encoding="utf-8")
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(bad))
    done = cli.run("alerts", "test", check_exit=2)
    assert str(bad) in done.stderr and "email" in done.stderr and "Traceback" not in done.stderr
    missing = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(tmp_path / "none.yaml"))
    done = missing.run("alerts", "test", check_exit=2)
    assert "none.yaml 不存在" in done.stderr and "Traceback" not in done.stderr


# -- rpa alerts test ------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_rpa_alerts_test_sends_one_mail_with_login_and_one_robot_message(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url,
                               login=True)
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts), RPA_TEST_SMTP_PASSWORD=SMTP_PASSWORD)
    done = cli.run("alerts", "test", check_exit=0)
    assert "已经邮件发出" in done.stdout and "已经即时通讯机器人发出" in done.stdout
    (mail,) = smtp.messages
    assert smtp.logins == ["rpa-alerts"]
    assert mail["To"] == "ops-duty@branch.example.cn, backoffice@branch.example.cn"
    assert "测试告警" in mail["Subject"] and "测试告警" in smtp.bodies()[0]
    (post,) = http.posts
    assert post["path"] == "/robot/send?key=SECRETKEY123"
    assert post["json"]["msgtype"] == "text" and "测试告警" in post["json"]["text"]["content"]
    assert cli.run("alerts", "test", check_exit=0)  # a test alert ignores the quiet time
    assert len(smtp.messages) == 2 and len(http.posts) == 2


@pytest.mark.timeout(90)
def test_mail_goes_through_starttls_and_a_login_to_a_relay_signed_by_the_banks_own_ca(
    tmp_path: Path, http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("RPA_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    with smtp_server(tls=(cert, key)) as relay:
        trusted = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=relay.port, webhook_url=http.url,
                                    login=True, ca_file=cert)
        delivery = send_alert(_settings(tmp_path, trusted), Alert(AlertKind.TEST, "tls", "经 STARTTLS 发送"))
        assert delivery.sent == ["email", "webhook"] and relay.logins == ["rpa-alerts"]
        assert "经 STARTTLS 发送" in relay.bodies()[0]

        (tmp_path / "other-ca").mkdir()
        stranger, _ = self_signed_certificate(tmp_path / "other-ca")  # not the relay's signer
        untrusted = write_alerts_yaml(tmp_path / "untrusted.yaml", smtp_port=relay.port, webhook_url=http.url,
                                      login=True, ca_file=stranger, attempts=1)
        refused = send_alert(_settings(tmp_path, untrusted), Alert(AlertKind.TEST, "tls-2", "不应送达"))
        assert refused.sent == ["webhook"] and "证书校验失败" in refused.failed["email"]
        assert len(relay.messages) == 1 and SMTP_PASSWORD not in refused.failed["email"]


@pytest.mark.timeout(60)
def test_a_robot_that_answers_200_with_an_error_code_did_not_take_the_message(
    tmp_path: Path, http: HttpReceiver
) -> None:
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(f"webhook:\n  url: {http.url}\n  attempts: 2\n  retry_wait_seconds: 0\n",
                      encoding="utf-8")
    http.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    refused = send_alert(_settings(tmp_path, alerts), Alert(AlertKind.TEST, "robot", "机器人拒收"))
    assert refused.sent == [] and "错误代码 93000" in refused.failed["webhook"] and http.tries == 2

    alerts.write_text(f"webhook:\n  url: {http.url}\n  format: fields\n", encoding="utf-8")
    http.answer = b"ok"  # a plain receiver: any 2xx is taken
    taken = send_alert(_settings(tmp_path, alerts), Alert(AlertKind.TEST, "fields", "字段格式", "run-9"))
    assert taken.sent == ["webhook"]
    fields = http.posts[-1]["json"]
    assert fields["kind"] == "test" and fields["run_id"] == "run-9" and "字段格式" in fields["text"]


def test_doctor_says_which_channels_alert_or_that_nobody_would_be_told(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "alerts.example.yaml"
    assert describe_channels(example) == "邮件、即时通讯机器人；同一告警 240 分钟内不重发"
    assert "未配置" in describe_channels(tmp_path / "alerts.yaml")


# -- rpa alerts check: filings due and overdue -----------------------------------------------

def _plant_filings(url: str) -> None:
    """Account-filing items as runs left them: deadlines and states by hand."""
    queue = WorkQueue(url)
    queue.create_schema()
    planted = [
        ("run-a", f"open:{OVERDUE_ACCOUNT}:2026-11-24:aa", OVERDUE_ACCOUNT, "2026-12-01", "pending"),
        ("run-b", f"change:{DUE_TODAY_ACCOUNT}:2026-12-01:bb", DUE_TODAY_ACCOUNT, "2026-12-03", "held"),
        ("run-a", f"open:{FILED_ACCOUNT}:2026-11-25:cc", FILED_ACCOUNT, "2026-12-02", "done"),
        ("run-c", f"dry-run:run-c:open:{DRY_RUN_ACCOUNT}:2026-11-20:dd", DRY_RUN_ACCOUNT, "2026-11-30",
         "failed"),
        ("run-b", f"open:{LATER_ACCOUNT}:2026-12-02:ee", LATER_ACCOUNT, "2026-12-09", "pending"),
        ("run-0", f"open:{LONG_AGO_ACCOUNT}:2026-09-01:ff", LONG_AGO_ACCOUNT, "2026-09-03", "business_error"),
    ]
    for run_id, key, account, deadline, state in planted:
        payload = {"record": {"account_no": account, "action": "open"}, "deadline": deadline}
        item = queue.enqueue("account-filing", run_id, key, payload)
        with queue._engine.begin() as conn:
            conn.execute(update(items).where(items.c.id == item.item_id).values(state=state))


def _check_env(tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver) -> CliEnv:
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    with alerts.open("a", encoding="utf-8") as handle:
        handle.write("due_hour: 15\ncalendar_from: '12-31'\n")  # the calendar has its own test
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts))
    cli.runs.mkdir(parents=True)
    _plant_filings(f"sqlite:///{cli.runs / 'queue.db'}")
    return cli


@pytest.mark.timeout(90)
def test_check_alerts_overdue_filings_and_from_the_due_hour_those_due_today_once_per_quiet_time(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    cli = _check_env(tmp_path, smtp, http)
    morning = cli.run("alerts", "check", "--at", "2026-12-03T10:00", check_exit=1)  # Asia/Shanghai
    assert "已超过报备期限" in morning.stdout and "今天" not in morning.stdout
    (overdue,) = smtp.bodies()
    assert "***************4567（期限 2026-12-01）" in overdue and "共 1 笔" in overdue
    assert "run-a" in overdue
    for tail in ("9111", "7777", "2468", "4000"):  # filed, dry run, due later, overdue too long
        assert tail not in overdue

    afternoon = cli.run("alerts", "check", "--at", "2026-12-03T16:00", check_exit=1)
    assert "静默时间内已发送过" in afternoon.stdout  # the overdue one, from another process
    assert len(smtp.messages) == 2 and len(http.posts) == 2
    due = smtp.bodies()[1]
    assert "今日到期的备案尚未完成" in due and "*************6789（期限 2026-12-03）" in due
    assert "15:00 后仍未完成" in due and "运行编号：run-b" in due
    _assert_masked(_everything_sent(smtp, http))

    again = cli.run("alerts", "check", "--at", "2026-12-03T17:00", check_exit=1)
    assert again.stdout.count("静默时间内已发送过") == 2 and len(smtp.messages) == 2


# forty filings overdue since 2026-11-06 in four runs, each account's last four digits its own
MANY = [(f"62170033200088{n:02d}10", f"run-{n % 4 + 1}") for n in range(40)]


@pytest.mark.timeout(120)
def test_every_filing_due_is_named_on_a_line_of_its_own_in_the_terminal_the_mail_and_the_robot(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    with alerts.open("a", encoding="utf-8") as handle:
        handle.write("calendar_from: '12-31'\n")
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts))
    cli.runs.mkdir(parents=True)
    url = f"sqlite:///{cli.runs / 'queue.db'}"
    queue = WorkQueue(url)
    queue.create_schema()
    for account, run_id in MANY:
        payload = {"record": {"account_no": account, "action": "open"}, "deadline": "2026-11-06"}
        queue.enqueue("account-filing", run_id, f"open:{account}:2026-11-06:{account[-4:]}", payload)
    each = {f"{'*' * 14}{account[-4:]}（期限 2026-11-06）　运行 {run_id}　未完成" for account, run_id in MANY}

    told = cli.run("alerts", "check", "--at", "2026-12-03T10:00", check_exit=1).stdout
    assert each <= set(told.splitlines()) and "备案共 40 笔（4 个运行）已超过报备期限" in told
    (mail,) = smtp.bodies()
    assert each <= set(mail.splitlines())
    # an IM robot takes at most 2048 bytes of text in one message: the list goes as numbered
    # messages, each within it, every filing in exactly one of them
    contents = [str(post["json"]["text"]["content"]) for post in http.posts]
    assert len(contents) >= 2 and all(len(text.encode()) <= 2048 for text in contents)
    assert [text.splitlines()[0] for text in contents] == [
        f"【RPA告警】有备案已超期（第 {n}/{len(contents)} 条）" for n in range(1, len(contents) + 1)]
    named = [line for text in contents for line in text.splitlines() if "（期限" in line]
    assert sorted(named) == sorted(each)
    sent = _everything_sent(smtp, http) + told
    assert not any(account in sent for account, _ in MANY)

    # the `fields` format: one JSON body, its text listing them all
    fields_file = tmp_path / "alerts-fields.yaml"
    fields_file.write_text(f"webhook:\n  url: {http.url}\n  format: fields\ncalendar_from: '12-31'\n",
                           encoding="utf-8")
    config = load_alerts_config(fields_file)
    assert config is not None
    settings = _settings(tmp_path, fields_file).model_copy(update={"database_url": url})
    (overdue,) = due_alerts(settings, config, datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert send_alert(settings, overdue, honour_quiet=False, config=config).sent == ["webhook"]
    body = http.posts[-1]["json"]
    assert body["kind"] == "filings_overdue" and each <= set(str(body["text"]).splitlines())


@pytest.mark.timeout(60)
def test_check_with_nothing_due_exits_0_and_sends_nothing(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    cli = _check_env(tmp_path, smtp, http)
    done = cli.run("alerts", "check", "--at", "2026-11-28T16:00+08:00", check_exit=0)
    assert "没有需要告警的事项" in done.stdout and not smtp.messages and not http.posts


@pytest.mark.timeout(120)
def test_the_due_check_reads_the_queue_on_sqlite_and_postgresql(tmp_path: Path, db_url: str) -> None:
    _plant_filings(db_url)
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("webhook:\n  url: http://127.0.0.1:1/x\ncalendar_from: '12-31'\n", encoding="utf-8")
    config = load_alerts_config(alerts)
    assert config is not None
    settings = _settings(tmp_path, alerts).model_copy(update={"database_url": db_url})
    found = due_alerts(settings, config, datetime(2026, 12, 3, 16, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert [(a.kind, a.subject) for a in found] == [
        (AlertKind.FILINGS_OVERDUE, "2026-12-03"), (AlertKind.FILINGS_DUE, "2026-12-03")]
    assert "***************4567" in found[0].line and "*************6789" in found[1].line
    _assert_masked("\n".join(a.text() for a in found))


# -- deadlines under the calendar in force now -----------------------------------------------

PUBLISHED_2026 = "years: {}\n"  # chinesecalendar's own 2026: Saturday 2026-12-05 is a day off
MAKE_UP_1205 = "years:\n  2026:\n    workdays: [2026-12-05]\n"  # that Saturday a 调休 working day
COUNTED_BEFORE, COUNTED_AFTER = "6217003320008880001", "6217003320008880002"


def _general_open(account: str, name: str, code: str, day: str) -> list[object]:
    """A 开户 of a 一般存款账户: filed within 5 working days (config/deadlines.yaml)."""
    row = open_row(account, name, code, "李强", day)
    row[2], row[15] = "一般存款账户", "J1000123456789"
    return row


@pytest.mark.timeout(120)
def test_due_filings_are_judged_under_the_calendar_in_force_now_not_the_runs(tmp_path: Path) -> None:
    """Two 一般 accounts opened Monday 2026-11-30, due in 5 working days: Dec 1, 2, 3, 4 and
    Monday Dec 7 by the published calendar; Dec 1 to 5 once Saturday Dec 5 is a 调休 working day.
    One run read its export before that day was made a working day, the other after: whichever
    calendar is in force when the check runs says when both are due."""
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("webhook:\n  url: http://127.0.0.1:1/x\ndue_hour: 8\ncalendar_from: '12-31'\n",
                      encoding="utf-8")
    config = load_alerts_config(alerts)
    assert config is not None
    alerts = tmp_path / "none.yaml"  # the runs tell nobody: the check is what is tested
    unused = OperatorCredential(code="A10001", password="x")  # never used: nothing is worked
    under = {}
    for name, text in (("published", PUBLISHED_2026), ("make_up", MAKE_UP_1205)):
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
        under[name] = _settings(tmp_path, alerts).model_copy(
            update={"calendar_file": tmp_path / f"{name}.yaml", "ams_operators": [unused]})
    queue = WorkQueue.from_settings(under["published"])
    queue.create_schema()  # AMS's code as an earlier run read it: these runs log in nowhere
    PortalCodes.from_settings(under["published"]).learn(under["published"].ams_url_identity(), "PBCAMS-T")
    for account, calendar, code, kept in ((COUNTED_BEFORE, "published", "91110105MA02XYKW1", "2026-12-07"),
                                          (COUNTED_AFTER, "make_up", "91110105MA02XYKW3", "2026-12-05")):
        export = write_export(tmp_path / f"{calendar}.xlsx",
                              [_general_open(account, "北京甲科技有限公司", uscc(code), "2026-11-30")])
        outcome = execute_run(under[calendar], "account-filing", {"flow_params": {"input": str(export)}},
                              trigger="test", enqueue_only=True)
        [item] = queue.items(outcome.run_id)
        assert item.payload["deadline"] == kept  # as the run counted it, and result.xlsx shows it

    def due_on(calendar: str, day: int) -> dict[AlertKind, str]:
        now = datetime(2026, 12, day, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        return {alert.kind: alert.line for alert in due_alerts(under[calendar], config, now)}

    made_up = due_on("make_up", 5)
    assert set(made_up) == {AlertKind.FILINGS_DUE}, made_up
    assert "0001（期限 2026-12-05）" in made_up[AlertKind.FILINGS_DUE]
    assert "0002（期限 2026-12-05）" in made_up[AlertKind.FILINGS_DUE]
    assert due_on("published", 5) == {}  # the calendar went back: Saturday is a day off again
    published = due_on("published", 7)
    assert set(published) == {AlertKind.FILINGS_DUE}, published
    assert "0001（期限 2026-12-07）" in published[AlertKind.FILINGS_DUE]
    assert "0002（期限 2026-12-07）" in published[AlertKind.FILINGS_DUE]
    assert set(due_on("make_up", 7)) == {AlertKind.FILINGS_OVERDUE}


# -- next year's calendar --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("calendar", "today", "words"),
    [
        ("years: {}\n", date(2040, 12, 5), "2041 年的节假日安排尚未录入：备案期限和定时任务将按周一至周五"),
        # a provisional year's holidays are used as they stand: never said to be Monday-Friday
        ("years:\n  2041:\n    provisional: true\n    holidays: [2041-01-01]\n", date(2040, 12, 5),
         "仍是暂定：备案期限和定时任务按其中暂定的节假日计算"),
        ("years:\n  2041:\n    holidays: [2041-01-01, 2041-05-01, {from: 2041-10-01, to: 2041-10-03}]\n",
         date(2040, 12, 5), None),
        ("years: {}\n", date(2040, 11, 30), None),
    ],
    ids=["missing", "provisional", "published", "before_the_date"],
)
def test_next_years_calendar_missing_after_the_set_date(
    tmp_path: Path, calendar: str, today: date, words: str | None
) -> None:
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("webhook:\n  url: http://127.0.0.1:1/x\ncalendar_from: '12-01'\n", encoding="utf-8")
    (tmp_path / "calendar.yaml").write_text(calendar, encoding="utf-8")
    settings = _settings(tmp_path, alerts).model_copy(update={"calendar_file": tmp_path / "calendar.yaml"})
    config = load_alerts_config(alerts)
    assert config is not None
    found = calendar_alert(settings, config, today)
    if words is None:
        assert found is None
    else:
        assert found is not None and found.kind == AlertKind.CALENDAR_MISSING and words in found.line
        assert str(tmp_path / "calendar.yaml") in found.line and found.subject == "2041"


# -- the engine's hooks ----------------------------------------------------------------------

def test_a_run_end_alerts_held_rows_and_names_the_circuit_breaker(tmp_path: Path) -> None:
    settings = _settings(tmp_path, tmp_path / "alerts.yaml")
    held = tmp_path / "runs" / "held-run"
    held.mkdir(parents=True)
    (held / "run.json").write_text(json.dumps(
        {"flow": "account-filing", "exit_code": 1, "counts": {"done": 3, "held": 2}}), encoding="utf-8")
    (alert,) = run_end_alerts(settings, "held-run", held)
    assert alert.kind == AlertKind.ROWS_HELD and "2 个事项需人工处理" in alert.line
    assert alert.run_id == "held-run"

    failing = tmp_path / "runs" / "failing-run"
    failing.mkdir()
    (failing / "run.json").write_text(json.dumps(
        {"flow": "account-filing", "exit_code": 1, "counts": {"done": 4, "failed": 1}}), encoding="utf-8")
    (failed,) = run_end_alerts(settings, "failing-run", failing)
    assert failed.kind == AlertKind.ITEMS_FAILED and "1 个事项失败" in failed.line
    assert "rpa cases retry failing-run" in failed.line and "rpa runs retry" not in failed.line

    broken = tmp_path / "runs" / "broken-run"
    broken.mkdir()
    (broken / "run.json").write_text(json.dumps(
        {"flow": "report-extraction", "exit_code": 3, "counts": {"pending": 9},
         "stop_reason": "连续 8 次系统错误"}),
        encoding="utf-8")
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()
    (stopped,) = run_end_alerts(settings, "broken-run", broken)
    assert stopped.kind == AlertKind.RUN_STOPPED
    assert "rpa run report-extraction --resume broken-run" in stopped.line
    assert "rpa cases retry broken-run" in stopped.line and "rpa runs retry" not in stopped.line
    queue.request_stop("broken-run", "circuit_open", "连续 8 次系统错误，熔断")
    (circuit,) = run_end_alerts(settings, "broken-run", broken)
    assert circuit.kind == AlertKind.CIRCUIT_OPEN and "熔断" in circuit.line

    refused = tmp_path / "runs" / "refused-run"
    refused.mkdir()
    fire = "schedule:filing@2026-12-03T09:00"
    # run.json's trigger is the run's first; the refused process is its last resume's, if any
    # a fire's refused run is told by the scheduler, as its fire's (test_schedule_refused_config)
    for trigger, resumed, alerted in (("cli", None, False), (fire, None, False), ("console:ops1", None, True),
                                      (fire, "retry", False), (fire, "retry:王晓丽", False),
                                      ("cli", fire, False), (fire, "console:ops1", True)):
        resumes = [{"trigger": resumed, "started_at": "2026-12-03T10:00:00+08:00"}] if resumed else []
        (refused / "run.json").write_text(json.dumps(
            {"flow": "account-filing", "exit_code": 2, "trigger": trigger, "resumes": resumes,
             "stop_reason": "输入文件不存在"}),
            encoding="utf-8")  # a clerk at a terminal reads the refusal there; nobody watches a fire
        assert [a.kind for a in run_end_alerts(settings, "refused-run", refused)] == (
            [AlertKind.RUN_FAILED] if alerted else []), (trigger, resumed)


def test_a_run_end_alerts_rows_the_portal_refused_but_not_those_a_checker_sent_back(tmp_path: Path) -> None:
    """A refusal by AMS is final (never retried): an unattended night must tell someone at the
    run's end, not only at `due_hour`. A checker's 复核退回 is a person's own decision."""
    settings = _settings(tmp_path, tmp_path / "alerts.yaml")
    queue = WorkQueue.from_settings(settings)
    end_items(queue, "refusing-run")  # one 门户拒绝 and one 复核退回 stay business errors
    folder = tmp_path / "runs" / "refusing-run"
    folder.mkdir(parents=True)
    counts = {str(state): n for state, n in queue.counts("refusing-run").items()}
    assert counts["business_error"] == 2
    (folder / "run.json").write_text(json.dumps(
        {"flow": "account-filing", "exit_code": 1, "counts": counts}), encoding="utf-8")
    alerts = run_end_alerts(settings, "refusing-run", folder)
    refused = [a for a in alerts if a.kind == AlertKind.ITEMS_REFUSED]
    assert len(refused) == 1 and "1 个事项未办成（门户拒绝 1）" in refused[0].line, refused
    assert "复核退回" not in refused[0].line and refused[0].run_id == "refusing-run"

    sent_back = tmp_path / "runs" / "checked-run"
    sent_back.mkdir()
    queue.enqueue("account-filing", "checked-run", "checked-run:1", {"row": 2})
    item = queue.claim(run_id="checked-run", owner="t", lease_seconds=30)
    assert item is not None
    queue.fail_business(item.id, "t", "rejected_by_checker", "复核人退回",
                        result={"status": "rejected_by_checker"})
    (sent_back / "run.json").write_text(json.dumps(
        {"flow": "account-filing", "exit_code": 1, "counts": {"business_error": 1}}), encoding="utf-8")
    assert run_end_alerts(settings, "checked-run", sent_back) == []


@pytest.mark.timeout(120)
def test_rows_put_aside_while_validating_raise_the_rows_held_alert(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    """A filing run whose only row has a name outside GBK (𠮷, U+20BB7) puts it aside for a person
    before anything is queued: no queue item is held, yet the run end alerts it."""
    alerting = _settings(tmp_path, write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port,
                                                     webhook_url=http.url))
    # an operator configured (never used): a run without any is refused before reading its input
    unused = OperatorCredential(code="A10001", password="x")
    settings = alerting.model_copy(update={"ams_operators": [unused]})
    name, code = "北京𠮷祥餐饮管理有限公司", uscc("91110105MA02XYKW1")
    row = open_row(RARE_NAME_ACCOUNT, name, code, "周敏", "2026-12-01")
    export = write_export(tmp_path / "rare.xlsx", [row])
    outcome = execute_run(settings, "account-filing", {"flow_params": {"input": str(export)}}, trigger="test")
    assert outcome.exit_code == 1 and not outcome.counts.get("held")  # nothing held in the queue
    (body,) = smtp.bodies()
    assert "1 个事项需人工处理（其中 1 行在校验输入时即留给人工，未报备）" in body
    assert f"运行编号：{outcome.run_id}" in body and len(http.posts) == 1
    assert RARE_NAME_ACCOUNT not in _everything_sent(smtp, http)
    assert [a.kind for a in run_end_alerts(settings, outcome.run_id, outcome.folder)] == [AlertKind.ROWS_HELD]


def test_the_example_alerts_file_reads() -> None:
    config = load_alerts_config(Path(__file__).resolve().parents[2] / "alerts.example.yaml")
    assert config is not None and config.email is not None and config.webhook is not None
    assert (config.quiet_minutes, config.due_hour, config.overdue_days, config.calendar_from) == (
        240, 15, 30, "12-01")


@pytest.mark.timeout(60)
def test_a_refused_operator_is_alerted_once_with_its_code_masked(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    settings = _settings(tmp_path, write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port,
                                                     webhook_url=http.url))
    refusal = LoginRefused("AMS 拒绝登录", portal_message="密码错误")
    remember_refusal(settings, "ams", "OP0417", refusal, run_id="filing-run-1")
    remember_refusal(settings, "ams", "OP0417", refusal, run_id="filing-run-2")  # a resume: quiet
    (body,) = smtp.bodies()
    assert "操作员登录被拒绝" in body and "**0417" in body and "密码错误" in body
    assert "rpa operators clear" in body and "运行编号：filing-run-1" in body
    assert len(http.posts) == 1
    _assert_masked(_everything_sent(smtp, http))


@pytest.mark.timeout(90)
def test_channels_that_fail_are_logged_retried_and_change_nothing_of_the_run(
    tmp_path: Path, http: HttpReceiver, logged: list[str]
) -> None:
    http.status = 500
    closed_port = free_port()  # nothing listens there
    settings = _settings(tmp_path, write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=closed_port,
                                                     webhook_url=http.url))
    with pytest.raises(UsageError, match="不认识的参数 itmes"):  # the run's own failure, as without alerts
        execute_run(settings, "smoke", {"flow_params": {"itmes": 3}}, trigger="test")
    (folder,) = (tmp_path / "runs").glob("*-smoke-*")
    assert json.loads((folder / "run.json").read_text(encoding="utf-8"))["exit_code"] == 2
    assert http.tries == 3  # retried, bounded
    text = "\n".join(logged)
    assert "经即时通讯机器人发送失败（第 1/3 次）" in text and "回答状态码 500" in text
    assert f"无法连接邮件服务器 127.0.0.1:{closed_port}（连接被拒绝" in text
    assert "经邮件发送 3 次均失败" in text
    assert "SECRETKEY123" not in text  # the robot's key is never logged
    # nothing went out: the same alert's next occurrence is tried again, not kept quiet
    http.status = 200
    alert_run_end(settings, folder.name, folder)
    (post,) = http.posts
    content = post["json"]["text"]["content"]
    assert "运行未能完成" in content and folder.name in content


@pytest.mark.timeout(120)
def test_the_quiet_time_is_kept_in_the_database_on_sqlite_and_postgresql(db_url: str) -> None:
    now = [datetime(2026, 12, 3, 1, 0, tzinfo=UTC)]
    scheduler, cron = (QuietTimes(db_url, clock=lambda: now[0]) for _ in range(2))  # two processes' views
    quiet = timedelta(minutes=240)
    assert scheduler.claim("run_stopped", "20261203-0900-filing", quiet)
    assert not cron.claim("run_stopped", "20261203-0900-filing", quiet)
    assert cron.claim("run_stopped", "20261203-1000-filing", quiet)  # another subject
    assert cron.claim("rows_held", "20261203-0900-filing", quiet)  # another kind
    now[0] += timedelta(minutes=239)
    assert not cron.claim("run_stopped", "20261203-0900-filing", quiet)
    now[0] += timedelta(minutes=2)
    assert cron.claim("run_stopped", "20261203-0900-filing", quiet)  # the quiet time is over
    assert scheduler.last_sent("run_stopped", "20261203-0900-filing") == now[0]
    cron.release("run_stopped", "20261203-0900-filing")  # nothing went out
    assert scheduler.claim("run_stopped", "20261203-0900-filing", quiet)


@pytest.mark.timeout(60)
def test_check_without_the_queue_says_so_and_exits_2(tmp_path: Path) -> None:
    """A typo in RPA_RUNS_DIR, or cron started in another folder: no queue to read is no proof
    that nothing is due. Exit 2 naming the folder, and no empty queue.db made there."""
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=9, webhook_url="http://127.0.0.1:9/")
    cli = make_cli_env(tmp_path, RPA_RUNS_DIR=str(tmp_path / "runs_typo"), RPA_ALERTS_FILE=str(alerts))
    done = cli.run("alerts", "check", "--at", "2026-12-05T10:00+08:00", check_exit=2)
    output = done.stdout + done.stderr
    assert "没有需要告警的事项" not in output and "Traceback" not in output, output
    assert "runs_typo" in output and "RPA_RUNS_DIR" in output, output
    assert not (tmp_path / "runs_typo").exists()
    # the same through RPA_DATABASE_URL naming a file that is not there
    typo = tmp_path / "runs" / "queue_typo.db"
    cli = make_cli_env(tmp_path, RPA_DATABASE_URL=f"sqlite:///{typo}", RPA_ALERTS_FILE=str(alerts))
    done = cli.run("alerts", "check", "--at", "2026-12-05T10:00+08:00", check_exit=2)
    assert "queue_typo.db" in done.stdout + done.stderr and "RPA_DATABASE_URL" in done.stdout + done.stderr
    assert not typo.exists() and not typo.parent.exists()
