"""Time `keydates build` against a plain-icalendar baseline and a peer, and print a Markdown table.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 3] [--seed 0]

The peer is ical-generator (Node), the fastest compliant generator we know,
building the same resolved events (benchmarks/peers; `npm ci` there once);
it is left out, with a note, when node or its packages are missing. Three
keydates figures per size: cold (the first build, no lock, nothing cached),
warm (a rebuild with nothing changed) and one edit (one event's title changed).

For each size N, workload.py writes N seeded events to a temporary directory as
bench.toml (for keydates) and bench.json (the same events, resolved, for
baseline_icalendar.py).  Each command then runs as a whole process in a fresh
interpreter (this interpreter, sys.executable), --repeat times:

    python -m keydates build bench.toml -o out
    python benchmarks/baseline_icalendar.py bench.json baseline.ics

One untimed warm-up run of each command comes first.  For keydates it creates
keydates.lock beside bench.toml, so the timed builds are the steady state: the
lock is up to date and only needs checking, not writing.  The warm-up time is
reported separately as "first build".  The default timeline (the repo's
events/, copied to a temporary directory so its lock file is not touched) is
timed the same way with `python -m keydates build -o OUT`.

Reported per command: the median wall time, and the peak RSS of that one
process (ru_maxrss from os.wait4 on its pid, KiB on Linux, shown in MiB; the
largest over the runs).  RUSAGE_CHILDREN is not used: it keeps the maximum over
every child ever waited for.  Linux carries the high-water mark of the memory a
process had before exec() into its ru_maxrss, and a child is spawned sharing
this runner's memory (vfork), so each figure is at least this runner's own
peak.  The runner therefore generates workloads in a child process and stays
small, and prints its own peak as the floor.

The work is not identical: keydates also validates the TOML, resolves windows,
checks the lock and writes bench.ics, all.ics, a feed per tag and index.html, while the
baseline reads pre-resolved JSON and writes one.  Each run's output is checked
to hold N VEVENTs.

The repo's src/ is put first on PYTHONPATH, so the working tree is measured
whether or not keydates is installed.  Bytecode goes to a temporary
PYTHONPYCACHEPREFIX (filled by the warm-up runs), so nothing is written into the
tree.  A failed keydates build prints its stderr and is shown as "failed" in the
table; the runner then exits 1.  Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = HERE / "baseline_icalendar.py"
PEER = HERE / "peers" / "ical_generator.mjs"
WORKLOAD = HERE / "workload.py"
KEYDATES = [sys.executable, "-m", "keydates"]


@dataclass(frozen=True)
class Run:
    """One finished child process."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Timing:
    """Repeated runs of one command, or why they stopped."""

    label: str
    first: Run | None = None
    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak(self) -> float:
        return max(r.peak_mib for r in self.runs)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs)


def run_once(cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run cmd to completion; return its wall time, own peak RSS and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        # wait4 reaps this one child and returns its own rusage.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode,
                   out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"))


def count_events(path: Path) -> int:
    """Return the number of VEVENTs in an .ics file, or -1 if it is missing."""
    # Read in chunks: loading a 60 MB calendar would raise this runner's peak RSS,
    # which is the floor of every child's figure.
    marker = b"BEGIN:VEVENT"
    count, tail = 0, b""
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                data = tail + chunk
                count += data.count(marker)
                # Keep a partial marker for the next chunk; it cannot hold a whole one.
                tail = data[-(len(marker) - 1):]
    except FileNotFoundError:
        return -1
    return count


def time_command(label: str, cmd: list[str], cwd: Path, env: dict[str, str],
                 repeat: int, outputs: list[Path], expected: int | None) -> Timing:
    """Run cmd once untimed, then repeat times; check exit codes and outputs."""
    timing = Timing(label)
    for i in range(repeat + 1):
        run = run_once(cmd, cwd, env)
        if run.returncode != 0:
            timing.error = f"exit status {run.returncode}"
            report_failure(label, cmd, run)
            return timing
        for path in outputs:
            found = count_events(path)
            if found == -1:
                timing.error = f"{path.name} was not written"
            elif expected is not None and found != expected:
                timing.error = f"{path.name} has {found} VEVENTs, expected {expected}"
            if timing.error:
                report_failure(label, cmd, run, timing.error)
                return timing
        if i == 0:
            timing.first = run
        else:
            timing.runs.append(run)
        progress(f"  {label} run {i}/{repeat}: {run.seconds:.3f} s, {run.peak_mib:.0f} MiB"
                 + (" (warm-up)" if i == 0 else ""))
    return timing


def report_failure(label: str, cmd: list[str], run: Run, reason: str | None = None) -> None:
    bar = "!" * 72
    progress(f"{bar}\nFAILED: {label}: {reason or f'exit status {run.returncode}'}\n"
             f"command: {' '.join(cmd)}")
    if run.stdout.strip():
        progress(f"--- stdout ---\n{run.stdout.rstrip()}")
    progress(f"--- stderr ---\n{run.stderr.rstrip() or '(empty)'}\n{bar}")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_size(n: int, seed: int, repeat: int, env: dict[str, str],
               scratch: Path) -> tuple:
    """Generate n events and time keydates and the baseline on them."""
    workdir = scratch / f"n{n}"
    # In a child process: this one must stay small (see the module docstring).
    progress(f"N={n}:")
    subprocess.run([sys.executable, str(WORKLOAD), str(n), str(workdir), "--seed", str(seed)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    out = workdir / "out"
    keydates = time_command(
        f"keydates N={n}", [*KEYDATES, "build", "bench.toml", "-o", "out"], workdir, env,
        repeat, [out / "bench.ics", out / "all.ics"], n)
    if keydates.first is not None and not (workdir / "keydates.lock").exists():
        progress(f"note: keydates N={n}: no keydates.lock beside bench.toml after the first build")
    edit = None
    if keydates.ok:
        source = workdir / "bench.toml"
        text = source.read_text(encoding="utf-8")
        at = text.index('title = "') + len('title = "')
        source.write_text(text[:at] + "Edited " + text[at:], encoding="utf-8")
        edit = run_once([*KEYDATES, "build", "bench.toml", "-o", "out"], workdir, env)
        progress(f"  keydates N={n} one edit: {edit.seconds:.2f} s")
    baseline = time_command(
        f"baseline N={n}", [sys.executable, str(BASELINE), "bench.json", "baseline.ics"],
        workdir, env, repeat, [workdir / "baseline.ics"], n)
    peer = None
    node = shutil.which("node")
    if node and (PEER.parent / "node_modules").is_dir():
        peer = time_command(f"ical-generator N={n}", [node, str(PEER), "bench.json", "peer.ics"],
                            workdir, env, repeat, [workdir / "peer.ics"], n)
    else:
        progress("note: ical-generator left out (needs node and `npm ci` in benchmarks/peers)")
    shutil.rmtree(workdir)
    return keydates, baseline, edit, peer


def bench_timeline(repeat: int, env: dict[str, str], scratch: Path) -> Timing:
    """Time `keydates build` of a copy of the repo's default timeline."""
    workdir = scratch / "timeline"
    if not (REPO / "events").is_dir():
        progress(f"FAILED: keydates default timeline: {REPO / 'events'} does not exist")
        return Timing("keydates default timeline", error="no events/ directory")
    shutil.copytree(REPO / "events", workdir / "events")
    progress(f"default timeline: copied {REPO / 'events'} to {workdir}")
    return time_command("keydates default timeline", [*KEYDATES, "build", "-o", "out"],
                        workdir, env, repeat, [workdir / "out" / "all.ics"], None)


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ical = metadata.version("icalendar")
    except metadata.PackageNotFoundError:
        ical = "not installed"
    return [
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {model}, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable}), icalendar {ical}",
    ]


def report(rows: list[tuple], timeline: Timing | None,
           repeat: int, seed: int) -> str:
    lines = [
        "| N events | keydates cold s | keydates warm s | keydates one edit s | keydates peak MiB "
        "| icalendar baseline s | ical-generator s | keydates warm / ical-generator |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, kd, base, edit, peer in rows:
        cold = seconds(kd.first.seconds) if kd.first else "-"
        kd_s, kd_m = (seconds(kd.median), f"{kd.peak:.0f}") if kd.ok else ("failed", "-")
        b_s = seconds(base.median) if base.ok else "failed"
        p_s = (seconds(peer.median) if peer.ok else "failed") if peer else "not run"
        ratio = f"{kd.median / peer.median:.2f}" if kd.ok and peer and peer.ok else "-"
        edit_s = seconds(edit.seconds) if edit and edit.returncode == 0 else "-"
        lines.append(f"| {n:,} | {cold} | {kd_s} | {edit_s} | {kd_m} | {b_s} | {p_s} | {ratio} |")
    lines.append("")
    if timeline is not None:
        if timeline.ok:
            lines.append(f"Default timeline (`keydates build`, events/): median "
                         f"{seconds(timeline.median)} s, peak {timeline.peak:.0f} MiB.")
        else:
            lines.append(f"Default timeline (`keydates build`, events/): failed "
                         f"({timeline.error}).")
    lines.append("")
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"Median of {repeat} runs after one warm-up run, whole processes, "
                 f"steady state (up-to-date keydates.lock); workload seed {seed}. "
                 f"Peak RSS is the child's ru_maxrss; the runner's own {floor:.0f} MiB "
                 f"is its floor.")
    lines.append("")
    lines.extend(machine())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated event counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs per command (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="workload seed")
    parser.add_argument("--no-timeline", action="store_true",
                        help="skip timing the repo's default timeline")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected comma-separated integers, got {args.sizes!r}")
    if args.repeat < 1 or not sizes or min(sizes) < 1:
        parser.error("--repeat and every size must be at least 1")

    with tempfile.TemporaryDirectory(prefix="keydates-bench-") as tmp:
        scratch = Path(tmp)
        env = child_env(scratch / "pycache")
        # "Cold" means no lock and nothing cached by keydates, not Python
        # compiling its bytecode: one untimed build compiles the modules first.
        shutil.copytree(REPO / "events", scratch / "prime" / "events")
        subprocess.run([*KEYDATES, "build", "-o", "out"], cwd=scratch / "prime", env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = [(n, *bench_size(n, args.seed, args.repeat, env, scratch)) for n in sizes]
        timeline = None if args.no_timeline else bench_timeline(args.repeat, env, scratch)

    print(report(rows, timeline, args.repeat, args.seed))
    failed = [t.label for _, kd, base, _, peer in rows for t in (kd, base, peer) if t is not None and not t.ok]
    if timeline is not None and not timeline.ok:
        failed.append(timeline.label)
    if failed:
        progress(f"\nFAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
