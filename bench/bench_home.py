"""Homepage serving: latency and throughput under load, and precompute throughput.

Run: ``.venv/bin/python bench/bench_home.py [--profiles 300] [--titles 600] [--seconds 10]
[--connections 4,16]``.
Needs ``wrk``. For each backend (embedded SQLite; PostgreSQL + Redis when reachable) it imports
a synthetic platform into a fresh database, times ``marquee batch precompute`` (profiles/s),
measures ``HomeService.home`` in process (server-side p50/p99 without HTTP, cold and cached),
then starts ``marquee serve`` and loads ``GET /v1/profiles/{id}/home`` with wrk (2 threads,
fixed connections: one server and load run per ``--connections`` value), rotating over 50
profiles with their own tokens (a Lua script). Server-side
p50/p99 come from each response's ``Server-Timing`` header (time inside the app, collected by
the Lua script); HTTP p50/p99 are wrk's, queueing included. Workers default to the CPU count.
On a 2-core machine wrk and the server share the cores, so the HTTP figures are conservative.
The last column checks that every page served was logged: the titles the event log's
impressions show, read back after the server drained, over pages served × titles a page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import backend, marquee, reachable, serving, wrk

PROFILES_IN_LOAD = 50
LUA = """
paths = {%s}
tokens = {%s}
counter = 0
request = function()
  counter = counter + 1
  local i = (counter %% #paths) + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Bearer " .. tokens[i]})
end

-- Server-side latency: each thread bins the app's Server-Timing (0.05 ms bins); done() merges
-- the threads' bins and writes p50 and p99 to a file the bench reads.
hist = {}
threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status, headers, body)
  local dur = tonumber(string.match(headers["server-timing"] or "", "dur=([%%d.]+)") or "")
  if dur then
    local bin = math.floor(dur * 20)
    hist[bin] = (hist[bin] or 0) + 1
  end
end
done = function(summary, latency, requests)
  local merged, total = {}, 0
  for _, thread in ipairs(threads) do
    for bin, n in pairs(thread:get("hist")) do
      merged[bin] = (merged[bin] or 0) + n
      total = total + n
    end
  end
  local bins = {}
  for bin in pairs(merged) do table.insert(bins, bin) end
  table.sort(bins)
  local function at(q)
    local seen = 0
    for _, bin in ipairs(bins) do
      seen = seen + merged[bin]
      if seen >= q * total then return (bin + 1) / 20 end
    end
    return 0
  end
  local out = io.open("%s", "w")
  out:write(string.format("%%f %%f %%d\\n", at(0.5), at(0.99), total))
  out:close()
end
"""


def precompute_seconds(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(marquee("batch", "precompute"), env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def callers(env: dict[str, str]) -> list[tuple[int, int, str]]:
    """(account, profile, token) for the first profiles, minted with the server's settings."""
    os.environ.update(env)
    from marquee.bootstrap import bootstrap
    from marquee.config import load_settings
    from marquee.domain.roles import Role
    from marquee.storage.db.tables import Profile

    container = bootstrap(load_settings())
    try:
        with container.db.session() as s:
            rows = (
                s.query(Profile.account_id, Profile.id).order_by(Profile.id).limit(PROFILES_IN_LOAD)
            )
            pairs = [(int(a), int(p)) for a, p in rows]
        return [
            (a, p, container.tokens.issue(account_id=a, role=Role.VIEWER, session=f"bench-{p}"))
            for a, p in pairs
        ]
    finally:
        container.close()


def impressions_logged(env: dict[str, str], profiles: list[int]) -> int:
    """Titles the event log's impressions for ``profiles`` showed (read after the server has
    drained): one event per row, or per title for events in the old layout."""
    os.environ.update(env)
    from marquee.bootstrap import bootstrap
    from marquee.config import load_settings

    container = bootstrap(load_settings())
    try:
        shown = 0
        for profile in profiles:
            for entry in container.event_log.profile_entries(profile):
                if b'"impression"' in entry.payload:
                    # Parsed here, not with the project's reader, so older trees bench alike.
                    shown += len(json.loads(entry.payload).get("context", {}).get("titles", [0]))
        return shown
    finally:
        container.close()


def in_process(
    env: dict[str, str], pairs: list[tuple[int, int, str]]
) -> tuple[float, float, float, float]:
    """(cold p50 ms, cached p50 ms, cached p99 ms, titles a page) of ``HomeService.home``."""
    os.environ.update(env)
    from marquee.bootstrap import bootstrap
    from marquee.config import load_settings

    container = bootstrap(load_settings())
    try:
        cold: list[float] = []
        warm: list[float] = []
        titles: list[int] = []
        for rounds, sink in ((1, cold), (20, warm)):
            for _ in range(rounds):
                for account, profile, _token in pairs:
                    started = time.perf_counter()
                    page = container.home.home(account_id=account, profile_id=profile)
                    sink.append((time.perf_counter() - started) * 1000)
                    titles.append(sum(len(row.items) for row in page.rows))
        warm.sort()
        return (
            statistics.median(cold),
            statistics.median(warm),
            warm[int(len(warm) * 0.99)],
            statistics.fmean(titles),
        )
    finally:
        container.close()


@dataclass(frozen=True)
class Loaded:
    """A backend ready for load: its settings, callers, Lua script and in-process figures."""

    label: str
    env: dict[str, str]
    extra: dict[str, str]
    pairs: list[tuple[int, int, str]]
    script: Path
    timings: Path
    in_process: tuple[float, float, float, float]  # cold p50, cached p50, cached p99, titles


def run(kind: str, workers: int, args: argparse.Namespace) -> tuple[str, list[str]]:
    with tempfile.TemporaryDirectory() as tmp, backend(kind, Path(tmp)) as extra:
        env = os.environ | extra
        subprocess.run(
            marquee("import", "synthetic", "--profiles", str(args.profiles),
                    "--titles", str(args.titles)),
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        seconds = precompute_seconds(env)
        pairs = callers(extra)
        label = "SQLite" if kind == "sqlite" else "PostgreSQL + Redis"
        pre = f"| {label} | {args.profiles} | {seconds:.1f} | {args.profiles / seconds:,.0f} |"
        script, timings = Path(tmp) / "home.lua", Path(tmp) / "server_timing.txt"
        paths = ", ".join(f'"/v1/profiles/{p}/home"' for _, p, _ in pairs)
        tokens = ", ".join(f'"{t}"' for _, _, t in pairs)
        script.write_text(LUA % (paths, tokens, timings))
        loaded = Loaded(label, env, extra, pairs, script, timings, in_process(extra, pairs))
        port = 18100 + workers + (10 if kind != "sqlite" else 0)
        rows = [load(loaded, port, workers, c, args.seconds) for c in args.connections]
        return pre, rows


def load(loaded: Loaded, port: int, workers: int, connections: int, seconds: int) -> str:
    """One ``marquee serve`` under wrk at ``connections``: a table row, impressions checked."""
    profiles = [p for _, p, _ in loaded.pairs]
    before = impressions_logged(loaded.extra, profiles)
    env = loaded.env | {"MARQUEE_MEDIA__EMBEDDED_WORKER": "false"}
    with serving(env, port, workers, stop_timeout=60) as (base, _):
        load = {"connections": connections, "threads": 2, "script": loaded.script}
        wrk(base + "/", seconds=2, **load)  # warm-up
        served = int(loaded.timings.read_text().split()[2])
        result = wrk(base + "/", seconds=seconds, **load)
        app50, app99, measured = loaded.timings.read_text().split()[:3]
        served += int(measured)
    cold, warm50, warm99, per_page = loaded.in_process
    # Every served page must be logged: impressions found / (pages served × titles a page).
    logged = (impressions_logged(loaded.extra, profiles) - before) / (served * per_page)
    return (
        f"| {loaded.label} | {workers} | {connections} | {cold:.2f} | {warm50:.2f} "
        f"| {warm99:.2f} | {float(app50):.2f} | {float(app99):.2f} | {result.p50_ms:.1f} "
        f"| {result.p99_ms:.1f} | {result.rps:,.0f} | {logged:.1%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--titles", type=int, default=600)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--connections",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[4, 16],
        help="wrk connections, comma-separated: one load run each (default 4,16)",
    )
    parser.add_argument("--workers", default=str(os.cpu_count() or 1))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    kinds = ["sqlite"] + (["postgres"] if reachable(5432) and reachable(6379) else [])
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    pre_rows: list[str] = []
    home_rows: list[str] = []
    for kind in kinds:
        for workers in (int(w) for w in args.workers.split(",")):
            pre, homes = run(kind, workers, args)
            pre_rows.append(pre)
            home_rows += homes
            print(pre, *homes, sep="\n", flush=True)
    print("\n| backend | profiles | seconds | profiles/s |\n| --- | ---: | ---: | ---: |")
    print("\n".join(pre_rows))
    print(
        "\n| backend | workers | connections | service cold p50 ms | service cached p50 ms "
        "| service cached p99 ms | server p50 ms | server p99 ms | HTTP p50 ms | HTTP p99 ms "
        "| requests/s | impressions logged |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(home_rows))


if __name__ == "__main__":
    main()
