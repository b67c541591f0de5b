#!/usr/bin/env python3
"""Benchmark of `cfmigrate collect` against the local fake API.

Starts tests/servers/fake_api.py in its own process, runs the collector
under /usr/bin/time -v with the rate limit off, checks the output and prints
URLs/s (wall clock, server included), the collector's CPU time per URL and
its peak RSS.

  bench/bench_collect.py --bin build/cfmigrate --items 4000000 --per-page 10000
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_API = os.path.join(HERE, "..", "tests", "servers", "fake_api.py")


def start_api(args):
    cmd = [sys.executable, FAKE_API, "--style", args.style,
           "--items", str(args.items), "--dup-every", "1000",
           "--foreign-every", "2000"]
    api = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    line = api.stdout.readline()
    if not line.startswith("PORT "):
        raise SystemExit("fake API did not start: %r" % line)
    return api, int(line.split()[1])


def parse_time_v(text):
    def field(name):
        m = re.search(re.escape(name) + r": (.*)", text)
        return m.group(1).strip() if m else "0"
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {"wall": secs,
            "user": float(field("User time (seconds)")),
            "sys": float(field("System time (seconds)")),
            "rss_kb": int(field("Maximum resident set size (kbytes)"))}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(HERE, "..", "build",
                                                 "cfmigrate"))
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--per-page", type=int, default=10000)
    p.add_argument("--style", default="cursor")
    p.add_argument("--expected-total", type=int, default=0)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="cfm-bench-collect-")
    api, port = start_api(args)
    try:
        style_flags = {
            "cursor": ["--api-items-path", "items",
                       "--api-next-cursor-path", "meta.next_cursor"],
            "page": ["--api-items-path", "data", "--api-total-path", "total"],
        }[args.style]
        cmd = ["/usr/bin/time", "-v", os.path.abspath(args.bin), "collect",
               "--api-base-url", "http://127.0.0.1:%d/api/images" % port,
               "--api-pagination", args.style, "--api-auth-style", "none",
               "--api-rate-limit", "0",
               "--results-per-page", str(args.per_page),
               "--checkpoint-interval", "100000",
               "--expected-total", str(args.expected_total),
               "--state-dir", work] + style_flags
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        elapsed = time.monotonic() - start
        if proc.returncode != 0:
            print(proc.stderr[-4000:])
            raise SystemExit("collect failed: %d" % proc.returncode)
        t = parse_time_v(proc.stderr)
        with open(os.path.join(work, "urls.txt"), "rb") as f:
            lines = sum(1 for _ in f)
        cpu = t["user"] + t["sys"]
        print("command: %s" % " ".join(cmd[2:4] + ["..."]))
        print("items %d, URLs written %d, pages of %d (%s)"
              % (args.items, lines, args.per_page, args.style))
        print("wall %.2f s -> %.0f URLs/s end to end (fake API included)"
              % (t["wall"] or elapsed, lines / (t["wall"] or elapsed)))
        print("collector CPU %.2f s (user %.2f + sys %.2f) -> %.0f URLs per "
              "CPU-second, %.2f us per URL"
              % (cpu, t["user"], t["sys"], lines / cpu, cpu / lines * 1e6))
        print("peak RSS %.1f MB" % (t["rss_kb"] / 1024))
    finally:
        os.killpg(api.pid, 15)
        api.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
