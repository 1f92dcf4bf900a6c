#!/usr/bin/env python3
"""Document upload and download: the server's memory, the stored hash, the bytes.

Run by bench/documents/run, which builds and starts the server, creates the supervisor and
generates the files; see bench/README.md ("Documents benchmark"). Standard library only,
plus `curl` for the transfers (so the client streams the file from disk and never holds it
whole in memory either). Loopback targets only.

Phases:
  warm-up   a 1 MiB upload and its download, so the baseline includes the thread pools,
            the multipart parser and the allocator's first arenas;
  upload    the big file (50 MiB by default) with `curl -F`, the server's VmRSS sampled
            every --sample-ms while it runs, VmHWM read afterwards;
  download  GET .../content to a file, sampled the same way; compared byte for byte, and
            the SHA-256 of the upload's response, the metadata, the ETag, the file on disk;
  limit     an upload over the limit (101 MiB against 100 MiB) with Content-Length, then the
            same with `Transfer-Encoding: chunked` (no declared length, so the server has to
            stop it while streaming): the status codes, and that the documents directory and
            the case's document list are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

MIB = 1024 * 1024


# --------------------------------------------------------------------------- /proc


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (and the rest) of `pid` in bytes."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                out[key] = int(parts[0]) * 1024
    return out


def reset_hwm(pid: int) -> bool:
    """Resets VmHWM to the current RSS (`5` to clear_refs); False when not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Sampler:
    """Samples the server's VmRSS in a thread until stopped."""

    def __init__(self, pid: int, interval: float):
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                rss = proc_status(self.pid)["VmRSS"]
            except (OSError, KeyError):
                break
            self.samples.append((time.monotonic() - t0, rss))
            self._stop.wait(self.interval)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)


# --------------------------------------------------------------------------- HTTP


def loopback_only(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
        sys.exit(f"measure.py: --base-url must look like http://127.0.0.1:PORT, got {url!r}")
    try:
        if not ipaddress.ip_address(parsed.hostname).is_loopback:
            raise ValueError
    except ValueError:
        sys.exit(f"measure.py: refusing to target {parsed.hostname!r}: only loopback addresses are allowed")
    return url.rstrip("/")


def api(base: str, method: str, path: str, token: str | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def curl(args: list[str]) -> tuple[int, dict[str, str], str]:
    """Runs curl with a -w JSON trailer; returns (exit code, write-out fields, stderr)."""
    cmd = ["curl", "-sS", "--max-time", "300", "-w", "%{json}", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        info = json.loads(p.stdout) if p.stdout.strip() else {}
    except ValueError:
        info = {"raw": p.stdout[-500:]}
    return p.returncode, info, p.stderr.strip()


def upload(base: str, token: str, case_id: str, path: str, resp_path: str, *, chunked: bool = False):
    args = [
        "-X", "POST",
        "-H", f"Authorization: Bearer {token}",
        "-F", f"file=@{path};filename={os.path.basename(path)}",
        "-F", "title=Bench",
        "-F", "kind=media",
        "-o", resp_path,
    ]
    if chunked:
        args += ["-H", "Transfer-Encoding: chunked"]
    return curl([*args, f"{base}/api/v1/cases/{case_id}/documents"])


def download(base: str, token: str, case_id: str, doc_id: str, out_path: str, headers_path: str):
    return curl([
        "-H", f"Authorization: Bearer {token}",
        "-D", headers_path,
        "-o", out_path,
        f"{base}/api/v1/cases/{case_id}/documents/{doc_id}/content",
    ])


def read_json(path: str):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        return json.loads(raw)
    except (OSError, ValueError):
        return None


def header(headers_path: str, name: str) -> str | None:
    value = None
    with open(headers_path, "rb") as f:
        for line in f.read().decode("latin-1").splitlines():
            k, sep, v = line.partition(":")
            if sep and k.strip().lower() == name.lower():
                value = v.strip()  # the last response's, after any 100 Continue
    return value


# --------------------------------------------------------------------------- files


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


def same_bytes(a: str, b: str) -> tuple[bool, int | None]:
    """Whether the files are identical; otherwise the first differing offset."""
    offset = 0
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            ca, cb = fa.read(MIB), fb.read(MIB)
            if ca != cb:
                for i, (x, y) in enumerate(zip(ca, cb)):
                    if x != y:
                        return False, offset + i
                return False, offset + min(len(ca), len(cb))
            if not ca:
                return True, None
            offset += len(ca)


def tree(root: str) -> dict[str, int]:
    """Every file under `root` (staging files included), relative path -> size."""
    out: dict[str, int] = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            try:
                out[os.path.relpath(full, root)] = os.path.getsize(full)
            except OSError:
                pass
    return out


# --------------------------------------------------------------------------- main


def mib(n: float | int | None) -> str:
    return "n/a" if n is None else f"{n / MIB:.1f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:18092")
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--username", default="sup")
    ap.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", ""))
    ap.add_argument("--file", required=True, help="the file to upload")
    ap.add_argument("--file-sha256", required=True, help="its SHA-256 (sha256sum)")
    ap.add_argument("--over-limit-file", required=True, help="a file larger than the limit")
    ap.add_argument("--limit-bytes", type=int, default=100 * MIB, help="the server's document limit")
    ap.add_argument("--documents-dir", required=True, help="the server's PROBITY_DOCUMENTS_DIR")
    ap.add_argument("--scratch", required=True, help="a directory for downloads and responses")
    ap.add_argument("--sample-ms", type=float, default=50.0)
    ap.add_argument("--threshold", type=float, default=0.5,
                    help="largest acceptable growth, as a fraction of the file's size")
    ap.add_argument("--repeat", type=int, default=3,
                    help="uploads of the same file after the measured one, to see whether RSS keeps growing")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    base = loopback_only(args.base_url)
    pid = args.server_pid
    interval = args.sample_ms / 1000.0
    size = os.path.getsize(args.file)
    scratch = args.scratch

    status, body = api(base, "POST", "/api/v1/auth/login", body={"username": args.username, "password": args.password})
    if status != 200:
        sys.exit(f"measure.py: login failed with {status}: {body}")
    token = body["access_token"]
    status, body = api(base, "POST", "/api/v1/cases", token, {
        "title": "Bench", "summary": "Bench", "source": "other", "category": "other",
        "received_at": "2026-11-01T09:00:00Z",
    })
    if status != 201:
        sys.exit(f"measure.py: creating the case failed with {status}: {body}")
    case_id = body["id"]

    results: dict = {
        "target": base,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": {"cpus": os.cpu_count(), "sample_ms": args.sample_ms},
        "file": {"bytes": size, "sha256": args.file_sha256},
    }

    # --- warm-up: 1 MiB up and down.
    warm = os.path.join(scratch, "warmup.bin")
    with open(warm, "wb") as f:
        f.write(os.urandom(MIB))
    code, info, err = upload(base, token, case_id, warm, os.path.join(scratch, "warmup.json"))
    warm_doc = read_json(os.path.join(scratch, "warmup.json")) or {}
    if code != 0 or info.get("http_code") != 201:
        sys.exit(f"measure.py: warm-up upload failed: curl {code} {err} status {info.get('http_code')} {warm_doc}")
    download(base, token, case_id, warm_doc["id"], os.path.join(scratch, "warmup.down"),
             os.path.join(scratch, "warmup.headers"))
    time.sleep(1.0)

    before = proc_status(pid)
    hwm_reset = reset_hwm(pid)
    results["hwm_reset_supported"] = hwm_reset
    results["before"] = {"vm_rss": before["VmRSS"], "vm_hwm": before["VmHWM"]}

    # --- upload.
    print(f"measure: uploading {mib(size)} ...", file=sys.stderr)
    resp_path = os.path.join(scratch, "upload.json")
    t0 = time.monotonic()
    with Sampler(pid, interval) as s_up:
        code, info, err = upload(base, token, case_id, args.file, resp_path)
    up_wall = time.monotonic() - t0
    after_up = proc_status(pid)
    doc = read_json(resp_path) or {}
    up_status = info.get("http_code")
    if code != 0 or up_status != 201 or "id" not in doc:
        sys.exit(f"measure.py: the upload failed: curl {code} {err} status {up_status} {doc}")
    time.sleep(1.0)
    settled_up = proc_status(pid)["VmRSS"]
    up_time = float(info.get("time_total") or up_wall)
    up_peak_growth = s_up.peak - before["VmRSS"]
    up_hwm_growth = after_up["VmHWM"] - before["VmRSS"] if hwm_reset else None
    results["upload"] = {
        "http_status": up_status,
        "seconds": up_time,
        "mib_per_s": size / MIB / up_time,
        "samples": len(s_up.samples),
        "peak_vm_rss": s_up.peak,
        "peak_growth": up_peak_growth,
        "vm_hwm_after": after_up["VmHWM"],
        "hwm_growth": up_hwm_growth,
        "vm_rss_settled_after_1s": settled_up,
        "response": doc,
    }

    # --- download.
    print("measure: downloading ...", file=sys.stderr)
    down_path = os.path.join(scratch, "download.bin")
    headers_path = os.path.join(scratch, "download.headers")
    before_dl = proc_status(pid)
    reset_hwm(pid)
    t0 = time.monotonic()
    with Sampler(pid, interval) as s_dl:
        code, info, err = download(base, token, case_id, doc["id"], down_path, headers_path)
    dl_wall = time.monotonic() - t0
    after_dl = proc_status(pid)
    dl_status = info.get("http_code")
    if code != 0 or dl_status != 200:
        sys.exit(f"measure.py: the download failed: curl {code} {err} status {dl_status}")
    dl_time = float(info.get("time_total") or dl_wall)
    dl_peak_growth = s_dl.peak - before_dl["VmRSS"]
    dl_hwm_growth = after_dl["VmHWM"] - before_dl["VmRSS"] if hwm_reset else None
    results["download"] = {
        "http_status": dl_status,
        "seconds": dl_time,
        "mib_per_s": size / MIB / dl_time,
        "samples": len(s_dl.samples),
        "vm_rss_before": before_dl["VmRSS"],
        "peak_vm_rss": s_dl.peak,
        "peak_growth": dl_peak_growth,
        "vm_hwm_after": after_dl["VmHWM"],
        "hwm_growth": dl_hwm_growth,
    }

    # --- integrity.
    identical, first_diff = same_bytes(args.file, down_path)
    etag = (header(headers_path, "ETag") or "").strip('"')
    _, meta = api(base, "GET", f"/api/v1/cases/{case_id}/documents/{doc['id']}", token)
    stored_files = tree(args.documents_dir)
    disk_sha = None  # the object's key is not the document's id: find it by its size
    disk_candidates = [p for p in stored_files if stored_files[p] == size]
    if len(disk_candidates) == 1:
        disk_sha = sha256_file(os.path.join(args.documents_dir, disk_candidates[0]))
    results["integrity"] = {
        "file_sha256": args.file_sha256,
        "response_sha256": doc.get("sha256"),
        "metadata_sha256": meta.get("sha256") if isinstance(meta, dict) else None,
        "etag": etag,
        "stored_object_sha256": disk_sha,
        "response_size_bytes": doc.get("size_bytes"),
        "download_bytes": os.path.getsize(down_path),
        "download_sha256": sha256_file(down_path),
        "byte_identical": identical,
        "first_difference_at": first_diff,
        "content_length": header(headers_path, "Content-Length"),
        "content_type": doc.get("content_type"),
    }

    # --- the same upload again: does the resident size keep growing per upload?
    repeats = []
    for i in range(args.repeat):
        code, info, err = upload(base, token, case_id, args.file, os.path.join(scratch, f"repeat-{i}.json"))
        rep = read_json(os.path.join(scratch, f"repeat-{i}.json")) or {}
        repeats.append({
            "http_status": info.get("http_code"),
            "sha256_match": rep.get("sha256") == args.file_sha256,
            "seconds": float(info.get("time_total") or 0.0),
            "vm_rss_after": proc_status(pid)["VmRSS"],
        })
    results["repeats"] = repeats

    # --- over the limit.
    over = os.path.getsize(args.over_limit_file)
    limit_results = []
    for label, chunked in (("content-length", False), ("chunked", True)):
        print(f"measure: uploading {mib(over)} ({label}) against the {mib(args.limit_bytes)} limit ...", file=sys.stderr)
        files_before = tree(args.documents_dir)
        _, docs_before = api(base, "GET", f"/api/v1/cases/{case_id}/documents", token)
        rss0 = proc_status(pid)["VmRSS"]
        reset_hwm(pid)
        t0 = time.monotonic()
        with Sampler(pid, interval) as s_big:
            code, info, err = upload(base, token, case_id, args.over_limit_file,
                                     os.path.join(scratch, f"over-{label}.json"), chunked=chunked)
        wall = time.monotonic() - t0
        hwm = proc_status(pid)["VmHWM"]
        time.sleep(1.0)  # an aborted staging file is removed by a background task
        files_after = tree(args.documents_dir)
        _, docs_after = api(base, "GET", f"/api/v1/cases/{case_id}/documents", token)
        new_files = sorted(set(files_after) - set(files_before))
        body = read_json(os.path.join(scratch, f"over-{label}.json"))
        limit_results.append({
            "transfer": label,
            "bytes": over,
            "http_status": info.get("http_code"),
            "curl_exit": code,
            "curl_error": err or None,
            "bytes_sent": info.get("size_upload"),
            "seconds": wall,
            "problem_code": body.get("code") if isinstance(body, dict) else None,
            "new_files": new_files,
            "documents_before": len(docs_before.get("items", [])) if isinstance(docs_before, dict) else None,
            "documents_after": len(docs_after.get("items", [])) if isinstance(docs_after, dict) else None,
            "peak_growth": s_big.peak - rss0,
            "hwm_growth": hwm - rss0 if hwm_reset else None,
        })
    results["over_limit"] = limit_results

    # --- verdicts.
    threshold = args.threshold * size
    up_growth = max(g for g in (up_peak_growth, up_hwm_growth) if g is not None)
    dl_growth = max(g for g in (dl_peak_growth, dl_hwm_growth) if g is not None)
    checks = {
        "upload_memory": up_growth < threshold,
        "download_memory": dl_growth < threshold,
        "sha256_match": len({args.file_sha256, doc.get("sha256"), etag,
                             results["integrity"]["metadata_sha256"],
                             results["integrity"]["download_sha256"]}) == 1
                        and disk_sha in (None, args.file_sha256),
        "size_match": doc.get("size_bytes") == size,
        "byte_identical": identical,
        "repeats_stored": all(x["http_status"] == 201 and x["sha256_match"] for x in repeats),
        "over_limit_413": all(r["http_status"] == 413 for r in limit_results),
        "over_limit_nothing_kept": all(not r["new_files"] and r["documents_before"] == r["documents_after"]
                                       for r in limit_results),
    }
    results["threshold_bytes"] = threshold
    results["checks"] = checks
    results["passed"] = all(checks.values())

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    report(results, size)
    return 0 if results["passed"] else 1


def report(r: dict, size: int) -> None:
    ok = lambda b: "PASS" if b else "FAIL"  # noqa: E731
    up, dl, it, ch = r["upload"], r["download"], r["integrity"], r["checks"]
    pct = lambda n: f"{100.0 * n / size:5.1f} % of the file" if n is not None else ""  # noqa: E731
    hwm_note = "" if r["hwm_reset_supported"] else "  (VmHWM could not be reset: since start)"
    w = 78
    print("=" * w)
    print(f"probity documents benchmark   {r['target']}   {r['started_at']}")
    print("=" * w)
    rows = [
        ("file size", f"{mib(size)} ({size} bytes)"),
        ("VmRSS before (after warm-up)", mib(r["before"]["vm_rss"])),
        ("upload: peak VmRSS (sampled)", f"{mib(up['peak_vm_rss'])}   {up['samples']} samples every {r['environment']['sample_ms']:g} ms"),
        ("upload: growth (sampled peak)", f"{up['peak_growth'] / MIB:+.1f} MiB   {pct(up['peak_growth'])}"),
        ("upload: growth (VmHWM)", (f"{up['hwm_growth'] / MIB:+.1f} MiB   {pct(up['hwm_growth'])}"
                                    if up["hwm_growth"] is not None else f"VmHWM {mib(up['vm_hwm_after'])}{hwm_note}")),
        ("upload: VmRSS 1 s after", mib(up["vm_rss_settled_after_1s"])),
        ("upload: throughput", f"{up['mib_per_s']:.1f} MiB/s   ({up['seconds']:.2f} s, status {up['http_status']})"),
        ("upload: growth < 50 % of file", ok(ch["upload_memory"])),
        ("download: VmRSS before", mib(dl["vm_rss_before"])),
        ("download: peak VmRSS (sampled)", f"{mib(dl['peak_vm_rss'])}   {dl['samples']} samples"),
        ("download: growth (sampled peak)", f"{dl['peak_growth'] / MIB:+.1f} MiB   {pct(dl['peak_growth'])}"),
        ("download: growth (VmHWM)", f"{dl['hwm_growth'] / MIB:+.1f} MiB   {pct(dl['hwm_growth'])}" if dl["hwm_growth"] is not None else "n/a"),
        ("download: throughput", f"{dl['mib_per_s']:.1f} MiB/s   ({dl['seconds']:.2f} s, status {dl['http_status']})"),
        ("download: growth < 50 % of file", ok(ch["download_memory"])),
        ("sha256 of the file", it["file_sha256"]),
        ("  upload response", it["response_sha256"]),
        ("  GET metadata", it["metadata_sha256"]),
        ("  ETag", it["etag"]),
        ("  stored object on disk", it["stored_object_sha256"] or "n/a"),
        ("  downloaded bytes", it["download_sha256"]),
        ("sha256 match", ok(ch["sha256_match"])),
        ("size_bytes match", f"{ok(ch['size_match'])}   ({it['response_size_bytes']}, Content-Length {it['content_length']})"),
        ("download byte-identical (cmp)", ok(ch["byte_identical"]) + (f"   first difference at {it['first_difference_at']}" if it["first_difference_at"] is not None else "")),
        ("content type (sniffed)", str(it["content_type"])),
    ]
    if r["repeats"]:
        rss = ", ".join(f"{x['vm_rss_after'] / MIB:.1f}" for x in r["repeats"])
        rows.append((f"{len(r['repeats'])} more uploads: VmRSS after", f"{rss} MiB   "
                     f"({ok(ch['repeats_stored'])}: 201 and the same sha256 each time)"))
    for o in r["over_limit"]:
        sent = o["bytes_sent"]
        rows.append((f"{mib(o['bytes'])} upload, {o['transfer']}",
                     f"status {o['http_status']} ({o['problem_code']}), curl exit {o['curl_exit']}, "
                     f"{mib(sent) if sent is not None else '?'} sent, {o['seconds']:.2f} s"))
        rows.append(("  new files / documents", f"{len(o['new_files'])} new files, documents {o['documents_before']} -> {o['documents_after']}, "
                                               f"growth {o['peak_growth'] / MIB:+.1f} MiB sampled"
                                               + (f", {o['hwm_growth'] / MIB:+.1f} MiB VmHWM" if o["hwm_growth"] is not None else "")))
    rows.append(("over the limit: 413", ok(ch["over_limit_413"])))
    rows.append(("over the limit: nothing kept", ok(ch["over_limit_nothing_kept"])))
    width = max(len(k) for k, _ in rows) + 2
    for k, v in rows:
        print(f"  {k:<{width}}{v}")
    print("-" * w)
    print(f"  overall: {ok(r['passed'])}")
    print("=" * w)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
