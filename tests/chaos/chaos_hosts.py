"""Robot "hosts" as process groups of `rpa worker` commands, and the killer that torments them.

    hosts = [WorkerHost("robot-a", env_a, commands=1, workers=2), ...]
    for host in hosts: host.start()
    with Killer(hosts, interval=10, stop_seconds=12) as killer:
        ...                                   # wait for the run to be worked
    killer.kills, killer.stops                # what it did
    for host in hosts: host.stop()            # SIGTERM, then the exit codes and outputs

The killer, every `interval` seconds, SIGKILLs one random worker process (a process the fork
server forked: its host's supervisor starts another in its place), and every third time a whole
`rpa worker` command with its process tree instead, starting a new command in its place. In between it
SIGSTOPs one other worker for `stop_seconds` (past its lease), then SIGCONTs it or, every other
time, SIGKILLs it, and stops the next one two intervals later.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from subprocess import Popen
from types import TracebackType

from tests.e2e.cli_helpers import CliEnv
from tests.e2e.processes import forked_worker, proc_stat, process_tree


@dataclass
class Ended:
    """One `rpa worker` command that ended: how, and what it said."""

    host: str
    returncode: int
    stdout: str
    stderr: str
    killed: bool


@dataclass
class WorkerHost:
    """One robot host: `commands` × `rpa worker --flow F --workers N`, all with its RPA_HOST_ID."""

    name: str
    cli: CliEnv
    commands: int = 1
    workers: int = 2
    flow: str = "account-filing"
    procs: list[Popen[str]] = field(default_factory=list)
    ended: list[Ended] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def launch(self) -> Popen[str]:
        proc = self.cli.popen("worker", "--flow", self.flow, "--workers", str(self.workers))
        with self.lock:
            self.procs.append(proc)
        return proc

    def start(self) -> None:
        for _ in range(self.commands):
            self.launch()

    def worker_pids(self) -> list[int]:
        """The live worker processes of this host's commands (not the fork servers)."""
        with self.lock:
            roots = [proc.pid for proc in self.procs if proc.poll() is None]
        found = []
        for root in roots:
            tree = process_tree(root)
            for pid in tree:
                with contextlib.suppress(OSError):
                    parent = int(proc_stat(pid)[1])
                    if forked_worker(pid) and forked_worker(parent) and parent in tree:
                        found.append(pid)
        return found

    def kill_command(self, rng: random.Random) -> bool:
        """SIGKILL one command's whole process tree and start a new command in its place."""
        with self.lock:
            live = [proc for proc in self.procs if proc.poll() is None]
        if not live:
            return False
        victim = rng.choice(live)
        for pid in process_tree(victim.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        stdout, stderr = victim.communicate(timeout=30)
        with self.lock:
            self.procs.remove(victim)
            self.ended.append(Ended(self.name, victim.returncode, stdout, stderr, killed=True))
        self.launch()
        return True

    def stop(self, timeout: float = 120) -> list[Ended]:
        """SIGTERM every command (the item in hand is finished), then collect how each ended."""
        with self.lock:
            procs = list(self.procs)
            self.procs.clear()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except Exception:  # a command that does not end: its tree is killed, the test fails on it
                for pid in process_tree(proc.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                stdout, stderr = proc.communicate(timeout=30)
                stderr += "\n[chaos] did not end within the timeout after SIGTERM"
            self.ended.append(Ended(self.name, proc.returncode, stdout, stderr, killed=False))
        return [e for e in self.ended if not e.killed]

    def kill_all(self) -> None:
        """Last resort of a failing test: no process of this host outlives it."""
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            for pid in process_tree(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.communicate(timeout=30)


class Killer(threading.Thread):
    """Kills and stops workers of `hosts` until closed; counts what it did."""

    def __init__(
        self, hosts: list[WorkerHost], *, interval: float, stop_seconds: float, seed: int = 22
    ) -> None:
        super().__init__(name="chaos-killer", daemon=True)
        self.hosts = hosts
        self.interval = interval
        self.stop_seconds = stop_seconds
        self.rng = random.Random(seed)
        self.done = threading.Event()
        self.kills = 0  # worker processes SIGKILLed
        self.command_kills = 0  # whole `rpa worker` commands SIGKILLed (and started again)
        self.stops = 0  # workers SIGSTOPped past their lease
        self.stopped_then_killed = 0
        self.errors: list[str] = []
        self._stopped: tuple[int, float] | None = None  # pid, when
        self._next_stop = 0.0

    def __enter__(self) -> Killer:
        self.start()
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.done.set()
        self.join(timeout=60)
        self._release(kill=False)

    def _workers(self) -> list[int]:
        return [pid for host in self.hosts for pid in host.worker_pids()]

    def _release(self, *, kill: bool) -> None:
        if self._stopped is None:
            return
        pid, _ = self._stopped
        self._stopped = None
        self._next_stop = time.monotonic() + 2 * self.interval
        with contextlib.suppress(ProcessLookupError):
            if kill:
                os.kill(pid, signal.SIGKILL)
                self.stopped_then_killed += 1
            os.kill(pid, signal.SIGCONT)

    def run(self) -> None:
        tick = 0
        next_kill = time.monotonic() + self.interval
        self._next_stop = time.monotonic() + self.interval / 2
        while not self.done.wait(0.5):
            try:
                now = time.monotonic()
                if self._stopped is not None and now - self._stopped[1] >= self.stop_seconds:
                    self._release(kill=self.stops % 2 == 0)
                if self._stopped is None and now >= self._next_stop:
                    candidates = self._workers()
                    if len(candidates) >= 2:  # never freeze the last one standing
                        pid = self.rng.choice(candidates)
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGSTOP)
                            self._stopped = (pid, now)
                            self.stops += 1
                if now < next_kill:
                    continue
                next_kill = now + self.interval
                tick += 1
                if tick % 3 == 0:
                    host = self.rng.choice(self.hosts)
                    if host.kill_command(self.rng):
                        self.command_kills += 1
                    continue
                stopped = self._stopped[0] if self._stopped else None
                candidates = [pid for pid in self._workers() if pid != stopped]
                if candidates:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.rng.choice(candidates), signal.SIGKILL)
                        self.kills += 1
            except Exception as exc:
                self.errors.append(repr(exc))

    def summary(self) -> str:
        return (f"{self.kills} workers SIGKILLed, {self.command_kills} rpa worker commands SIGKILLed "
                f"and started again, {self.stops} workers SIGSTOPped past their lease "
                f"({self.stopped_then_killed} of them then SIGKILLed, the others SIGCONTed)")

