#!/usr/bin/env python3
"""Re-check an exported run without the project: only the Python standard library is used.

    python3 verify_audit.py RUN_FOLDER --ledger ledger.jsonl --key-file audit.key

Checks, each printed as one short Chinese sentence (docs/audit-verification.md):
  1. RUN_FOLDER/audit.jsonl: seq 1, 2, 3 ... with no gap, every event linked to the one before
     (prev_hash) and every HMAC-SHA256 correct under the audit key; the first line that is not
     the next link is named (edited, missing/deleted, inserted, out of order);
  2. the ledger copy: the same checks on its own chain, then its latest entries for this run
     (the folder's name): the final head (last_seq, last_hash) must be in audit.jsonl;
  3. every evidence file the chain names (`evidence` + `evidence_sha256`, and the close's
     `evidence.sealed` list) exists with that SHA-256, and no other file is under evidence/ or downloads/;
  4. run.json exists once the chain records the run's end, and its counts (and the rows put
     aside while validating, recorded since 2026-12-08) equal those of the
     chain's last `run.finished` event, its exit code one of a `run.finished` after the run's
     last start or resume, and its maker (parameters.maker) the one `run.started` records;
  5. every output file of the chain's last `outputs.written` event (result.xlsx, report.html,
     ...) exists with the SHA-256 recorded when it was written.
Checks 2-5 read the events whose own HMAC holds, so a missing or moved line is named once, as
such, and not as a difference of the files; a difference found while the chain has a gap says
that the gap may be its cause.
Exit 0 when everything holds, 1 when something differs, 2 when an argument is wrong.

The key is the key file's text, stripped, as UTF-8 bytes (as the project reads it). An event's
HMAC covers the canonical JSON (sorted keys, no spaces, UTF-8) of all its fields but `hash`.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import sys
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
# the item states' words, as rpa/outcomes.py has them (the same sentences as `rpa audit verify`)
STATE_WORDS = {
    "done": "已完成",
    "business_error": "业务错误",
    "failed": "失败",
    "held": "需人工处理",
    "pending": "未完成",
    "leased": "处理中",
}
FIELDS = {"seq", "time", "run_id", "actor", "event", "item_ref", "details", "prev_hash", "hash"}
LEDGER = "=ledger"


def canonical(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


NOT_AS_WRITTEN = "不是写出时的审计事件（不是事件，或写法被改：重复的键、空格、转义）"


def broken(seq: int, kind: str, reason: str) -> str:
    """One failure as `rpa audit verify` words it: the first bad event, what happened, how."""
    return f"第 {seq} 条事件{kind}（{reason}），此前 {seq - 1} 条事件核对无误"


def read_chain(path: Path, key: bytes, chain: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The file's authentic events (each one's HMAC holds under its own seq, whatever became of
    its neighbours) and the first problem of the chain (None when it holds)."""
    lines = path.read_bytes().decode("utf-8").split("\n")  # a CR before a line end is an edit too
    lines = lines[:-1] if lines[-1] == "" else lines
    parsed = [_event_of(line) for line in lines]
    chain = chain or next((e["run_id"] for e in parsed if e is not None), None)
    authentic = [e for e in parsed if e is not None and e["run_id"] == chain and _mac_holds(key, e)]
    if not lines:
        return authentic, broken(1, "缺失或被删除", "文件中没有事件")
    return authentic, first_problem(parsed, key, chain)


def _event_of(line: str) -> dict[str, Any] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or set(event) != FIELDS or not isinstance(event["details"], dict):
        return None
    # each line was written as its event's canonical JSON: one that reads otherwise (a key given
    # twice, a space, an escape) was edited, whatever it parses to
    return event if isinstance(event["seq"], int) and canonical(event).decode("utf-8") == line else None


def _mac_holds(key: bytes, event: dict[str, Any]) -> bool:
    signed = {name: value for name, value in event.items() if name != "hash"}
    mac = hmac.new(key, canonical(signed), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, str(event["hash"]))


def first_problem(parsed: list[dict[str, Any] | None], key: bytes, chain: str | None) -> str | None:
    """The first line that is not the genuine next link, in the words of `rpa audit verify`."""
    expected_prev = GENESIS
    for index, event in enumerate(parsed):
        number = index + 1
        if event is None:
            return broken(number, "被修改", f"第 {number} 行{NOT_AS_WRITTEN}")
        label = f"“{event['event']}”"
        seq = event["seq"]
        if event["run_id"] != chain:
            return broken(number, "被插入", f"事件{label}属于另一条链（{event['run_id']}）")
        if seq > number and any(e is not None and e["seq"] == number for e in parsed[index + 1 :]):
            return broken(number, "顺序被打乱", f"序号 {seq} 的事件{label}占了第 {number} 条的位置")
        if seq > number:
            return broken(number, "缺失或被删除", f"第 {number} 条事件不见了（下一条是第 {seq} 条{label}）")
        if seq < number and any(e is not None and e["seq"] == seq for e in parsed[:index]):
            return broken(number, "被插入", f"事件{label}重复了序号 {seq}")
        if seq < number:
            return broken(number, "顺序被打乱", f"事件{label}（序号 {seq}）排在第 {number - 1} 条之后")
        if not _mac_holds(key, event):
            return broken(number, "被修改", f"事件{label}与其密钥哈希不符")
        if event["prev_hash"] != expected_prev:
            return broken(number, "顺序被打乱", f"事件{label}没有接在第 {number - 1} 条之后")
        expected_prev = event["hash"]
    return None


# a run of 8 digits or more, as the project scrubs free text (rpa/masking.py `_DIGIT_RUN`: a run
# id's 8-digit date before -HHMMSS- is kept)
DIGIT_RUN = re.compile(r"(?<!\d)\d{8,}(?!\d)(?!-\d{6}-)")


def same_as_kept(plain: object, kept: object) -> bool:
    """run.json's plain value against the one the chain kept: the same once its runs of 8 digits
    or more are starred to their last 4, as the chain keeps a name (an employee number)."""
    if plain is None or kept is None:
        return plain is None and kept is None
    starred = DIGIT_RUN.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], str(plain))
    return str(plain) == str(kept) or starred == str(kept)


def aside_text(aside: Any) -> str:
    """The input rows put aside while validating, as `rpa audit verify` names them."""
    words = {"invalid": "无效，未报备", "needs_person": "需人工处理"}
    kept = aside if isinstance(aside, dict) else {}
    told = [f"{words.get(k, k)} {n} 行" for k, n in sorted(kept.items()) if isinstance(n, int) and n]
    return "；".join(told) or "无"


def counts_text(counts: dict[str, Any]) -> str:
    """Item counts in the states' words: `已完成 3，失败 1` (as rpa/outcomes.py writes them)."""
    known = [(STATE_WORDS[s], counts[s]) for s in STATE_WORDS if counts.get(s)]
    others = [(f"未知状态（{s}）", n) for s, n in sorted(counts.items()) if s not in STATE_WORDS and n]
    return "，".join(f"{label} {n}" for label, n in [*known, *others]) or "没有事项"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Checker:
    def __init__(self, folder: Path, ledger: Path, key: bytes) -> None:
        self.folder, self.ledger, self.key = folder, ledger, key
        self.run_id = folder.name
        self.failed = False
        self.chain_broken = False  # then a file's difference may come from the chain's gap

    def good(self, text: str) -> None:
        print(f"运行 {self.run_id}：{text}")

    def bad(self, text: str) -> None:
        self.failed = True
        print(f"运行 {self.run_id}：【不符】{text}")

    def run(self) -> int:
        export = self.folder / "audit.jsonl"
        events: list[dict[str, Any]] = []
        if not export.is_file():
            self.bad("audit.jsonl 不存在")
        else:
            events, problem = read_chain(export, self.key, self.run_id)
            if problem:
                self.chain_broken = True
                self.bad(f"audit.jsonl {problem}")
            else:
                self.good(f"audit.jsonl 完整，已核对 {len(events)} 条事件")
        self.check_ledger(events)
        self.check_evidence(events)
        self.check_counts(events)
        self.check_outputs(events)
        print(f"核对{'不通过' if self.failed else '通过'}：{self.folder}")
        return 1 if self.failed else 0

    def check_ledger(self, events: list[dict[str, Any]]) -> None:
        if not self.ledger.is_file():
            self.bad(f"账本副本 {self.ledger} 不存在")
            return
        entries, problem = read_chain(self.ledger, self.key, LEDGER)
        if problem:
            self.bad(f"账本副本 {self.ledger} {problem}")
            return
        mine = [e for e in entries if e["details"].get("run") == self.run_id]
        ended = [e["details"] for e in mine if e["event"] == "run.ended"]
        if not ended:
            self.bad("运行账本中没有这次运行的结束记录")
            return
        last_seq, last_hash = ended[-1].get("last_seq"), ended[-1].get("last_hash")
        by_seq = {e["seq"]: e for e in events}
        last_in_file = max(by_seq, default=0)
        if not isinstance(last_seq, int):
            self.bad("账本的结束记录缺少链头")
        elif last_seq in by_seq and by_seq[last_seq]["hash"] == last_hash:
            self.good(f"audit.jsonl 与账本记录的链头一致（第 {last_seq} 条事件）")
        elif last_seq in by_seq:
            self.chain_broken = True
            self.bad(f"audit.jsonl 第 {last_seq} 条事件与账本记录的链头不符")
        elif last_seq:
            self.chain_broken = True
            self.report_missing_head(last_seq, last_in_file, len(events))

    def report_missing_head(self, last_seq: int, last_in_file: int, count: int) -> None:
        """The ledger's final head is not in audit.jsonl: cut short, or that event is gone."""
        if last_in_file < last_seq and count == last_in_file:
            self.bad(f"audit.jsonl 被截短：账本记录结束时有 {last_seq} 条事件，文件中只有 {count} 条")
        elif last_in_file < last_seq:
            self.bad(f"audit.jsonl 被截短：账本记录结束时有 {last_seq} 条事件，"
                     f"文件中最后一条是第 {last_in_file} 条")
        else:
            self.bad(f"audit.jsonl 中没有账本记录的链头（第 {last_seq} 条事件）")

    def check_evidence(self, events: list[dict[str, Any]]) -> None:
        recorded: dict[str, str] = {}
        sealed = False
        problems = 0
        for event in events:
            details = event["details"]
            if isinstance(details.get("evidence"), str) and isinstance(details.get("evidence_sha256"), str):
                recorded[details["evidence"]] = details["evidence_sha256"]
            elif details.get("evidence") and "evidence_sha256" in details:
                self.bad(f"证据文件 {details['evidence']} 在第 {event['seq']} 条事件写入时就读不到")
                problems += 1
            if event["event"] == "evidence.sealed":
                sealed = True
                for entry in details.get("files") or []:
                    if isinstance(entry, dict):
                        recorded[str(entry.get("file"))] = str(entry.get("file_sha256"))
        for name, digest in sorted(recorded.items()):
            path = self.folder / name
            if ".." in Path(name).parts or not path.is_file():
                self.bad(f"证据文件 {name} 不存在")
                problems += 1
            elif sha256_of(path) != digest:
                self.bad(f"证据文件 {name} 的 SHA-256 与审计链记录的不同（文件被替换或修改）")
                problems += 1
        roots = [self.folder / name for name in ("evidence", "downloads")]  # what the close seals
        if sealed:
            for path in sorted(p for root in roots if root.is_dir() for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(self.folder).as_posix()
                if name not in recorded:
                    self.bad(f"证据文件 {name} 不在审计链中（事后加入）{self.gap_note()}")
                    problems += 1
        if recorded and not problems:
            self.good(f"{len(recorded)} 个证据文件的 SHA-256 与审计链一致")

    def check_counts(self, events: list[dict[str, Any]]) -> None:
        finished = [e for e in events if e["event"] == "run.finished"]
        run_json = self.folder / "run.json"
        if finished and not run_json.is_file():
            ended = finished[-1]["seq"]
            self.bad(f"run.json 不存在（审计链第 {ended} 条事件记录了运行结束）{self.gap_note()}")
        if not finished or not run_json.is_file():
            return
        chain_counts = {k: v for k, v in (finished[-1]["details"].get("counts") or {}).items() if v}
        try:
            info = json.loads(run_json.read_text(encoding="utf-8"))
        except ValueError:
            info = None
        if not isinstance(info, dict) or not isinstance(info.get("counts") or {}, dict):
            self.bad("run.json 无法读取（不是 JSON，或其内容不是运行的记录）")
            return
        file_counts = {k: v for k, v in (info.get("counts") or {}).items() if v}
        self.check_end_and_maker(events, info)
        if file_counts != chain_counts:
            in_file, in_chain = counts_text(file_counts), counts_text(chain_counts)
            self.bad(f"run.json 的计数（{in_file}）与审计链记录的（{in_chain}）不同{self.gap_note()}")
        else:
            self.good(f"run.json 的计数与审计链一致（共 {sum(chain_counts.values())} 项）")
        if "aside" in finished[-1]["details"]:  # recorded since 2026-12-08 (`rpa runs list` reads it)
            chain_aside = aside_text(finished[-1]["details"]["aside"])
            file_aside = aside_text(info.get("aside"))
            if file_aside != chain_aside:
                self.bad(f"run.json 记录的校验时搁置的行（{file_aside}）与审计链第 {finished[-1]['seq']} 条"
                         f"事件记录的（{chain_aside}）不同{self.gap_note()}")


    def check_end_and_maker(self, events: list[dict[str, Any]], info: dict[str, Any]) -> None:
        """run.json's exit code and maker, which `rpa runs list` and the maker-checker rule read,
        against the chain (as `rpa audit verify` holds them; a finishing step that failed after
        `run.finished`, run.json's `finish_failed`, may show a worse exit code)."""
        starts = ("run.started", "run.resumed")
        last_start = max((e["seq"] for e in events if e["event"] in starts), default=0)
        codes = [e["details"].get("exit_code") for e in events if e["event"] == "run.finished"
                 and e["seq"] > last_start]
        code = info.get("exit_code")
        worse = bool(info.get("finish_failed")) and 0 in codes and code not in (None, 0)
        if codes and code is not None and code not in codes and not worse:
            self.bad(f"run.json 的退出码（{code}）与审计链记录的（{codes[-1]}）不同{self.gap_note()}")
        started = next((e for e in events if e["event"] == "run.started"), None)
        params = info.get("parameters")
        maker = (params.get("maker") if isinstance(params, dict) else None) or None
        recorded = started["details"].get("maker") or None if started else maker
        if not same_as_kept(maker, recorded):
            self.bad(f"run.json 记录的发起人（{maker or '无'}）与审计链第 {started and started['seq']} 条事件"
                     f"记录的（{recorded or '无'}）不同{self.gap_note()}")

    def check_outputs(self, events: list[dict[str, Any]]) -> None:
        """The files of the last `outputs.written` event (result.xlsx, report.html, ...) have the
        SHA-256 recorded when they were written."""
        written = [e for e in events if e["event"] == "outputs.written"]
        if not written:
            return
        seq = written[-1]["seq"]
        listed = [e for e in written[-1]["details"].get("files") or [] if isinstance(e, dict)]
        problems = 0
        for entry in listed:
            name, path = str(entry.get("file")), self.folder / str(entry.get("file"))
            if ".." in Path(name).parts or not path.is_file():
                self.bad(f"结果文件 {name} 不存在（审计链第 {seq} 条事件记录了它）{self.gap_note()}")
            else:
                try:
                    same = sha256_of(path) == entry.get("file_sha256")
                except OSError as error:
                    self.bad(f"结果文件 {name} 无法读取（{error.strerror}）")
                    problems += 1
                    continue
                if same:
                    continue
                self.bad(f"结果文件 {name} 的 SHA-256 与审计链第 {seq} 条事件记录的不同"
                         f"（写出后被修改或替换）{self.gap_note()}")
            problems += 1
        if listed and not problems:
            names = "、".join(str(entry.get("file")) for entry in listed)
            self.good(f"{len(listed)} 个结果文件的 SHA-256 与审计链一致（{names}）")

    def gap_note(self) -> str:
        """A difference found while the chain has a gap may be the gap's doing, not the file's."""
        return "（审计链不完整：也可能是记录它的事件缺失）" if self.chain_broken else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="核对一次导出的运行（只用 Python 标准库）")
    parser.add_argument("run_folder", type=Path, help="运行文件夹 runs/<运行编号>")
    parser.add_argument("--ledger", type=Path, required=True, help="运行账本副本 ledger.jsonl")
    parser.add_argument("--key-file", type=Path, required=True, help="审计密钥文件 audit.key")
    args = parser.parse_args(argv)
    if not args.run_folder.is_dir():
        print(f"错误：运行文件夹 {args.run_folder} 不存在", file=sys.stderr)
        return 2
    try:
        key = args.key_file.read_text(encoding="utf-8").strip().encode()
    except OSError as error:
        print(f"错误：读不到审计密钥文件 {args.key_file}（{error.strerror}）", file=sys.stderr)
        return 2
    if not key:
        print(f"错误：审计密钥文件 {args.key_file} 是空的", file=sys.stderr)
        return 2
    if not key_fits(key, [args.run_folder / "audit.jsonl", args.ledger]):
        print(f"错误：审计密钥与这些记录对不上：audit.jsonl 和账本副本中没有一条事件能用 {args.key_file}"
              " 核对。多半是给的不是生成这些记录的密钥，请改正后再核对；若确是那把密钥，则全部记录都被"
              "改动过，请立即上报", file=sys.stderr)
        return 2
    return Checker(args.run_folder, args.ledger, key).run()


def key_fits(key: bytes, paths: list[Path]) -> bool:
    """False when the files hold events and not one of them answers to `key` (a wrong key,
    far more likely than every event rewritten); True otherwise (the checks then say the rest)."""
    events = []
    for path in paths:
        try:
            events += [e for e in map(_event_of, path.read_text(encoding="utf-8").splitlines()) if e]
        except (OSError, UnicodeDecodeError):
            continue  # a file that cannot be read is the checks' to report
    return not events or any(_mac_holds(key, event) for event in events)


if __name__ == "__main__":
    sys.exit(main())
