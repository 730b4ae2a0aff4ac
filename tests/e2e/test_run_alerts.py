"""A run that stops early tells a person, through the real `rpa` command, real Chromium, a real
SMTP server (aiosmtpd) and a local HTTP receiver; a channel that fails changes nothing of the run;
an operator the mock AMS refuses at login is told once, masked; the valid rows of a run stopped
before it enqueued them are told as filings overdue until a run files them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.account_filing.records import FilingRecord
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings
from tests.integration.alert_receivers import (
    HttpReceiver,
    SmtpReceiver,
    free_port,
    write_alerts_yaml,
)
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser


@pytest.mark.timeout(180)
def test_a_stopped_run_sends_one_mail_and_one_robot_message_and_its_resume_stays_quiet(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts))
    stopped = cli.run("run", "smoke", "--modes", "fatal,ok", "--items", "2", "--workers", "1", check_exit=3)
    run_id = run_id_from(stopped.stdout)
    (mail,) = smtp.messages
    assert "运行提前停止" in mail["Subject"] and run_id in mail["Subject"]
    (body,) = smtp.bodies()
    assert f"运行编号：{run_id}" in body and "用户被锁定" in body
    assert f"rpa run smoke --resume {run_id}" in body and f"rpa cases retry {run_id}" in body
    (post,) = http.posts
    assert post["json"]["text"]["content"].strip() == body.replace("\r\n", "\n").strip()

    # the same stop again, from another process, within the quiet time: nobody is told twice
    resumed = cli.run("run", "smoke", "--resume", run_id, "--workers", "1", check_exit=3)
    assert run_id_from(resumed.stdout) == run_id
    assert len(smtp.messages) == 1 and len(http.posts) == 1
    assert "静默时间内已发送过" in (cli.runs / run_id / "run.log").read_text(encoding="utf-8")


@pytest.mark.timeout(180)
def test_channels_that_fail_leave_the_stopped_runs_exit_code_and_are_logged_with_their_retries(
    tmp_path: Path, http: HttpReceiver
) -> None:
    http.status = 500
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=free_port(), webhook_url=http.url)
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts))
    stopped = cli.run("run", "smoke", "--modes", "fatal,ok", "--items", "2", "--workers", "1", check_exit=3)
    run_id = run_id_from(stopped.stdout)
    assert http.tries == 3
    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "经即时通讯机器人发送失败（第 3/3 次）" in log and "经邮件发送 3 次均失败" in log
    assert "SECRETKEY123" not in log and "Traceback" not in stopped.stderr


@pytest.mark.timeout(240)
def test_an_operator_refused_by_ams_is_told_once_masked_beside_the_stopped_run(
    ams: AmsHandle, tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    code, _password = ams.operators[0]
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    wrong = filing_settings(tmp_path, ams, 1, alerts_file=alerts).model_copy(
        update={"ams_operators": [OperatorCredential(code=code, password="Wrong-123")]}
    )
    record = FilingRecord.model_validate(basic_record("440120260577", serial=91)).model_dump()
    params = {"flow_params": {"input": str(write_export(tmp_path / "accounts.xlsx", [record])),
                              "today": REFERENCE_DAY}}
    first = execute_run(wrong, "account-filing", params, workers=1)
    assert first.exit_code == 3, first
    titles = sorted(str(m["Subject"]) for m in smtp.messages)
    assert titles == [f"【RPA告警】{title} {first.run_id}" for title in ("操作员登录被拒绝", "运行提前停止")]
    refused = next(body for body in smtp.bodies() if "操作员登录被拒绝" in body)
    assert "密码错误" in refused and f"**{code[-4:]}" in refused
    assert len(http.posts) == 2
    sent = "\n".join([*smtp.bodies(), *(str(p["json"]) for p in http.posts)])
    assert code not in sent and "440120260577" not in sent

    resumed = execute_run(wrong, "account-filing", {}, resume=first.run_id, workers=1)
    assert resumed.exit_code == 3  # nobody to log in: the same stop, already told
    assert len(smtp.messages) == 2 and len(http.posts) == 2


@pytest.mark.timeout(300)
def test_valid_rows_of_a_run_stopped_at_its_first_login_are_told_as_overdue_until_filed(
    ams: AmsHandle, tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    """A new AMS URL: the run must log in to read which AMS it files into before it enqueues.
    AMS refuses the operator, so the run stops (exit 3) with nothing queued; its valid rows are
    still filings not made, and `rpa alerts check` names them until a run files them."""
    code, password = ams.operators[0]
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    with alerts.open("a", encoding="utf-8") as handle:
        handle.write("calendar_from: '12-31'\n")
    accounts = ("440120260581", "440120260582")
    records = [FilingRecord.model_validate(basic_record(account, serial=95 + n)).model_dump()
               for n, account in enumerate(accounts)]  # 开户 of basic accounts on 2026-11-27
    source = write_export(tmp_path / "accounts.xlsx", records)

    def cli_with(pw: str) -> CliEnv:
        operators = json.dumps([{"code": code, "password": pw}])
        return make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators,
                            RPA_ALERTS_FILE=str(alerts))

    wrong = cli_with("Wrong-123")
    stopped = wrong.run("run", "account-filing", "--input", str(source), "--workers", "1", check_exit=3)
    run_id = run_id_from(stopped.stdout)
    assert ams.filings() == []

    # an enterprise's basic account is filed the day it opens (DOMAIN.md: T+0): due 2026-11-27
    told = wrong.run("alerts", "check", "--at", "2026-12-03T10:00", check_exit=1).stdout
    for account in accounts:
        assert f"********{account[-4:]}（期限 2026-11-27）　运行 {run_id}　运行未办理，未报备" in told, told
    overdue = next(body for body in smtp.bodies() if "有备案已超期" in body)
    assert all(f"********{account[-4:]}（期限 2026-11-27）" in overdue for account in accounts)
    assert not any(account in overdue or account in told for account in accounts)
    listed = wrong.run("cases", "list", run_id, check_exit=0).stdout  # valid rows are no cases
    assert not any(account[-4:] in listed for account in accounts), listed

    right = cli_with(password)
    right.run("operators", "clear", code, check_exit=0)
    right.run("runs", "retry", run_id, "--workers", "1", check_exit=0, timeout=240)
    assert sorted(f["account_no"] for f in ams.filings()) == list(accounts)
    quiet = right.run("alerts", "check", "--at", "2026-12-03T10:00", check_exit=0)
    assert "没有需要告警的事项" in quiet.stdout
