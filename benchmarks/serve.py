"""Load-test `keydates serve` beside nginx serving the same built file, and print a Markdown table.

    python benchmarks/serve.py [--events 1000] [--requests 10000] [--connections 50] [--soak 600]

Needs Debian's `nginx` and `wrk` (apt-get install nginx wrk). In a temporary
directory, workload.py writes N seeded events and `keydates build` compiles
them; then, on loopback only:

- nginx (its own config, one worker process, access log off) serves the built
  dist/ folder, with ETag and Last-Modified as it always sends them;
- `keydates serve bench.toml` serves the same events from the TOML (it builds
  them itself, in memory).

For each server, wrk (one thread, so a core stays with the server) sends
--requests requests over --connections connections in three mixes:

- first: plain GETs, answered 200 with the whole feed (wrk without a script,
  for about --requests requests: a script would copy every body into Lua);
- conditional: If-None-Match and If-Modified-Since with the feed's validators,
  answered 304, as a subscribed client polls;
- mixed: one first fetch in ten, the rest conditional.

With --soak SECONDS, keydates then takes the mixed load for that long while
the resident memory of its processes (the granian main process and its
worker) is sampled every ten seconds: first, last and highest are reported.

Reported: requests/s, p50 and p99 latency (wrk's), errors (socket errors and
any status other than the one expected), and keydates' throughput as a share
of nginx's. A server that does not start is reported as not available (the
`serve` command arrives with issue #4). Progress goes to stderr, the report
to stdout; the exit status is 1 if any run had errors.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKLOAD = HERE / "workload.py"
MIXES = {"first": 0, "conditional": 1, "mixed": 10}  # one request in N is a first fetch (0: all, 1: none)

# wrk script: a fixed mix of plain and conditional GETs; stops after `limit`
# responses; prints one JSON line with the figures and the status counts.
WRK_SCRIPT = """
-- wrk's own duration is the -d it was given, so the time from the first
-- request to the last response is taken here, from the monotonic clock.
local ffi = require("ffi")
ffi.cdef[[ typedef struct {{ long tv_sec; long tv_nsec; }} kd_timespec; int clock_gettime(int clk, kd_timespec *tp); ]]
local function now()
  local t = ffi.new("kd_timespec"); ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end
local path, etag, modified = "{path}", '{etag}', "{modified}"
local every, limit = {every}, {limit}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args)
  plain = wrk.format("GET", path)
  conditional = wrk.format("GET", path, {{["If-None-Match"] = etag, ["If-Modified-Since"] = modified}})
  sent, seen, started, finished, statuses = 0, 0, 0, 0, {{}}
end
function request()
  if started == 0 then started = now() end
  sent = sent + 1
  if every == 0 or (every > 1 and sent % every == 1) then return plain end
  return conditional
end
function response(status, headers, body)
  if seen >= limit then return end  -- answers still in flight when it stopped
  statuses[status] = (statuses[status] or 0) + 1
  seen = seen + 1
  if seen == limit then finished = now(); wrk.thread:stop() end
end
function done(summary, latency, requests)
  local counts, seen_all, seconds = {{}}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[tostring(status)] = (counts[tostring(status)] or 0) + n end
    seen_all = seen_all + thread:get("seen")
    local finished = thread:get("finished")
    if finished == 0 then finished = thread:get("started") + summary.duration / 1e6 end
    seconds = math.max(seconds, finished - thread:get("started"))
  end
  local parts = {{}}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%s": %d', status, n)) end
  local e = summary.errors
  io.write(string.format('RESULT {{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "statuses": {{%s}}}}\\n', seen_all, seconds,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout,
    table.concat(parts, ", ")))
end
"""

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/calendar ics; }}
    charset utf-8;
    charset_types text/calendar;
    sendfile on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


@dataclass(frozen=True)
class Result:
    server: str
    mix: str
    requests: int = 0
    per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    statuses: str = ""
    missing: str | None = None  # why the server could not be measured


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def validators(url: str) -> tuple[str, str, int]:
    """The feed's ETag and Last-Modified, and its size, from one plain GET."""
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        return response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""), len(body)


def load(server: str, url_path: str, port: int, mix: str, args, scratch: Path) -> Result:
    etag, modified, size = validators(f"http://127.0.0.1:{port}{url_path}")
    if not etag and not modified:
        return Result(server, mix, missing="no ETag or Last-Modified")
    # wrk runs for as long as -d says even after the script stops it at
    # --requests, so a short run first sets -d to about 1.5 times what is needed.
    calibration = run_wrk(url_path, port, etag, modified, mix, min(1000, args.requests), 10, args, scratch)
    rate = calibration["requests"] / max(calibration["seconds"], 1e-3)
    seconds = min(600, math.ceil(1.5 * args.requests / max(rate, 1)) + 2)
    if mix == "first":
        figures = run_plain_wrk(url_path, port, max(2, math.ceil(args.requests / max(rate, 1))), args)
    else:
        figures = run_wrk(url_path, port, etag, modified, mix, args.requests, seconds, args, scratch)
    expected = {"first": {"200"}, "conditional": {"304"}, "mixed": {"200", "304"}}[mix]
    statuses = figures["statuses"]
    wrong = sum(n for status, n in statuses.items() if status not in expected)
    result = Result(
        server, mix, figures["requests"], figures["requests"] / figures["seconds"],
        figures["p50_us"] / 1000, figures["p99_us"] / 1000, figures["socket_errors"] + wrong,
        ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items())),
    )
    progress(f"  {server} {mix}: {result.per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
             f"p99 {result.p99_ms:.2f} ms, {result.errors} errors ({result.statuses}; feed {size:,} bytes)")
    return result


def run_plain_wrk(url_path, port, seconds, args) -> dict:
    """First fetches without a script: a script's response() makes wrk copy every
    body into Lua, which on a 650 kB feed costs wrk more than the server (and
    more so beside a server that leaves it less of the CPU)."""
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
               f"http://127.0.0.1:{port}{url_path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|m|s)", out)
    requests, seconds_taken = int(done[1]), float(done[2]) * {"ms": 0.001, "m": 60, "s": 1}[done[3]]
    wrong = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": requests, "seconds": seconds_taken, "p50_us": _micros(out, "50%"), "p99_us": _micros(out, "99%"),
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
        "statuses": {"200": requests - wrong, **({"non-2xx/3xx": wrong} if wrong else {})},
    }


def _micros(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)$", out, re.M).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1_000_000}[unit]


def run_wrk(url_path, port, etag, modified, mix, limit, seconds, args, scratch) -> dict:
    script = scratch / f"wrk-{port}-{mix}.lua"
    script.write_text(WRK_SCRIPT.format(path=url_path, etag=etag.replace("'", "\\'"), modified=modified,
                                        every=MIXES[mix], limit=limit))
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
               f"http://127.0.0.1:{port}{url_path}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def start_nginx(root: Path, scratch: Path) -> tuple[subprocess.Popen | None, int]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = scratch / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=scratch, port=port, root=root))
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(scratch), "-e", str(scratch / "nginx-error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, process):
        stop(process)
        return None, port
    return process, port


def start_keydates(workdir: Path, env: dict) -> tuple[subprocess.Popen | None, int, str]:
    """`keydates serve` on the TOML; returns the process, port and the feed's path."""
    port = free_port()
    log = open(workdir / "serve.log", "wb")
    # --no-access-log: nginx runs with access_log off too.
    process = subprocess.Popen([sys.executable, "-m", "keydates", "serve", "bench.toml", "--host", "127.0.0.1",
                                "--port", str(port), "--no-access-log"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    if not wait_for_port(port, process, seconds=60):
        stop(process)
        return None, port, (workdir / "serve.log").read_text(errors="replace").strip().splitlines()[-1:]
    # The startup lines say where each feed is: "  bench: http://127.0.0.1:PORT/<path>  webcal://...".
    text = (workdir / "serve.log").read_text(errors="replace")
    for line in text.splitlines():
        if line.strip().startswith("bench: http://"):
            return process, port, "/" + line.split("http://", 1)[1].split()[0].split("/", 1)[1]
    return process, port, "/bench.ics"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            pending += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def soak(process: subprocess.Popen, url_path: str, port: int, seconds: int, args, scratch: Path) -> list[float]:
    """The mixed load for `seconds`, sampling memory every ten seconds; the samples in MB."""
    etag, modified, _ = validators(f"http://127.0.0.1:{port}{url_path}")
    script = scratch / "wrk-soak.lua"
    script.write_text(WRK_SCRIPT.format(path=url_path, etag=etag.replace("'", "\\'"), modified=modified,
                                        every=MIXES["mixed"], limit=10**12))
    load_process = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "-s", str(script),
                                     f"http://127.0.0.1:{port}{url_path}"], stdout=subprocess.DEVNULL)
    samples = [tree_rss_mb(process.pid)]
    while load_process.poll() is None:
        time.sleep(10)
        samples.append(tree_rss_mb(process.pid))
        progress(f"  soak: {len(samples) * 10 - 10} s, {samples[-1]:.1f} MB")
    return samples


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def report(results: list[Result], args, samples: list[float] | None = None) -> str:
    lines = [
        f"`keydates serve` and nginx, {args.events:,}-event feed, {args.requests:,} requests over "
        f"{args.connections} connections per run (wrk, one thread), loopback:",
        "",
        "| server | requests | req/s | p50 ms | p99 ms | errors | keydates / nginx |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    nginx = {r.mix: r for r in results if r.server == "nginx" and r.missing is None}
    for r in results:
        if r.missing:
            lines.append(f"| {r.server} | {r.mix} | not available ({r.missing}) | | | | |")
            continue
        share = ""
        if r.server == "keydates" and r.mix in nginx:
            share = f"{r.per_second / nginx[r.mix].per_second:.2f}"
        lines.append(f"| {r.server} | {r.mix} ({r.statuses}) | {r.per_second:,.0f} | {r.p50_ms:.2f} | "
                     f"{r.p99_ms:.2f} | {r.errors} | {share} |")
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    lines += ["", f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {len(os.sched_getaffinity(0))} CPUs, {model}",
              f"- {subprocess.run(['nginx', '-v'], capture_output=True, text=True).stderr.strip()}, one worker process; "
              f"{subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout.splitlines()[0]}"]
    if samples:
        lines.append(f"- Soak: {args.soak} s of the mixed load on keydates; resident memory (main process and worker) "
                     f"{samples[0]:.1f} MB at the start, {samples[-1]:.1f} MB at the end, {max(samples):.1f} MB at most")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--soak", type=int, default=0, help="seconds of mixed load on keydates, sampling its memory")
    args = parser.parse_args(argv)
    for tool in ("nginx", "wrk"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            parser.error(f"{tool} is not installed (apt-get install nginx wrk)")

    results: list[Result] = []
    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="keydates-serve-") as tmp:
        scratch = Path(tmp)
        workdir = scratch / "site"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
        subprocess.run([sys.executable, str(WORKLOAD), str(args.events), str(workdir), "--seed", str(args.seed)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "keydates", "build", "bench.toml", "-o", "dist"], cwd=workdir, env=env,
                       check=True, stdout=subprocess.DEVNULL)

        # nginx's worker drops root for an unprivileged user, which must reach dist/.
        for folder in (scratch, workdir, workdir / "dist"):
            folder.chmod(0o755)
        progress("nginx:")
        server, port = start_nginx(workdir / "dist", scratch)
        try:
            if server is None:
                results += [Result("nginx", mix, missing="did not start") for mix in MIXES]
            else:
                results += [load("nginx", "/bench.ics", port, mix, args, scratch) for mix in MIXES]
        finally:
            stop(server)

        progress("keydates serve:")
        server, port, path = start_keydates(workdir, env)
        try:
            if server is None:
                why = f"did not start: {path[0] if path else 'no output'}"
                results += [Result("keydates", mix, missing=why) for mix in MIXES]
            else:
                results += [load("keydates", path, port, mix, args, scratch) for mix in MIXES]
                if args.soak:
                    samples = soak(server, path, port, args.soak, args, scratch)
        finally:
            stop(server)

    print(report(results, args, samples))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
