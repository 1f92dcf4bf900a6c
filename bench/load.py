#!/usr/bin/env python3
"""Load generator for the probity login and readiness benchmark.

Standard library only. Every client owns one keep-alive HTTP/1.1 connection
(http.client). The login storm runs in a separate process from the /readyz
probe, so the probe's timings are not distorted by the storm's threads
contending for the Python interpreter lock.

Phases:
  a  login storm: N concurrent clients log in for a fixed duration
  b  GET /readyz alone, sequential, fixed duration
  c  GET /readyz, sequential, while the same login storm as (a) runs
  d  sequential logins, unknown username vs wrong password, interleaved

Only loopback targets are accepted.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import socket
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter

LOGIN_PATH = "/api/v1/auth/login"
READY_PATH = "/readyz"
TIMEOUT_S = 30.0


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection; reconnects after a transport error."""

    def __init__(self, host: str, port: int, forwarded_for: str | None = None):
        self.host = host
        self.port = port
        # The server trusts one proxy (bench/run): the address it would have appended. None:
        # a new address for every request, so that no per-address limit applies.
        self.forwarded_for = forwarded_for
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        """Returns (status, body, seconds). Status 0 means a transport error."""
        headers = {"Accept": "application/json", "X-Forwarded-For": self.forwarded_for or random_address()}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = self._connect()
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
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


def random_address() -> str:
    return "10.%d.%d.%d" % tuple(os.urandom(3))


def login_body(username: str, password: str) -> bytes:
    return json.dumps({"username": username, "password": password}).encode()


# --------------------------------------------------------------------------- CPU accounting

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _machine_busy_s() -> float | None:
    """CPU seconds spent on anything but idle and iowait, all CPUs (Linux /proc/stat)."""
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
        return (int(rest[11]) + int(rest[12])) / CLK_TCK  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def _postgres_cpu_s() -> dict[int, float]:
    """CPU seconds of every live process named `postgres`, by pid."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.find("(") + 1 : raw.rfind(")")]
        if comm != "postgres":
            continue
        rest = raw.rsplit(")", 1)[1].split()
        out[int(name)] = (int(rest[11]) + int(rest[12])) / CLK_TCK
    return out


class CpuMeter:
    """CPU used during a phase: the whole machine, the server process, and this process."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.t0 = time.perf_counter()
        self.m0 = _machine_busy_s()
        self.s0 = _process_cpu_s(server_pid)
        self.pg0 = _postgres_cpu_s()
        r = resource.getrusage(resource.RUSAGE_SELF)
        self.p0 = r.ru_utime + r.ru_stime

    def stop(self, client_children_s: float = 0.0) -> dict:
        wall = time.perf_counter() - self.t0
        m1 = _machine_busy_s()
        s1 = _process_cpu_s(self.server_pid)
        pg1 = _postgres_cpu_s()
        r = resource.getrusage(resource.RUSAGE_SELF)
        cpus = os.cpu_count() or 1
        out = {"wall_s": wall, "cpus": cpus}
        if self.m0 is not None and m1 is not None:
            out["machine_busy_s"] = m1 - self.m0
        if self.s0 is not None and s1 is not None:
            out["server_s"] = s1 - self.s0
        out["load_generator_s"] = (r.ru_utime + r.ru_stime - self.p0) + client_children_s
        # Processes that exited during the phase are not counted; new ones count from zero.
        out["postgres_s"] = sum(v - self.pg0.get(pid, 0.0) for pid, v in pg1.items())
        if "machine_busy_s" in out:
            out["other_s"] = max(
                0.0,
                out["machine_busy_s"]
                - out.get("server_s", 0.0)
                - out["load_generator_s"]
                - out["postgres_s"],
            )
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


# --------------------------------------------------------------------------- login storm


def _storm_worker(host, port, body, deadline, out, lock):
    client = Client(host, port)
    statuses: Counter = Counter()
    latencies: list[float] = []
    try:
        while time.perf_counter() < deadline:
            status, _, elapsed = client.request("POST", LOGIN_PATH, body)
            statuses[status] += 1
            latencies.append(elapsed)
    finally:
        client.close()
        with lock:
            out.append((statuses, latencies))


def run_storm(host: str, port: int, username: str, password: str, clients: int, duration: float) -> dict:
    """N threads, each logging in back to back on its own connection until the deadline.

    Requests already in flight at the deadline are allowed to finish and are counted; the
    rate is divided by the wall time until the last one returned.
    """
    body = login_body(username, password)
    out: list = []
    lock = threading.Lock()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    deadline = start + duration
    threads = [
        threading.Thread(target=_storm_worker, args=(host, port, body, deadline, out, lock), daemon=True)
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + TIMEOUT_S + 5)
    wall = time.perf_counter() - start
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    statuses: Counter = Counter()
    latencies: list[float] = []
    for s, l in out:
        statuses.update(s)
        latencies.extend(l)
    ok = statuses.get(200, 0)
    total = sum(statuses.values())
    return {
        "clients": clients,
        "duration_s": duration,
        "wall_s": wall,
        "requests": total,
        "ok_200": ok,
        "non_200": total - ok,
        "status_counts": {("transport_error" if k == 0 else str(k)): v for k, v in sorted(statuses.items())},
        "logins_per_s": ok / wall if wall > 0 else 0.0,
        "requests_per_s": total / wall if wall > 0 else 0.0,
        "latency": summarise_ms(latencies),
        # CPU seconds the load generator itself spent on the storm (this process only).
        "client_cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
    }


def _storm_process(args, conn):
    try:
        conn.send(run_storm(*args))
    except Exception as e:  # report, do not hang the parent
        conn.send({"error": repr(e)})
    finally:
        conn.close()


def start_storm_process(host, port, username, password, clients, duration):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_storm_process,
        args=((host, port, username, password, clients, duration), child),
        daemon=True,
    )
    proc.start()
    child.close()
    return proc, parent


def finish_storm_process(proc, pipe, duration):
    result = None
    if pipe.poll(duration + TIMEOUT_S + 10):
        result = pipe.recv()
    proc.join(5)
    if proc.is_alive():
        proc.terminate()
    if result is None:
        raise RuntimeError("the login storm process did not report")
    if "error" in result:
        raise RuntimeError(f"the login storm failed: {result['error']}")
    return result


# --------------------------------------------------------------------------- readyz probe


def probe_readyz(host: str, port: int, duration: float, gap_s: float, warmup: int) -> dict:
    """Sequential GET /readyz on one keep-alive connection for `duration` seconds,
    sleeping `gap_s` between a response and the next request."""
    client = Client(host, port)
    for _ in range(warmup):
        client.request("GET", READY_PATH)
    statuses: Counter = Counter()
    ok_latencies: list[float] = []
    all_latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + duration
    try:
        while time.perf_counter() < deadline:
            status, _, elapsed = client.request("GET", READY_PATH)
            statuses[status] += 1
            all_latencies.append(elapsed)
            if status == 200:
                ok_latencies.append(elapsed)
            if gap_s > 0:
                time.sleep(gap_s)
    finally:
        client.close()
    wall = time.perf_counter() - start
    total = sum(statuses.values())
    ok = statuses.get(200, 0)
    return {
        "duration_s": duration,
        "wall_s": wall,
        "gap_ms": gap_s * 1000.0,
        "requests": total,
        "ok_200": ok,
        "non_200": total - ok,
        "status_counts": {("transport_error" if k == 0 else str(k)): v for k, v in sorted(statuses.items())},
        # Every response, whatever its status, so a fast error cannot flatter the figures.
        "latency": summarise_ms(all_latencies),
    }


# --------------------------------------------------------------------------- timing comparison


def timing_comparison(host: str, port: int, username: str, samples: int, warmup: int) -> dict:
    """Interleaved sequential logins: an unknown username, then a wrong password for `username`."""
    client = Client(host, port)
    unknown_body = login_body("no-such-user-" + os.urandom(4).hex(), "a wrong password for nobody")
    wrong_body = login_body(username, "definitely not the right password")
    for _ in range(warmup):
        client.request("POST", LOGIN_PATH, unknown_body)
        client.request("POST", LOGIN_PATH, wrong_body)
    kinds = {"unknown_user": (unknown_body, [], Counter()), "wrong_password": (wrong_body, [], Counter())}
    order = ["unknown_user", "wrong_password"]
    try:
        for i in range(samples):
            # Alternate which goes first, so neither always follows the other.
            pair = order if i % 2 == 0 else order[::-1]
            for kind in pair:
                body, lat, statuses = kinds[kind]
                status, _, elapsed = client.request("POST", LOGIN_PATH, body)
                statuses[status] += 1
                lat.append(elapsed)
    finally:
        client.close()
    result = {}
    for kind, (_, lat, statuses) in kinds.items():
        result[kind] = {
            "status_counts": {("transport_error" if k == 0 else str(k)): v for k, v in sorted(statuses.items())},
            "latency": summarise_ms(lat),
        }
    u = result["unknown_user"]["latency"]["mean_ms"]
    w = result["wrong_password"]["latency"]["mean_ms"]
    result["samples_each"] = samples
    result["mean_difference_ms"] = w - u
    result["mean_ratio_wrong_over_unknown"] = w / u if u else float("nan")
    # Welch's t statistic, for a sense of whether the difference is noise.
    lu = [x * 1000 for x in kinds["unknown_user"][1]]
    lw = [x * 1000 for x in kinds["wrong_password"][1]]
    if len(lu) > 1 and len(lw) > 1:
        se = math.sqrt(statistics.variance(lu) / len(lu) + statistics.variance(lw) / len(lw))
        result["welch_t"] = (statistics.fmean(lw) - statistics.fmean(lu)) / se if se > 0 else float("nan")
    return result


# --------------------------------------------------------------------------- (e) abuse storm


def abuse_storm(host: str, port: int, username: str, password: str, clients: int, duration: float,
                gap_s: float) -> dict:
    """`clients` threads log in with unknown usernames back to back, all from one address (the
    one the trusted proxy saw), while one legitimate user logs in from another address every
    `gap_s`, starting 1 s into the storm and stopping 1 s before its end."""
    storm_addr, user_addr = "198.51.100.66", "203.0.113.5"
    out: list = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + duration

    def attacker():
        client = Client(host, port, forwarded_for=storm_addr)
        statuses: Counter = Counter()
        latencies: list[float] = []
        try:
            while time.perf_counter() < deadline:
                body = login_body("nobody-" + os.urandom(6).hex(), "a guess at a password")
                status, _, elapsed = client.request("POST", LOGIN_PATH, body)
                statuses[status] += 1
                latencies.append(elapsed)
        finally:
            client.close()
            with lock:
                out.append((statuses, latencies))

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    user = Client(host, port, forwarded_for=user_addr)
    user_statuses: Counter = Counter()
    user_latencies: list[float] = []
    body = login_body(username, password)
    while time.perf_counter() < deadline - 1.0:
        status, _, elapsed = user.request("POST", LOGIN_PATH, body)
        user_statuses[status] += 1
        user_latencies.append(elapsed)
        time.sleep(gap_s)
    user.close()
    for t in threads:
        t.join(duration + TIMEOUT_S + 5)
    statuses: Counter = Counter()
    latencies: list[float] = []
    for st, la in out:
        statuses.update(st)
        latencies.extend(la)
    codes = lambda c: {("transport_error" if k == 0 else str(k)): v for k, v in sorted(c.items())}
    return {
        "clients": clients,
        "duration_s": duration,
        "storm_status_counts": codes(statuses),
        "storm_latency": summarise_ms(latencies),
        "user_status_counts": codes(user_statuses),
        "user_latency": summarise_ms(user_latencies),
    }


# --------------------------------------------------------------------------- output


def fmt(v, digits=1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{digits}f}"


def print_report(results: dict) -> None:
    env = results["environment"]
    print()
    print("probity benchmark")
    print("=" * 78)
    print(f"target            {results['target']}")
    print(f"argon2 (stored)   {env.get('argon2_params') or 'unknown'}")
    print(f"client machine    {env['cpus']} CPUs, Python {env['python']}, {env['platform']}")
    print("                  (server, PostgreSQL and this load generator share these CPUs)")
    print()

    def cpu_line(cpu):
        if not cpu or "machine_busy_s" not in cpu:
            return
        cap = cpu["wall_s"] * cpu["cpus"]
        pct = lambda k: f"{100.0 * cpu[k] / cap:.0f}%" if k in cpu else "-"
        print(
            f"    CPU, % of {cpu['cpus']} CPUs        busy {pct('machine_busy_s')} = server {pct('server_s')}"
            f" + PostgreSQL {pct('postgres_s')} + load generator {pct('load_generator_s')}"
            f" + other {pct('other_s')}"
        )

    def storm_line(label, s):
        lat = s["latency"]
        codes = ", ".join(f"{k}: {v}" for k, v in s["status_counts"].items())
        print(f"  {label:<28} {s['clients']} clients, {s['wall_s']:.1f} s")
        print(f"    logins/s (200s)          {s['logins_per_s']:.1f}")
        print(f"    200s / non-200s          {s['ok_200']} / {s['non_200']}   ({codes})")
        print(
            f"    login latency ms         p50 {fmt(lat.get('p50_ms'))}  p95 {fmt(lat.get('p95_ms'))}"
            f"  p99 {fmt(lat.get('p99_ms'))}  max {fmt(lat.get('max_ms'))}"
        )
        cpu_line(s.get("cpu"))

    print("(a) login throughput")
    storm_line("login storm", results["a_login_storm"])
    print()

    print("(b, c) GET /readyz latency, sequential, one keep-alive connection")
    header = f"  {'':<22}{'n':>7}{'non200':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}"
    print(header)
    for key, label in (("b_readyz_idle", "(b) alone"), ("c_readyz_under_storm", "(c) during login storm")):
        r = results[key]
        lat = r["latency"]
        print(
            f"  {label:<22}{r['requests']:>7}{r['non_200']:>8}{fmt(lat.get('p50_ms'), 2):>9}"
            f"{fmt(lat.get('p95_ms'), 2):>9}{fmt(lat.get('p99_ms'), 2):>9}{fmt(lat.get('max_ms'), 2):>9}"
            f"{fmt(lat.get('mean_ms'), 2):>9}"
        )
    print(f"  ({results['b_readyz_idle']['gap_ms']:.0f} ms pause between a response and the next request)")
    print("  during (b):")
    cpu_line(results["b_readyz_idle"].get("cpu"))
    print("  the storm that ran during (c) (CPU: the whole phase, storm and probe):")
    storm_line("login storm during (c)", results["c_login_storm"])
    print()

    d = results["d_timing"]
    print(f"(d) failed-login timing, sequential, {d['samples_each']} of each, interleaved")
    print(f"  {'':<22}{'mean ms':>9}{'stdev':>9}{'p50 ms':>9}{'min ms':>9}{'max ms':>9}  statuses")
    for kind, label in (("unknown_user", "unknown username"), ("wrong_password", "wrong password")):
        r = d[kind]
        lat = r["latency"]
        codes = ", ".join(f"{k}: {v}" for k, v in r["status_counts"].items())
        print(
            f"  {label:<22}{fmt(lat['mean_ms'], 2):>9}{fmt(lat['stdev_ms'], 2):>9}{fmt(lat['p50_ms'], 2):>9}"
            f"{fmt(lat['min_ms'], 2):>9}{fmt(lat['max_ms'], 2):>9}  {codes}"
        )
    print(
        f"  difference (wrong - unknown) {d['mean_difference_ms']:+.2f} ms, "
        f"ratio {d['mean_ratio_wrong_over_unknown']:.3f}, Welch t {fmt(d.get('welch_t'), 2)}"
    )
    e = results.get("e_abuse_storm")
    if e:
        print()
        print(f"(e) abuse: {e['clients']} clients logging in as unknown users from one address for "
              f"{e['duration_s']:.0f} s; a real user logs in from another address meanwhile")
        codes = ", ".join(f"{k}: {v}" for k, v in e["storm_status_counts"].items())
        sl = e["storm_latency"]
        print(f"  storm      p50 {fmt(sl['p50_ms'])} ms, p99 {fmt(sl['p99_ms'])} ms   ({codes})")
        codes = ", ".join(f"{k}: {v}" for k, v in e["user_status_counts"].items())
        ul = e["user_latency"]
        print(f"  real user  p50 {fmt(ul['p50_ms'])} ms, p99 {fmt(ul['p99_ms'])} ms, "
              f"max {fmt(ul['max_ms'])} ms   ({codes})   target max < 1000 ms: "
              f"{'met' if ul['max_ms'] is not None and ul['max_ms'] < 1000 else 'MISSED'}")
    print("=" * 78)


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:18089")
    ap.add_argument("--username", default="bench")
    ap.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", "bench password for probity"))
    ap.add_argument("--clients", type=int, default=8, help="concurrent login clients (a, c)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of login storm (a, c)")
    ap.add_argument("--probe-duration", type=float, default=10.0, help="seconds of /readyz probing (b)")
    ap.add_argument("--probe-gap-ms", type=float, default=5.0, help="pause between /readyz requests (b, c)")
    ap.add_argument("--storm-ramp", type=float, default=1.0, help="seconds the storm runs before probing (c)")
    ap.add_argument("--timing-samples", type=int, default=40, help="logins of each kind (d)")
    ap.add_argument("--abuse-clients", type=int, default=64, help="unknown-user login clients from one address (e)")
    ap.add_argument("--abuse-duration", type=float, default=10.0, help="seconds of the abuse storm (e)")
    ap.add_argument("--abuse-gap-ms", type=float, default=250.0, help="pause between the real user's logins (e)")
    ap.add_argument("--server-pid", type=int, default=0, help="server process id, for CPU accounting")
    ap.add_argument("--argon2-params", default="", help="parameters read from the stored hash, for the report")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "results.json"))
    args = ap.parse_args()

    host, port = loopback_only(args.base_url)
    if args.duration <= 2 * args.storm_ramp:
        sys.exit("load.py: --duration must be more than twice --storm-ramp")
    gap = args.probe_gap_ms / 1000.0

    # Sanity: the account logs in and /readyz answers, before measuring anything.
    c = Client(host, port)
    status, body, _ = c.request("POST", LOGIN_PATH, login_body(args.username, args.password))
    if status != 200 or b"access_token" not in body:
        sys.exit(f"load.py: sanity login failed with status {status}: {body[:200]!r}")
    status, body, _ = c.request("GET", READY_PATH)
    if status != 200:
        sys.exit(f"load.py: sanity GET /readyz failed with status {status}: {body[:200]!r}")
    c.close()

    results: dict = {
        "target": f"http://{host}:{port}",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "argon2_params": args.argon2_params or None,
        },
        "settings": {
            "clients": args.clients,
            "storm_duration_s": args.duration,
            "probe_duration_s": args.probe_duration,
            "probe_gap_ms": args.probe_gap_ms,
            "storm_ramp_s": args.storm_ramp,
            "timing_samples_each": args.timing_samples,
        },
    }

    print(f"(a) login storm: {args.clients} clients for {args.duration:.0f} s ...", file=sys.stderr, flush=True)
    meter = CpuMeter(args.server_pid)
    proc, pipe = start_storm_process(host, port, args.username, args.password, args.clients, args.duration)
    results["a_login_storm"] = finish_storm_process(proc, pipe, args.duration)
    results["a_login_storm"]["cpu"] = meter.stop(results["a_login_storm"]["client_cpu_s"])
    time.sleep(1.0)

    print(f"(b) GET /readyz alone for {args.probe_duration:.0f} s ...", file=sys.stderr, flush=True)
    meter = CpuMeter(args.server_pid)
    results["b_readyz_idle"] = probe_readyz(host, port, args.probe_duration, gap, warmup=50)
    results["b_readyz_idle"]["cpu"] = meter.stop()
    time.sleep(1.0)

    # (c): the probe starts after the storm has ramped up and stops before it winds down,
    # so every probe request overlaps the full storm.
    probe_window = args.duration - 2 * args.storm_ramp
    print(
        f"(c) GET /readyz for {probe_window:.0f} s during a {args.duration:.0f} s login storm ...",
        file=sys.stderr,
        flush=True,
    )
    warm = Client(host, port)
    for _ in range(50):
        warm.request("GET", READY_PATH)
    warm.close()
    meter = CpuMeter(args.server_pid)
    proc, pipe = start_storm_process(host, port, args.username, args.password, args.clients, args.duration)
    time.sleep(args.storm_ramp)
    results["c_readyz_under_storm"] = probe_readyz(host, port, probe_window, gap, warmup=0)
    results["c_login_storm"] = finish_storm_process(proc, pipe, args.duration)
    # Whole phase (storm and probe together).
    results["c_login_storm"]["cpu"] = meter.stop(results["c_login_storm"]["client_cpu_s"])
    time.sleep(1.0)

    print(f"(d) {args.timing_samples} unknown-user and {args.timing_samples} wrong-password logins ...",
          file=sys.stderr, flush=True)
    results["d_timing"] = timing_comparison(host, port, args.username, args.timing_samples, warmup=3)
    time.sleep(1.0)

    print(f"(e) abuse storm: {args.abuse_clients} clients for {args.abuse_duration:.0f} s ...",
          file=sys.stderr, flush=True)
    results["e_abuse_storm"] = abuse_storm(host, port, args.username, args.password, args.abuse_clients,
                                           args.abuse_duration, args.abuse_gap_ms / 1000.0)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    print_report(results)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2, sort_keys=False)
        f.write("\n")
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
