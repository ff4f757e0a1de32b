"""``GET /v1/titles`` latency and throughput under concurrent load, on both backends.

Run: ``.venv/bin/python bench/bench_api.py [--titles 5000] [--seconds 10]``. Needs ``wrk``
(Debian package ``wrk``). For each backend (embedded SQLite; PostgreSQL + Redis when reachable)
and each worker count it imports a synthetic catalog into a fresh database, starts
``marquee serve`` as a separate process, loads it with wrk (1 thread, fixed connections) and
prints one markdown table of server-side figures: p50/p99 latency and requests/s.
On a 2-core machine wrk and the server share the cores, so these are conservative.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx

PG = "postgresql://postgres@127.0.0.1:5432"
PATHS = {"list": "/v1/titles?limit=20", "genre+sort": "/v1/titles?genre=drama&sort=-year&limit=20"}


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


@contextmanager
def backend(kind: str, data_dir: Path) -> Iterator[dict[str, str]]:
    env = {"MARQUEE_DATA_DIR": str(data_dir), "MARQUEE_LOG_LEVEL": "WARNING"}
    if kind == "sqlite":
        yield env
        return
    import psycopg

    name = f"marquee_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    ns = f"bench-{name}"
    try:
        yield env | {
            "MARQUEE_DATABASE_URL": f"{PG}/{name}",
            "MARQUEE_ONLINE_URL": "redis://127.0.0.1:6379/14",
            "MARQUEE_KV_NAMESPACE": ns,
        }
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def marquee(*args: str) -> list[str]:
    return [sys.executable, "-m", "marquee.cli", *args]


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("server exited before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server not ready within 60 s")


@contextmanager
def serving(
    env: dict[str, str], port: int, workers: int, *, stop_timeout: float = 15
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``marquee serve`` on ``port``, ready: yields its base URL and process; stops it after."""
    server = subprocess.Popen(
        marquee("serve", "--port", str(port), "--workers", str(workers)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=stop_timeout)


@dataclass(frozen=True)
class WrkResult:
    p50_ms: float
    p99_ms: float
    rps: float
    non_2xx: int


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 1,
    script: Path | None = None,
    errors_fatal: bool = True,
) -> WrkResult:
    """One ``wrk --latency`` run (with a Lua request ``script`` if given), parsed; the other
    benchmarks use this too. Error responses raise unless ``errors_fatal`` is false."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script)] if script is not None else []
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            raise RuntimeError(f"wrk output lacks {label}:\n{out}")
        return float(match.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors and errors_fatal:
        raise RuntimeError(f"{errors.group(1)} error responses:\n{out}")
    return WrkResult(
        ms("50%"),
        ms("99%"),
        float(rps.group(1)) if rps else 0.0,
        int(errors.group(1)) if errors else 0,
    )


def run(kind: str, workers: int, args: argparse.Namespace) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, backend(kind, Path(tmp)) as extra:
        env = os.environ | extra
        subprocess.run(
            marquee("import", "synthetic", "--profiles", "200", "--titles", str(args.titles)),
            env=env,
            check=True,
            capture_output=True,
        )
        port = 18000 + workers + (10 if kind != "sqlite" else 0)
        with serving(env, port, workers) as (base, _):
            for name, path in PATHS.items():
                wrk(base + path, connections=args.connections, seconds=2)  # warm-up
                result = wrk(base + path, connections=args.connections, seconds=args.seconds)
                p50, p99, rps = result.p50_ms, result.p99_ms, result.rps
                label = "SQLite" if kind == "sqlite" else "PostgreSQL + Redis"
                rows.append(
                    f"| {label} | {workers} | {name} | {args.connections} "
                    f"| {p50:.1f} | {p99:.1f} | {rps:,.0f} |"
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    kinds = ["sqlite"] + (["postgres"] if reachable(5432) and reachable(6379) else [])
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {args.titles} titles\n"
    )
    print("| backend | workers | request | connections | p50 ms | p99 ms | requests/s |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        for workers in (int(w) for w in args.workers.split(",")):
            for row in run(kind, workers, args):
                print(row, flush=True)


if __name__ == "__main__":
    main()
