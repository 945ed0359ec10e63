"""Time `keydates check` and `build` on the worst inputs of their kind, to show the work stays linear.

    python benchmarks/hostile.py [--repeat 3]

Cases (each a fresh temporary events folder, each command a whole process):
- one event with N tags (N = 40,000 and 200,000), `feeds = []` so the tags
  are only validated, not each given a feed;
- N events sharing the same N tags (N = 400 and 2,000): refused before
  anything is written, as the tag feeds would hold N x N copies;
- one weekly event with N `except` dates (N = 1,000 and 10,000).
Prints a Markdown table of median wall seconds and peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADER = '[calendar]\nid = "worst"\nname = "Worst"\ntimezone = "UTC"\n'


def many_tags(n: int) -> str:
    tags = ", ".join(f'"t{i}"' for i in range(n))
    return HEADER + 'feeds = []\n\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-01-05\nurl = "https://example.com/"\n' + f"tags = [{tags}]\n"


def tags_times_events(n: int) -> str:
    tags = ", ".join(f'"t{i}"' for i in range(n))
    body = "".join(f'\n[[event]]\nid = "e{k}"\ntitle = "E"\ndate = 2026-01-05\nurl = "https://example.com/"\ntags = [{tags}]\n' for k in range(n))
    return HEADER + body


def many_exceptions(n: int) -> str:
    days = ", ".join((date(2026, 1, 5) + timedelta(weeks=k + 1)).isoformat() for k in range(n))
    until = (date(2026, 1, 5) + timedelta(weeks=n + 10)).isoformat()  # COUNT stops at 10,000 (README: limits)
    return HEADER + f'\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-01-05\nurl = "https://example.com/"\nrepeat = "weekly"\nuntil = {until}\nexcept = [{days}]\n'


CASES = [
    ("one event, 40,000 tags", many_tags, 40_000),
    ("one event, 200,000 tags", many_tags, 200_000),
    ("400 events x 400 tags (refused)", tags_times_events, 400),
    ("2,000 events x 2,000 tags (refused)", tags_times_events, 2_000),
    ("weekly, 1,000 except dates", many_exceptions, 1_000),
    ("weekly, 10,000 except dates", many_exceptions, 10_000),
]


def timed(command: list[str], cwd: Path) -> tuple[float, float, int]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": "1770000000"}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| case | input MB | command | exit | median s | peak MiB |")
    print("|---|---:|---|---:|---:|---:|")
    for label, make, n in CASES:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "events").mkdir()
            text = make(n)
            (root / "events" / "worst.toml").write_text(text, encoding="utf-8")
            for command in ("check", "build"):
                runs = [timed([sys.executable, "-m", "keydates", command], root) for _ in range(args.repeat)]
                seconds = statistics.median(r[0] for r in runs)
                peak = max(r[1] for r in runs)
                print(f"| {label} | {len(text.encode()) / 1e6:.1f} | {command} | {runs[0][2]} | {seconds:.2f} | {peak:.0f} |", flush=True)
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
