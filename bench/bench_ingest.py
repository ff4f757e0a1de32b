"""HTTP ingestion throughput: ``POST /v1/events`` with batches, through a real server, both stacks.

Run: ``.venv/bin/python bench/bench_ingest.py [--batch 500] [--seconds 10] [--connections 4]``.
Needs ``wrk`` (Debian package ``wrk``). For each stack (embedded: SQLite database and SQLite
event log; production: PostgreSQL and Redis Streams, when reachable) and each worker count it
creates an account with 8 profiles, starts ``marquee serve``, and has wrk (1 thread, a Lua script
that builds batches of unique heartbeat envelopes) post for ``--seconds`` after a 2 s warm-up.
events/s is the number of events the log really stored during the measured run ÷ its duration,
so rejected or lost events cannot inflate it. wrk and the server share the machine's cores; on
a shared VM the wall figure swings with the neighbours' load, so the server's CPU time (itself and
its worker processes, from /proc) is measured too: events per server CPU-second is the capacity
of one dedicated core, and twice it bounds what 2 dedicated cores could serve.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import backend, reachable, serving, wrk
from marquee.bootstrap import bootstrap
from marquee.config import load_settings
from marquee.domain.roles import Role
from marquee.storage.db.migrate import upgrade
from marquee.storage.db.tables import Account, Profile

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local profiles = {%(profiles)s}
local n = 0
local run = "%(run)s"
request = function()
  local parts = {}
  for i = 1, %(batch)d do
    n = n + 1
    parts[i] = string.format(
      '{"event_id":"%%s-%%d","type":"heartbeat","profile_id":%%d,"session_id":"s-%%d",'
      .. '"item":{"title_id":%%d},"position_s":%%d,"device":"tv","country":"ES",'
      .. '"client_time":"%(now)s"}',
      run, n, profiles[(n %% #profiles) + 1], n %% 50, (n %% 500) + 1, n %% 3000)
  end
  return wrk.format(nil, "/v1/events", nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
"""


def prepare(env: dict[str, str]) -> tuple[str, list[int]]:
    """Migrate, create an account with 8 profiles, and mint its access token."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        container = bootstrap(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        upgrade(container.db)
        with container.db.session() as s:
            account = Account(email="bench@example.com", password_hash=None, role="viewer")
            s.add(account)
            s.flush()
            profiles = [
                Profile(account_id=account.id, name=f"p{i}", created_at=datetime.now(UTC))
                for i in range(8)
            ]
            s.add_all(profiles)
            s.flush()
            ids = [p.id for p in profiles]
            account_id = account.id
        token = container.tokens.issue(account_id=account_id, role=Role.VIEWER, session="bench")
    finally:
        container.close()
    return token, ids


def stored(env: dict[str, str]) -> int:
    """Events in the log now (SQLite table rows, or the Redis streams' lengths)."""
    url = env["MARQUEE_EVENTS_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    import redis

    client = redis.Redis.from_url(url)
    prefix = env["MARQUEE_KV_NAMESPACE"]
    try:
        return sum(int(client.xlen(f"{prefix}:events:p{p}")) for p in range(8))
    finally:
        client.close()


@contextmanager
def stack(kind: str, data_dir: Path) -> Iterator[dict[str, str]]:
    with backend(kind, data_dir) as base:
        env = dict(base) | {"MARQUEE_MEDIA__EMBEDDED_WORKER": "false", "MARQUEE_LOG_JSON": "false"}
        if kind == "sqlite":
            env["MARQUEE_EVENTS_URL"] = f"sqlite:///{data_dir / 'events.db'}"
        else:
            env["MARQUEE_EVENTS_URL"] = "redis://127.0.0.1:6379/14"
        try:
            yield env
        finally:
            if kind != "sqlite":
                import redis

                client = redis.Redis.from_url(env["MARQUEE_EVENTS_URL"])
                keys = list(client.scan_iter(match=f"{env['MARQUEE_KV_NAMESPACE']}:*", count=5000))
                for start in range(0, len(keys), 5000):
                    client.delete(*keys[start : start + 5000])
                client.close()


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def run(kind: str, workers: int, args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as tmp, stack(kind, Path(tmp)) as extra:
        env = os.environ | extra
        token, profiles = prepare(extra)
        port = 18100 + workers + (10 if kind != "sqlite" else 0)
        with serving(env, port, workers) as (base, server):
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for phase, seconds in (("warm", 2), ("run", args.seconds)):
                script = Path(tmp) / f"{phase}.lua"
                script.write_text(
                    LUA
                    % {
                        "token": token,
                        "profiles": ",".join(map(str, profiles)),
                        "run": phase,
                        "batch": args.batch,
                        "now": now,
                    }
                )
                before, cpu = stored(extra), tree_cpu_s(server.pid)
                result = wrk(
                    base,
                    connections=args.connections,
                    seconds=seconds,
                    script=script,
                    errors_fatal=False,
                )
                p50, rps, errors = result.p50_ms, result.rps, result.non_2xx
                added, cpu = stored(extra) - before, tree_cpu_s(server.pid) - cpu
    label = "SQLite log" if kind == "sqlite" else "Redis Streams (PostgreSQL db)"
    return (
        f"| {label} | {workers} | {args.batch} | {args.connections} | {rps:,.1f} | {p50:.0f} "
        f"| {errors} | {added / args.seconds:,.0f} | {added / max(cpu, 1e-9):,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--stacks", default="sqlite,postgres")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    kinds = [
        k for k in args.stacks.split(",") if k == "sqlite" or (reachable(5432) and reachable(6379))
    ]
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    print(
        "| event log | workers | batch | connections | requests/s | p50 ms | non-2xx | events/s "
        "| events per server CPU-s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        for workers in (int(w) for w in args.workers.split(",")):
            print(run(kind, workers, args), flush=True)


if __name__ == "__main__":
    main()
