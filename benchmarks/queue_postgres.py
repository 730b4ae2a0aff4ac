"""The work queue alone on PostgreSQL, no browser: a provincial night's items claimed and completed
by many claimers, side by side with a bare `SKIP LOCKED` loop on the same database (the floor).

    .venv/bin/python benchmarks/queue_postgres.py                      # 20,000 items, 16 claimers
    .venv/bin/python benchmarks/queue_postgres.py --items 150000       # the issue's provincial night
    .venv/bin/python benchmarks/queue_postgres.py --durable            # fsync and synchronous_commit on
    .venv/bin/python benchmarks/queue_postgres.py --profile 500        # where one claimer's CPU goes

Contenders, each on a fresh database of one throwaway cluster (Debian's PostgreSQL, 127.0.0.1):
  bare    per item: one transaction `SELECT id ... FOR UPDATE SKIP LOCKED LIMIT 1` + UPDATE to
          leased, one UPDATE to done (psycopg, no ORM): what any SKIP LOCKED queue pays
  queue   per item: `WorkQueue.claim` (lease, fence, attempts row), the `item.claimed` audit event,
          `WorkQueue.complete` (attempt closed), the `item.done` audit event: what a worker pays
          around each filing, with the run's hash chain written
Each claimer is its own process (as workers are). Latency is one item's claim-to-done; p50/p99
over every item. CPU, per item and apart: the claimers' (their rusage over the claim loop only,
imports and start-up left out) and the PostgreSQL server's (the postmaster's ended children: the
backends, which end when the claimers disconnect). On C cores no contender can pass
C / (client + server CPU s per item), whatever the load; items/s itself moves with the load.
The statements each item costs come from pg_stat_statements (BEGIN, COMMIT and the pool's ping
included: each is a round trip). `--profile N` runs one queue claimer in this process under
cProfile over N items and prints where its CPU goes.
Not a test: it prints figures; benchmarks/README.md records them.
"""


from __future__ import annotations

import argparse
import cProfile
import multiprocessing as mp
import os
import pstats
import resource
import statistics
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests.plugins.postgres import ThrowawayCluster, _free_port, _postgres_bin_dir  # noqa: E402

RUN_ID = "bench-queue"
AUDIT_KEY = b"benchmark-audit-key-0123456789abcdef"


class BenchCluster(ThrowawayCluster):
    """The tests' throwaway cluster, durable on request (the tests turn fsync off)."""

    def __init__(self, durable: bool) -> None:
        bin_dir = _postgres_bin_dir()
        if bin_dir is None:
            sys.exit("PostgreSQL not installed: apt-get install postgresql (scripts/bootstrap.sh --test)")
        super().__init__(bin_dir)
        self.durable = durable

    def start(self) -> None:
        self.port = _free_port()
        safety = "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.home} {safety}-c max_connections=200 "
            "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on"
        )
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        if done.returncode != 0:
            raise RuntimeError(done.stderr)

    def server_cpu_seconds(self) -> float:
        """CPU of the postmaster and its ended children (backends end when claimers disconnect)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
        return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


# -- bare: the floor ---------------------------------------------------------------------------

def bare_setup(dsn: str, items: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bare (id bigserial PRIMARY KEY, run_id text NOT NULL, state text NOT NULL,"
            " owner text, payload jsonb NOT NULL)"
        )
        conn.execute("CREATE INDEX bare_claim ON bare (run_id, state, id)")
        conn.execute(
            "INSERT INTO bare (run_id, state, payload) SELECT %s, 'pending', jsonb_build_object('n', g)"
            " FROM generate_series(1, %s) g",
            (RUN_ID, items),
        )
        conn.execute("ANALYZE bare")


def bare_claimer(dsn: str, owner: str, out: Any) -> None:
    latencies: list[float] = []
    with psycopg.connect(dsn) as conn:
        cpu_start = _own_cpu()
        while True:
            started = time.perf_counter()
            with conn.transaction():
                row = conn.execute(
                    "SELECT id FROM bare WHERE run_id = %s AND state = 'pending' ORDER BY id"
                    " LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (RUN_ID,),
                ).fetchone()
                if row is None:
                    break
                conn.execute("UPDATE bare SET state = 'leased', owner = %s WHERE id = %s", (owner, row[0]))
            with conn.transaction():
                conn.execute("UPDATE bare SET state = 'done' WHERE id = %s AND owner = %s", (row[0], owner))
            latencies.append(time.perf_counter() - started)
        out.put((latencies, _own_cpu() - cpu_start))


# -- queue: the engine's -----------------------------------------------------------------------

def queue_setup(url: str, items: int) -> None:
    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkQueue

    queue = WorkQueue(url)
    queue.create_schema()
    AuditLog(url, AUDIT_KEY).create_schema()
    batch = 5000
    for start in range(0, items, batch):
        queue.enqueue_many(
            "bench", RUN_ID,
            [(f"item-{n:07d}", {"n": n}) for n in range(start, min(items, start + batch))],
        )


def queue_loop(url: str, owner: str, limit: int | None = None) -> tuple[list[float], float]:
    """Claim and complete items until none is left (or `limit` are done): the latencies and the
    CPU seconds of the loop."""
    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkQueue

    queue, audit = WorkQueue(url), AuditLog(url, AUDIT_KEY)
    latencies: list[float] = []
    cpu_start = _own_cpu()
    while limit is None or len(latencies) < limit:
        started = time.perf_counter()
        item = queue.claim(run_id=RUN_ID, owner=owner, lease_seconds=300)
        if item is None:
            break
        audit.append(RUN_ID, owner, "item.claimed", item_key=item.key)
        queue.complete(item.id, owner, {"filed": True})
        audit.append(RUN_ID, owner, "item.done", item_key=item.key)
        latencies.append(time.perf_counter() - started)
    return latencies, _own_cpu() - cpu_start


def queue_claimer(url: str, owner: str, out: Any) -> None:
    try:
        out.put(queue_loop(url, owner))
    except BaseException:
        out.put(traceback.format_exc())  # said by the parent, which would wait forever otherwise
        raise


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the run -----------------------------------------------------------------------------------

def _statements(dsn: str, items: int) -> list[tuple[float, float, str]]:
    """The statements run in the database per item (calls / items), with their mean time in the
    server in ms (a lock waited for included: the audit head's shows how long appends queue for
    it), most frequent first."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT sum(calls), sum(total_exec_time) / sum(calls), regexp_replace(query, '\\s+', ' ', 'g')"
            " FROM pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " GROUP BY 3 ORDER BY 1 DESC"
        ).fetchall()
    return [
        (float(calls) / items, float(mean), query)
        for calls, mean, query in rows
        if float(calls) / items >= 0.5
    ]


def _wait_for_backends(cluster: BenchCluster, database: str) -> None:
    """Until the claimers' backends have ended (their CPU reaches the postmaster's rusage then)."""
    deadline = time.monotonic() + 30
    with cluster.admin_connect() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
            ).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.1)


def measure(name: str, cluster: BenchCluster, items: int, claimers: int) -> dict[str, Any]:
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    url = cluster.create_database(database)
    dsn = f"host=127.0.0.1 port={cluster.port} user=postgres dbname={database}"
    (bare_setup(dsn, items) if name == "bare" else queue_setup(url, items))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
    _wait_for_backends(cluster, database)
    target = bare_claimer if name == "bare" else queue_claimer
    context = mp.get_context("spawn")  # no engine or connection crosses into a claimer
    out = context.Queue()
    server_before = cluster.server_cpu_seconds()
    started = time.perf_counter()
    processes = [
        context.Process(target=target, args=(dsn if name == "bare" else url, f"claimer-{n}", out))
        for n in range(claimers)
    ]
    for process in processes:
        process.start()
    results = [out.get() for _ in processes]
    failed = [result for result in results if isinstance(result, str)]
    if failed:
        for process in processes:
            process.terminate()
        raise RuntimeError(f"a claimer failed:\n{failed[0]}")
    elapsed = time.perf_counter() - started  # the last claimer found the queue empty
    for process in processes:
        process.join()
    _wait_for_backends(cluster, database)
    server_cpu = cluster.server_cpu_seconds() - server_before
    latencies = sorted(lat for lats, _ in results for lat in lats)
    client_cpu = sum(cpu for _, cpu in results)
    done = len(latencies)
    assert done == items, f"{name}: {done} of {items} items done"
    statements = _statements(dsn, items)
    cluster.drop_database(database)
    return {
        "items/s": done / elapsed,
        "p50 ms": statistics.median(latencies) * 1000,
        "p99 ms": latencies[min(done - 1, int(done * 0.99))] * 1000,
        "client ms": client_cpu / done * 1000,
        "server ms": server_cpu / done * 1000,
        "statements": statements,
        "seconds": elapsed,
    }


def profile(cluster: BenchCluster, items: int) -> None:
    """One queue claimer in this process under cProfile: where its CPU goes."""
    database = f"bench_profile_{uuid.uuid4().hex[:8]}"
    url = cluster.create_database(database)
    queue_setup(url, items + 50)
    queue_loop(url, "warm-up", 50)  # engines built, statements cached
    profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on the server
    profiler.enable()
    latencies, cpu = queue_loop(url, "profiled", items)
    profiler.disable()
    print(f"one claimer, {len(latencies)} items: {cpu / len(latencies) * 1000:.2f} ms client CPU per item "
          "(under cProfile, which adds its own)")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    cluster.drop_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--claimers", type=int, default=16)
    parser.add_argument("--contenders", default="bare,queue", help="comma-separated: bare, queue")
    parser.add_argument("--durable", action="store_true", help="fsync and synchronous_commit on")
    parser.add_argument("--profile", type=int, metavar="N", help="profile one queue claimer over N items")
    parser.add_argument("--statements", action="store_true", help="print the statements per item")
    args = parser.parse_args()
    cluster = BenchCluster(args.durable)
    cluster.init()
    cluster.start()
    try:
        if args.profile:
            profile(cluster, args.profile)
            return
        cores = os.cpu_count() or 1
        with open("/proc/loadavg") as handle:
            load = handle.read().split()[0]
        print(f"{args.items} items, {args.claimers} claimer processes, {cores} cores (load average {load}), "
              f"PostgreSQL {'durable' if args.durable else 'fsync off, synchronous_commit off'}")
        print(f"{'contender':<8} {'items/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'client CPU ms':>14} "
              f"{'server CPU ms':>14} {'stmts':>6} {'CPU bound items/s':>18}")
        for name in args.contenders.split(","):
            figures = measure(name, cluster, args.items, args.claimers)
            cpu_seconds = (figures["client ms"] + figures["server ms"]) / 1000
            count = sum(calls for calls, _, _ in figures["statements"])
            print(f"{name:<8} {figures['items/s']:>9.0f} {figures['p50 ms']:>8.2f} {figures['p99 ms']:>8.2f} "
                  f"{figures['client ms']:>14.2f} {figures['server ms']:>14.2f} {count:>6.1f} "
                  f"{cores / cpu_seconds:>18.0f}", flush=True)
            if args.statements:
                print("    per item  mean ms in server  statement")
                for calls, mean, query in figures["statements"]:
                    print(f"    {calls:8.2f}  {mean:17.3f}  {query[:120]}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
