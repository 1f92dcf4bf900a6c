#!/usr/bin/env python3
"""Load generator for the probity casework benchmark (bench/casework/run).

Standard library only. The clients that measure are bench/loadgen.rs (built as the example
`loadgen`): one thread and one keep-alive HTTP/1.1 connection each, so that the load
generator takes little of the CPUs the server and PostgreSQL share.

Phases:
  reads        GET /api/v1/cases/{id} over random seeded cases, and four filtered lists
               (state + category, full-text q for a common and a rare word, overdue): each
               first by one client in sequence, then by N concurrent clients, for a fixed
               duration
  (pools)      the transition pools are seeded (bench/casework/seed_pools.sql) after the reads
  transitions  rounds of phases in mirrored order (API, then pgbench running the bare write
               path, the server's transaction, every statement the server sends; then the
               same backwards), each after VACUUM ANALYZE and CHECKPOINT: N clients for a
               fixed duration, each moving its own intake cases to assessment, each once.

Only loopback targets are accepted.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import ipaddress
import json
import math
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter

LOGIN_PATH = "/api/v1/auth/login"
CASES_PATH = "/api/v1/cases"
TIMEOUT_S = 30.0
HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.5
# The pgbench scripts the API's transitions are compared with: (name, file, label).
PGBENCH_SCRIPTS = [
    ("pgbench_app_statements", "transition_app_sql.pgbench",
     "every statement the server sends (session lookup + transaction)"),
    ("pgbench_transaction", "transition_tx_sql.pgbench", "the server's transaction, BEGIN to COMMIT"),
    ("pgbench_write_path", "transition_sql.pgbench", "the bare write path (lock, update, audit append)"),
]


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection; reconnects after a transport error."""

    def __init__(self, host: str, port: int, token: str | None = None):
        self.host = host
        self.port = port
        self.token = token
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, float]:
        """Returns (status, body, seconds). Status 0 means a transport error."""
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        if self.conn is None:
            self.conn = self._connect()
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=h)
            resp = self.conn.getresponse()
            data = resp.read()
            elapsed = time.perf_counter() - start
            if resp.will_close:
                self.close()
            return resp.status, data, elapsed
        except (OSError, http.client.HTTPException):
            elapsed = time.perf_counter() - start
            self.close()
            return 0, b"", elapsed

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def status_counts(c: Counter) -> dict:
    return {("transport_error" if k == 0 else str(k)): v for k, v in sorted(c.items())}


# --------------------------------------------------------------------------- CPU accounting

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _machine_busy_s() -> float | None:
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def _process_cpu_s(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return None


def _postgres_cpu_s() -> dict[int, float]:
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        if raw[raw.find("(") + 1: raw.rfind(")")] != "postgres":
            continue
        rest = raw.rsplit(")", 1)[1].split()
        out[int(name)] = (int(rest[11]) + int(rest[12])) / CLK_TCK
    return out


def _own_cpu_s() -> float:
    """This process and its waited-for children (worker processes, pgbench)."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class CpuMeter:
    """Where the machine's CPU time went during a phase (Linux /proc).

    PostgreSQL backends are sampled every 0.2 s by a thread, so the CPU of a backend that
    exits during the phase (pgbench's connections close at its end) is still counted up to
    its last sample."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.t0 = time.perf_counter()
        self.m0 = _machine_busy_s()
        self.s0 = _process_cpu_s(server_pid)
        self.pg0 = _postgres_cpu_s()
        self.pg_last = dict(self.pg0)
        self.p0 = _own_cpu_s()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.pg_last.update(_postgres_cpu_s())

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        wall = time.perf_counter() - self.t0
        m1, s1 = _machine_busy_s(), _process_cpu_s(self.server_pid)
        self.pg_last.update(_postgres_cpu_s())
        out = {"wall_s": wall, "cpus": os.cpu_count() or 1}
        if self.m0 is not None and m1 is not None:
            out["machine_busy_s"] = m1 - self.m0
        if self.s0 is not None and s1 is not None:
            out["server_s"] = s1 - self.s0
        out["load_generator_s"] = _own_cpu_s() - self.p0
        # Processes that started during the phase count from zero.
        out["postgres_s"] = sum(v - self.pg0.get(pid, 0.0) for pid, v in self.pg_last.items())
        if "machine_busy_s" in out:
            out["other_s"] = max(0.0, out["machine_busy_s"] - out.get("server_s", 0.0)
                                 - out["load_generator_s"] - out["postgres_s"])
        return out


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_ms(seconds: list[float]) -> dict:
    values = sorted(s * 1000.0 for s in seconds)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "mean_ms": statistics.fmean(values),
        "stdev_ms": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min_ms": values[0],
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "max_ms": values[-1],
    }


# --------------------------------------------------------------------------- reads


def run_loadgen(args, mode: str, host, port, token: str, list_flag: str, lines: list[str],
                extra: list[str], server_pid) -> tuple[dict, dict]:
    """Runs bench/loadgen.rs `mode` with the token and `lines` (one per line, as `--list_flag`)
    in files of their own; returns what it printed and the CPU used meanwhile."""
    with tempfile.TemporaryDirectory(prefix="probity-bench-") as tmp:
        lines_file = os.path.join(tmp, list_flag)
        token_file = os.path.join(tmp, "token")
        with open(lines_file, "w") as f:
            f.writelines(f"{line}\n" for line in lines)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token)
        cmd = [args.loadgen, mode, "--addr", f"{host}:{port}", "--token-file", token_file,
               f"--{list_flag}", lines_file, *extra]
        meter = CpuMeter(server_pid)
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        cpu = meter.stop()
    if r.returncode != 0:
        raise RuntimeError(f"loadgen failed (exit {r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout), cpu


def read_phase(args, host, port, token, paths, clients, duration, warmup, seed, server_pid) -> dict:
    """`clients` clients GET paths picked at random from `paths` for `duration` seconds, after
    `warmup` requests each. The clients are bench/loadgen.rs (one thread and one keep-alive
    connection each), as for the transitions: Python clients took about 0.2 ms of CPU a
    request, and eight processes of them, from the two CPUs the server and PostgreSQL share."""
    out, cpu = run_loadgen(args, "reads", host, port, token, "paths", paths,
                           ["--clients", str(clients), "--duration", str(duration),
                            "--warmup", str(warmup), "--seed", str(seed)], server_pid)
    statuses = Counter({int(k): v for k, v in out["statuses"].items()})
    wall = out["wall_s"]
    total = sum(statuses.values())
    ok = statuses.get(200, 0)
    return {
        "client": "bench/loadgen.rs",
        "clients": clients,
        "duration_s": duration,
        "wall_s": wall,
        "requests": total,
        "ok_200": ok,
        "non_200": total - ok,
        "status_counts": status_counts(statuses),
        "requests_per_s": total / wall if wall > 0 else 0.0,
        # Every response, whatever its status, so a fast error cannot flatter the figures.
        "latency": summarise_ms(out["latencies_s"]),
        "cpu": cpu,
    }


# --------------------------------------------------------------------------- transitions


def settle(pg_url: str) -> None:
    """VACUUM ANALYZE of the tables a transition writes, then CHECKPOINT."""
    psql(pg_url, "-c", "VACUUM (ANALYZE) cases, audit_events, audit_chains", "-c", "CHECKPOINT")


def api_transitions(args, host, port, token, pool, server_pid) -> dict:
    """Each client moves the cases of its own slice of the pool, each once, until the deadline.

    The clients are bench/loadgen.rs (one thread and one keep-alive connection each): a
    client in Python costs about 0.2 ms of CPU a request, which on this machine is taken from
    the server and PostgreSQL it measures, and pgbench, on the other side of the comparison,
    is C."""
    clients, duration = args.clients, args.transition_duration
    per = len(pool) // clients
    out, cpu = run_loadgen(args, "transitions", host, port, token, "cases",
                           [f"{case_id} {version}" for case_id, version in pool],
                           ["--clients", str(clients), "--duration", str(duration)], server_pid)
    statuses = Counter({int(k): v for k, v in out["statuses"].items()})
    wall = out["wall_s"]
    ok = statuses.get(200, 0)
    total = sum(statuses.values())
    return {
        "client": "bench/loadgen.rs",
        "clients": clients,
        "duration_s": duration,
        "wall_s": wall,
        "cases_per_client": per,
        "clients_that_ran_out_of_cases": out["exhausted"],
        "requests": total,
        "ok_200": ok,
        "non_200": total - ok,
        "status_counts": status_counts(statuses),
        # Successful transitions divided by the wall time until the last one returned.
        "transitions_per_s": ok / wall if wall > 0 else 0.0,
        "latency": summarise_ms(out["latencies_s"]),
        "cpu": cpu,
    }


def psql(pg_url: str, *args: str, capture: bool = True, with_messages: bool = False) -> str:
    """Runs psql; with `with_messages`, what the server sends as messages (auto_explain's plans,
    on stderr) is returned in order with the output."""
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg_url, *args],
                       stdout=subprocess.PIPE if capture else None,
                       stderr=(subprocess.STDOUT if with_messages else subprocess.PIPE) if capture else None,
                       text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {(r.stderr or r.stdout or '').strip()}")
    return r.stdout


def count_statements(path: str) -> int:
    """SQL statements in a pgbench script: each ends with `;` or `\\gset` (comments and
    meta-commands aside)."""
    n = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("--") or line.startswith("\\"):
                continue
            if line.endswith(";") or re.search(r"\\gset(\s+\w+)?$", line):
                n += 1
    return n


def pgbench_phase(args, script: str, variables: dict, server_pid) -> dict:
    jobs = max(1, min(args.clients, os.cpu_count() or 1))
    cmd = [args.pgbench, "-n", "-M", "prepared", "-c", str(args.clients), "-j", str(jobs),
           "-T", str(int(round(args.transition_duration)))]
    for k, v in variables.items():
        cmd += ["-D", f"{k}={v}"]
    cmd += ["-f", os.path.join(HERE, script), args.pg_url]
    meter = CpuMeter(server_pid)
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    cpu = meter.stop()
    out = r.stdout + r.stderr

    def grab(pattern, cast=float):
        m = re.search(pattern, out)
        return cast(m.group(1)) if m else None

    result = {
        "script": f"bench/casework/{script}",
        "statements": count_statements(os.path.join(HERE, script)),
        "command": " ".join(c if c != args.pg_url else "$PG_URL" for c in cmd),
        "clients": args.clients,
        "threads": jobs,
        "duration_s": args.transition_duration,
        "exit_code": r.returncode,
        "transactions": grab(r"number of transactions actually processed: (\d+)", int),
        "failed": grab(r"number of failed transactions: (\d+)", int),
        "latency_avg_ms": grab(r"latency average = ([\d.]+) ms"),
        "tps": grab(r"tps = ([\d.]+) \(without initial connection time\)"),
        "cpu": cpu,
    }
    errors = [line for line in out.splitlines() if "error" in line.lower() or "abort" in line.lower()]
    if errors:
        result["errors"] = errors[:10]
    if r.returncode != 0 or result["tps"] is None:
        sys.stderr.write(out)
        raise RuntimeError(f"pgbench failed ({script}, exit {r.returncode})")
    return result


def audit_verify(probity_bin: str, pg_url: str) -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": pg_url, "PROBITY_LOG": "warn",
           # the events' signatures are checked with the server's signing key (its public half)
           "PROBITY_AUDIT_SIGNING_KEY": os.environ.get("PROBITY_AUDIT_SIGNING_KEY", "")}
    t0 = time.perf_counter()
    r = subprocess.run([probity_bin, "audit", "verify"], capture_output=True, text=True, env=env,
                       cwd="/", check=False)
    line = next((l for l in r.stderr.splitlines() if "audit log" in l), r.stderr.strip()[-300:])
    return {"exit_code": r.returncode, "intact": r.returncode == 0, "message": line,
            "seconds": time.perf_counter() - t0}


# --------------------------------------------------------------------------- output


def fmt(v, digits=1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{digits}f}"


def cpu_line(cpu, indent="    ", generator="load generator"):
    if not cpu or "machine_busy_s" not in cpu:
        return
    cap = cpu["wall_s"] * cpu["cpus"]

    def pct(k):
        return f"{100.0 * cpu[k] / cap:.0f}%" if k in cpu else "-"

    print(f"{indent}CPU, % of {cpu['cpus']} CPUs: busy {pct('machine_busy_s')} = server {pct('server_s')}"
          f" + PostgreSQL {pct('postgres_s')} + {generator} {pct('load_generator_s')} + other {pct('other_s')}")


def print_report(res: dict) -> None:
    env = res["environment"]
    data = res["data"]
    print()
    print("probity casework benchmark")
    print("=" * 100)
    print(f"target            {res['target']}  (PROBITY_DB_POOL_SIZE={env.get('db_pool_size')})")
    print(f"machine           {env['cpus']} CPUs, Python {env['python']}, {env['platform']}")
    print(f"PostgreSQL        {env.get('postgres')}, row-level security {env.get('row_security')}")
    print("                  (server, PostgreSQL and the load generator share these CPUs)")
    print(f"seeded data       {data['cases']:,} cases, {data['subjects']:,} subjects, "
          f"{data['allegations']:,} allegations ({data.get('long_allegations', 0):,} of about 20,000 "
          f"characters), {data['decisions']:,} decisions "
          f"(seeded in {fmt(data.get('seed_s'), 0)} s)")
    print(f"                  states: " + ", ".join(f"{k} {v:,}" for k, v in data["states"].items()))
    print()
    print("Reads, as the supervisor. Latency is client-side, every response counted, nearest-rank percentiles.")
    print(f"  {'request':<58}{'clients':>8}{'n':>7}{'non200':>7}{'req/s':>8}"
          f"{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  p99<{TARGET_P99_MS:.0f}ms")
    for r in res["reads"]:
        for key in ("sequential", "concurrent"):
            ph = r[key]
            lat = ph["latency"]
            ok = lat.get("p99_ms", float("inf")) < TARGET_P99_MS and ph["non_200"] == 0
            label = r["label"] if key == "sequential" else ""
            print(f"  {label:<58}{ph['clients']:>8}{ph['requests']:>7}{ph['non_200']:>7}"
                  f"{ph['requests_per_s']:>8.0f}{fmt(lat.get('p50_ms')):>8}{fmt(lat.get('p95_ms')):>8}"
                  f"{fmt(lat.get('p99_ms')):>8}{fmt(lat.get('max_ms')):>8}  {'met' if ok else 'MISSED'}")
        if r.get("items") is not None:
            print(f"  {'':<58}(one page: {r['items']} items, more pages: {r['more']})")
    print("  CPU during the concurrent phases:")
    for r in res["reads"]:
        print(f"    {r['label']}")
        cpu_line(r["concurrent"].get("cpu"), indent="      ")
    print()
    t = res["transitions"]
    phases = t["phases"]
    first_api = next(ph for ph in phases if ph["name"] == "api")
    print(f"Transitions intake -> assessment, {first_api['clients']} clients, "
          f"{first_api['duration_s']:.0f} s a phase, {t['rounds']} rounds in mirrored order "
          f"(each transition a case update plus an audit append)")
    labels = {"api": "API  POST /api/v1/cases/{id}/transitions"}
    labels.update({n: f"pgbench, {l}" for n, _, l in PGBENCH_SCRIPTS})
    for ph in phases:
        if ph["name"] == "api":
            codes = ", ".join(f"{k}: {v}" for k, v in ph["status_counts"].items())
            lat = ph["latency"]
            print(f"  {ph['round']}. {labels['api']:<55}{ph['transitions_per_s']:>9.1f} /s"
                  f"   ({ph['ok_200']} x 200 in {ph['wall_s']:.1f} s; {codes}; moved {ph['moved']})")
            print(f"     {'':<55}latency ms p50 {fmt(lat.get('p50_ms'))}  p95 {fmt(lat.get('p95_ms'))}"
                  f"  p99 {fmt(lat.get('p99_ms'))}  max {fmt(lat.get('max_ms'))}")
            if ph["clients_that_ran_out_of_cases"]:
                print(f"     {'':<55}WARNING: {ph['clients_that_ran_out_of_cases']} clients ran out of "
                      f"cases; raise --api-pool")
            cpu_line(ph.get("cpu"), indent="       ")
        else:
            print(f"  {ph['round']}. {labels[ph['name']] + ' (' + str(ph['statements']) + ')':<55}"
                  f"{ph['tps']:>9.1f} /s   ({ph['transactions']} transactions, {ph['failed']} failed, "
                  f"latency avg {fmt(ph['latency_avg_ms'], 2)} ms; moved {ph['moved']})")
            if ph.get("wrapped"):
                print(f"     {'':<55}(more transactions than cases: some cases were moved twice)")
            cpu_line(ph.get("cpu"), indent="       ", generator="pgbench")
    v = t.get("audit_verify_before_pgbench")
    if v:
        print(f"  probity audit verify after the reads and the first API phase, before pgbench: "
              f"{'intact' if v['intact'] else 'FAILED'} ({v['message'].removeprefix('probity: ')})")
    print()
    print(f"  {'mean rate of the rounds':<58}{t['mean_per_s']['api']:>9.1f} /s  API")
    for name, _, label in PGBENCH_SCRIPTS:
        print(f"  {'':<58}{t['mean_per_s'][name]:>9.1f} /s  pgbench, {label}")
    print()
    for name, _, label in PGBENCH_SCRIPTS:
        v = t["ratios"][name]
        print(f"  API / pgbench, {label:<56}{100 * v:>6.1f} %   target >= {100 * TARGET_RATIO:.0f} %: "
              f"{'met' if v >= TARGET_RATIO else 'MISSED'}")
    print("=" * 100)


# --------------------------------------------------------------------------- main


def loopback_only(url: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
        sys.exit(f"load.py: --base-url must look like http://127.0.0.1:PORT, got {url!r}")
    try:
        if not ipaddress.ip_address(parsed.hostname).is_loopback:
            raise ValueError
    except ValueError:
        sys.exit(f"load.py: refusing to target {parsed.hostname!r}: only loopback addresses are allowed")
    return parsed.hostname, parsed.port


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def scalar(pg_url: str, sql: str) -> str:
    return psql(pg_url, "-At", "-c", sql).strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:18090")
    ap.add_argument("--pg-url", required=True, help="the benchmark database (pgbench, checks)")
    ap.add_argument("--pgbench", default="pgbench")
    ap.add_argument("--username", default="bench-supervisor")
    ap.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", "bench password for probity"))
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (reads, transitions)")
    ap.add_argument("--seq-duration", type=float, default=10.0, help="seconds of each sequential read phase")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of each concurrent read phase")
    ap.add_argument("--transition-duration", type=float, default=10.0, help="seconds of each transition phase")
    ap.add_argument("--warmup", type=int, default=50, help="requests before each sequential phase")
    ap.add_argument("--q", default="Folkestone", help="the full-text search term (a common word)")
    ap.add_argument("--q-rare", default="CCTV",
                    help="a second search term, a rare word (in the long allegations only)")
    ap.add_argument("--read-ids", type=int, default=20000, help="random seeded cases the GETs pick from")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of transition phases (mirrored order)")
    ap.add_argument("--api-pool", type=int, default=30000, help="intake cases for each API transition phase")
    ap.add_argument("--pg-pool", type=int, default=50000, help="intake cases for each pgbench phase")
    ap.add_argument("--probity-bin", default="", help="run `probity audit verify` before pgbench")
    ap.add_argument("--loadgen", required=True, help="the transition clients (bench/loadgen.rs, built as an example)")
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--db-pool-size", default="")
    ap.add_argument("--seed-seconds", type=float, default=None)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "out", "casework.json"))
    ap.add_argument("--explain-out", default=os.path.join(HERE, "..", "out", "casework-explain.txt"))
    args = ap.parse_args()
    host, port = loopback_only(args.base_url)
    if args.clients < 1:
        sys.exit("load.py: --clients must be at least 1")
    if args.rounds < 1:
        sys.exit("load.py: --rounds must be at least 1")

    # Log in.
    c = Client(host, port)
    status, body, _ = c.request("POST", LOGIN_PATH,
                                json.dumps({"username": args.username, "password": args.password}).encode())
    c.close()
    if status != 200:
        sys.exit(f"load.py: login failed with status {status}: {body[:200]!r}")
    token = json.loads(body)["access_token"]
    claims = jwt_claims(token)
    me, sid = claims["sub"], claims["sid"]

    def count(sql):
        return int(scalar(args.pg_url, sql))

    states = dict(
        line.split("|") for line in
        scalar(args.pg_url, "SELECT state || '|' || count(*) FROM cases GROUP BY state ORDER BY count(*) DESC").splitlines()
    )
    results: dict = {
        "target": f"http://{host}:{port}",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgres": scalar(args.pg_url, "SELECT version()").split(" on ")[0],
            "db_pool_size": args.db_pool_size or None,
            # bench/casework/run turns the row-level policies off with PROBITY_BENCH_ROW_SECURITY=off.
            "row_security": scalar(args.pg_url, "SELECT CASE WHEN relrowsecurity THEN 'on' ELSE 'off' END "
                                                "FROM pg_class WHERE relname = 'cases'"),
        },
        "settings": {k: getattr(args, k) for k in
                     ("clients", "seq_duration", "duration", "transition_duration", "warmup", "q", "q_rare",
                      "read_ids", "rounds", "api_pool", "pg_pool")},
        "data": {
            "cases": count("SELECT count(*) FROM cases"),
            "subjects": count("SELECT count(*) FROM subjects"),
            "allegations": count("SELECT count(*) FROM allegations"),
            "long_allegations": count("SELECT count(*) FROM allegations WHERE length(description) > 10000"),
            "decisions": count("SELECT count(*) FROM decisions"),
            "states": {k: int(v) for k, v in states.items()},
            "seed_s": args.seed_seconds,
        },
    }

    # ---- reads
    ids = scalar(args.pg_url, f"""
        SELECT id FROM cases c
        WHERE NOT c.restricted
           OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = '{me}')
        ORDER BY md5(c.id::text || 'read') LIMIT {int(args.read_ids)}""").split()
    q = urllib.parse.quote(args.q)
    q_rare = urllib.parse.quote(args.q_rare)
    reads = [
        ("GET /api/v1/cases/{id} (random seeded case)", [f"{CASES_PATH}/{i}" for i in ids], False),
        ("GET /api/v1/cases?state=investigation&category=apsp&limit=50",
         [f"{CASES_PATH}?state=investigation&category=apsp&limit=50"], True),
        (f"GET /api/v1/cases?q={args.q}&limit=50", [f"{CASES_PATH}?q={q}&limit=50"], True),
        (f"GET /api/v1/cases?q={args.q_rare}&limit=50", [f"{CASES_PATH}?q={q_rare}&limit=50"], True),
        ("GET /api/v1/cases?overdue=true&limit=50", [f"{CASES_PATH}?overdue=true&limit=50"], True),
    ]
    results["reads"] = []
    for n, (label, paths, is_list) in enumerate(reads):
        entry = {"label": label, "path": paths[0] if is_list else f"{CASES_PATH}/{{id}}"}
        c = Client(host, port, token)
        status, body, _ = c.request("GET", paths[0])
        c.close()
        if status != 200:
            sys.exit(f"load.py: sanity {label} answered {status}: {body[:300]!r}")
        if is_list:
            page = json.loads(body)
            entry["items"] = len(page.get("items", []))
            entry["more"] = page.get("next_cursor") is not None
        print(f"reads: {label}: 1 client for {args.seq_duration:.0f} s ...", file=sys.stderr, flush=True)
        entry["sequential"] = read_phase(args, host, port, token, paths, 1, args.seq_duration,
                                         args.warmup, seed=n + 1, server_pid=args.server_pid)
        time.sleep(0.5)
        print(f"reads: {label}: {args.clients} clients for {args.duration:.0f} s ...", file=sys.stderr, flush=True)
        entry["concurrent"] = read_phase(args, host, port, token, paths, args.clients, args.duration,
                                         0, seed=n + 101, server_pid=args.server_pid)
        results["reads"].append(entry)
        time.sleep(0.5)

    # The plans of the list queries, as they ran on this data.
    print("reads: EXPLAIN ANALYZE of the list queries ...", file=sys.stderr, flush=True)
    explain = psql(args.pg_url, "-v", f"me={me}", "-v", f"q={args.q}", "-v", f"q_rare={args.q_rare}",
                   "-f", os.path.join(HERE, "explain_lists.sql"), with_messages=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.explain_out)), exist_ok=True)
    with open(args.explain_out, "w") as f:
        f.write(explain)
    results["explain_file"] = os.path.relpath(os.path.abspath(args.explain_out), os.path.join(HERE, "..", ".."))

    # ---- transition pools, seeded only now so the reads ran on the seeded cases alone
    rounds = args.rounds
    per_api = args.api_pool // args.clients
    per_pg = args.pg_pool // args.clients
    api_n, pg_n = per_api * args.clients, per_pg * args.clients
    scripts = [name for name, _, _ in PGBENCH_SCRIPTS]
    print(f"transitions: seeding {rounds} x {api_n} + {rounds} x {len(scripts)} x {pg_n} intake cases ...",
          file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    psql(args.pg_url, "-v", f"api_pool={rounds * api_n}", "-v", f"pg_pool={rounds * len(scripts) * pg_n}",
         "-v", f"supervisor_id={me}", "-f", os.path.join(HERE, "seed_pools.sql"))
    pool_seed_s = time.perf_counter() - t0
    pool = [tuple(line.split("|")) for line in scalar(args.pg_url, f"""
        SELECT c.id || '|' || c.version FROM generate_series(1, {rounds * api_n}) k
        JOIN cases c ON c.id = md5('api-' || k)::uuid ORDER BY k""").splitlines()]
    if len(pool) != rounds * api_n:
        sys.exit(f"load.py: expected {rounds * api_n} API pool cases, found {len(pool)}")

    def moved(prefix, lo, hi):
        return count(f"""SELECT count(*) FROM cases WHERE state = 'assessment'
                         AND id IN (SELECT md5('{prefix}' || k)::uuid FROM generate_series({lo}, {hi}) k)""")

    # Rounds in mirrored order (the API, then the pgbench scripts from the strictest to the
    # loosest; then the same backwards), so that whatever drifts during the run (the audit
    # log and the tables grow) weighs on every phase alike, and the API and the strictest
    # comparison run back to back in every round. Each phase moves cases of its own, each once.
    order = ["api"] + list(reversed(scripts))
    t = {"pool_seed_s": pool_seed_s, "rounds": rounds, "phases": []}
    next_pg_slice = 0
    for r in range(rounds):
        for name in (order if r % 2 == 0 else list(reversed(order))):
            # Every phase starts clean: the dead rows of the phases before it vacuumed (not
            # left for autovacuum to clear while this one runs) and their writes flushed.
            settle(args.pg_url)
            if name == "api":
                print(f"transitions: round {r + 1}: API, {args.clients} clients for "
                      f"{args.transition_duration:.0f} s ...", file=sys.stderr, flush=True)
                phase = api_transitions(args, host, port, token, pool[r * api_n:(r + 1) * api_n],
                                        args.server_pid)
                phase["moved"] = moved("api-", r * api_n + 1, (r + 1) * api_n)
            else:
                script, label = next((f, l) for n, f, l in PGBENCH_SCRIPTS if n == name)
                base = next_pg_slice * pg_n
                next_pg_slice += 1
                print(f"transitions: round {r + 1}: pgbench, {label}, {args.clients} clients for "
                      f"{args.transition_duration:.0f} s ...", file=sys.stderr, flush=True)
                phase = pgbench_phase(args, script, {"k": 0, "base": base, "per_client": per_pg,
                                                     "me": me, "sid": sid}, args.server_pid)
                phase["cases"] = pg_n
                phase["wrapped"] = (phase["transactions"] or 0) > pg_n
                phase["moved"] = moved("pg-", base + 1, base + pg_n)
            t["phases"].append({"name": name, "round": r + 1, **phase})
            time.sleep(0.5)
            # The seeded data wrote no audit events and every event so far came from the
            # server: the log must verify. (pgbench's events, from now on, will not.)
            if r == 0 and name == "api" and args.probity_bin:
                print("transitions: probity audit verify (before pgbench) ...", file=sys.stderr, flush=True)
                t["audit_verify_before_pgbench"] = audit_verify(args.probity_bin, args.pg_url)

    def rate(ph):
        return ph["transitions_per_s"] if ph["name"] == "api" else ph["tps"]

    t["mean_per_s"] = {name: statistics.fmean(rate(ph) for ph in t["phases"] if ph["name"] == name)
                       for name in order}
    t["ratios"] = {name: t["mean_per_s"]["api"] / t["mean_per_s"][name] for name in scripts}
    results["transitions"] = t
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    print_report(results)
    print(f"plans of the list queries: {results['explain_file']}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(f"results written to {os.path.relpath(os.path.abspath(args.out), os.path.join(HERE, '..', '..'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
