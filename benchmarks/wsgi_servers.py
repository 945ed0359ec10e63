"""Choose the server behind `keydates serve`: the same WSGI app on each candidate.

    python benchmarks/wsgi_servers.py [--events 1000] [--seconds 5]

Needs wrk (Debian) and the candidates: `pip install waitress gunicorn`
(granian comes with keydates). In a temporary folder workload.py writes N
events; each candidate serves `keydates.web.create_app` on that folder with
one process, and is measured on loopback:

- conditional: wrk, one thread, 50 connections, If-None-Match (304s);
- first: the same with plain GETs (200s, the whole feed);
- slowloris: 200 connections each holding a partial request open, then the
  time one normal request takes (capped at 5 s).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "workload.py"

APP = 'keydates.web:create_app("bench.toml")'
CANDIDATES = {
    "granian (keydates serve)": lambda port: [sys.executable, "-m", "keydates", "serve", "bench.toml", "--port", str(port), "--no-access-log"],
    "waitress, 4 threads": lambda port: [sys.executable, "-c", (
        "import waitress; from keydates.web import create_app; "
        f"waitress.serve(create_app('bench.toml'), host='127.0.0.1', port={port}, threads=4, _quiet=True)")],
    "gunicorn gthread, 4 threads": lambda port: [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "4", "-w", "1",
                                                 "-b", f"127.0.0.1:{port}", "--log-level", "warning", APP],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench.ics", timeout=2).read()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def wrk(port: int, seconds: int, headers: list[str]) -> tuple[float, str]:
    command = ["wrk", "-t1", "-c50", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [f"http://127.0.0.1:{port}/bench.ics"], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)$", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    return rate, p99 + (f", {errors.group(0)}" if errors else "")


def slowloris(port: int, connections: int = 200) -> float:
    held = []
    try:
        for _ in range(connections):
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"GET /bench.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(conn)
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench.ics", timeout=5).read()
        except OSError:
            return float("inf")
        return time.monotonic() - started
    except OSError:
        return float("inf")
    finally:
        for conn in held:
            conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="keydates-servers-") as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, str(WORKLOAD), str(args.events), str(folder)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "keydates", "build", "bench.toml", "-o", "dist"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        for name, command in CANDIDATES.items():
            port = free_port()
            process = subprocess.Popen(command(port), cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
            try:
                if not wait_for(port, process):
                    rows.append(f"| {name} | did not start | | | |")
                    continue
                etag = urllib.request.urlopen(f"http://127.0.0.1:{port}/bench.ics").headers["ETag"]
                conditional, p99_304 = wrk(port, args.seconds, [f"If-None-Match: {etag}"])
                first, p99_200 = wrk(port, args.seconds, [])
                wait = slowloris(port)
                print(f"{name}: {conditional:,.0f} 304/s, {first:,.0f} 200/s, slowloris {wait:.2f} s", file=sys.stderr)
                rows.append(f"| {name} | {conditional:,.0f} (p99 {p99_304}) | {first:,.0f} (p99 {p99_200}) | "
                            f"{'no answer in 5 s' if wait == float('inf') else f'{wait * 1000:.0f} ms'} |")
            finally:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"The same app, {args.events:,}-event feed, wrk -t1 -c50 -d{args.seconds}s on loopback, one process each:\n")
    print("| server | 304/s | 200/s | one request beside 200 half-open connections |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
